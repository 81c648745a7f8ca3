import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The pieces the cases need from the rest of the project. A missing piece is
// an error naming it and the fix; the case then FAILS in the report (never a
// silent skip).

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export class MissingPrerequisite extends Error {}

export function requireFile(file, fix) {
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new MissingPrerequisite(`missing ${relativeToRepo(file)}: ${fix}`);
  }
  return file;
}

export function relativeToRepo(file) {
  return file.startsWith(`${repoRoot}/`) ? file.slice(repoRoot.length + 1) : file;
}

// The executables under test run from fresh copies in the work directory.
// Measured here: the same bytes start 1-2 ms slower from a file written by
// the build (or extracted long ago) than from a fresh copy, an artefact of
// how the file sits in the page cache. Copying the launcher, the Node it is
// compared with, and (through install) the shim the same way keeps that
// artefact out of the ratios.
let freshBin;
const freshCopies = new Map();

export function useFreshCopies(dir) {
  freshBin = dir;
  mkdirSync(dir, { recursive: true });
}

export function freshCopy(file, name) {
  if (!freshBin) return file;
  if (!freshCopies.has(name)) {
    const copy = join(freshBin, name);
    copyFileSync(file, copy);
    freshCopies.set(name, copy);
  }
  return freshCopies.get(name);
}

export function launcherPath() {
  return freshCopy(requireFile(join(repoRoot, 'dist/linux-x64/hip-clang-launcher'), 'run `npm run build`'), 'hip-clang-launcher');
}

const hipccBuilds = new Map();

// hipcc 7.0.2 built from source by scripts/build-hipcc.sh (the patch issue), which prints its path.
export function hipcc7(variant) {
  if (!hipccBuilds.has(variant)) hipccBuilds.set(variant, buildHipcc(variant));
  const built = hipccBuilds.get(variant);
  if (built instanceof Error) throw built;
  return built;
}

function buildHipcc(variant) {
  const script = join(repoRoot, 'scripts/build-hipcc.sh');
  if (!existsSync(script)) {
    return new MissingPrerequisite(`scripts/build-hipcc.sh does not exist yet: hipcc 7 (${variant}) cannot be built (the hipcc patch issue delivers it)`);
  }
  const result = spawnSync('bash', [script, variant], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const printed = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !printed) {
    return new MissingPrerequisite(`bash scripts/build-hipcc.sh ${variant} failed (exit ${result.status}): ${lastLine(result.stderr)}`);
  }
  try {
    return requireFile(printed, `bash scripts/build-hipcc.sh ${variant} printed a path that is not an executable`);
  } catch (error) {
    return error;
  }
}

// The shim (issue 4): `hip-clang-launcher install <bin dir>` wraps clang and clang++ there.
export function installShim(binDir, env, extraArgs = []) {
  const launcher = launcherPath();
  const result = spawnSync(launcher, ['install', binDir, ...extraArgs], { env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new MissingPrerequisite(`hip-clang-launcher install failed (exit ${result.status}): ${lastLine(result.stderr || result.stdout)}`);
  }
}

// A bin dir holding `compiler` as clang and clang++, wrapped by `install`; returns the clang++ shim.
export function shimOver(dir, compiler, env) {
  const bin = join(dir, 'shim-bin');
  mkdirSync(bin, { recursive: true });
  for (const name of ['clang', 'clang++']) copyFileSync(compiler, join(bin, name));
  installShim(bin, env);
  return join(bin, 'clang++');
}

export function uninstallShim(binDir, env) {
  spawnSync(launcherPath(), ['uninstall', binDir], { env, stdio: 'ignore' });
}

function lastLine(text) {
  return String(text ?? '').trim().split('\n').filter(Boolean).pop() ?? '(no output)';
}

export function firstLineOf(file, args, env) {
  try {
    return execFileSync(file, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0];
  } catch (error) {
    return `unavailable (${lastLine(error.stderr || error.message)})`;
  }
}

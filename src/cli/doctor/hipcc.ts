import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { HclError } from '../../errors.js';
import type { Host } from '../../host.js';
import { isLauncherName, programNameOf } from '../../invocation.js';
import { HIP_CLANG_LAUNCHER_VAR } from '../../launcher/env-vars.js';
import { cacheKindOf } from '../../launcher/find-cache.js';
import { hipccVerdict as checkHipccVerdict } from '../../patch/hipcc-verdict.js';
import { probeHipcc } from '../../patch/probe-hipcc.js';
import { readManifest } from '../../shim/manifest.js';
import { tryProgram } from '../try-program.js';
import { findOnPath } from './environment.js';
import { errorFinding, finding, type Finding } from './finding.js';
import { isLlvmTree, readShimStatus } from './shim.js';

// Each hipcc a build would run, and its route to the cache: a real probe
// (check-hipcc's), then what the environment makes of that route.

export interface Targets {
  hipccs: string[];
  // Directories given that hold an llvm bin dir (for the shim check).
  trees: string[];
}

const HIPCC_IN_DIR: readonly string[] = ['bin/hipcc', 'hipcc'];

export function resolveTargets(given: readonly string[], host: Host): Targets {
  const targets: Targets = { hipccs: [], trees: [] };
  for (const arg of given) {
    const path = resolve(host.cwd, arg);
    if (!existsSync(path)) throw new HclError('usage', `${arg} does not exist`, 'give a hipcc, a ROCm root or an llvm bin directory');
    if (!statSync(path).isDirectory()) {
      targets.hipccs.push(path);
      continue;
    }
    const hipcc = HIPCC_IN_DIR.map((p) => join(path, p)).find((f) => host.isExecutableFile(f));
    const tree = isLlvmTree(arg, host.cwd);
    if (hipcc) targets.hipccs.push(hipcc);
    if (tree) targets.trees.push(arg);
    if (!hipcc && !tree) {
      throw new HclError('usage', `${arg} holds neither a hipcc (bin/hipcc) nor an llvm bin directory (clang, clang++)`, 'give a hipcc, a ROCm root or an llvm bin directory');
    }
  }
  // A tree given without a hipcc in it is still built with some hipcc: the one on PATH.
  if (targets.hipccs.length === 0) {
    const onPath = findOnPath('hipcc', host);
    if (onPath) targets.hipccs.push(onPath);
  }
  return targets;
}

export type HipccRoute = 'launcher' | 'shim' | 'no-clang' | 'mangled';

export interface HipccVerdict {
  route: HipccRoute;
  // The compiler as it reached the launcher, if it did.
  compiler: string | undefined;
  // The llvm bin dir whose shim answered the probe (this hipcc ignores the variable).
  shimBin: string | undefined;
  // The probe's own words for a failed route (check-hipcc prints the same line).
  failure?: string;
}

// A compiler path that is a shim's real compiler: the call came through the shim, not HIP_CLANG_LAUNCHER.
function binOfShimReal(compiler: string): string | undefined {
  try {
    const bin = dirname(compiler);
    return readManifest(bin)?.entries.some((e) => e.realName === basename(compiler)) ? bin : undefined;
  } catch {
    return undefined;
  }
}

// The one place doctor reads check-hipcc's probe and verdict (probe-hipcc.ts, hipcc-verdict.ts).
export async function hipccRouteOf(hipcc: string, env: NodeJS.ProcessEnv): Promise<HipccVerdict> {
  const probe = await probeHipcc(hipcc, { env });
  const verdict = checkHipccVerdict(probe);
  const call = probe.calls[0];
  const shimBin = call ? binOfShimReal(call.compiler) : undefined;
  if (shimBin) return { route: 'shim', compiler: call!.compiler, shimBin };
  switch (verdict.finding) {
    case 'honours':
      return { route: 'launcher', compiler: call?.compiler, shimBin: undefined };
    case 'mangled':
      return { route: 'mangled', compiler: call?.compiler, shimBin: undefined };
    case 'ignores':
      return { route: 'shim', compiler: call?.compiler, shimBin: undefined };
    default:
      return { route: 'no-clang', compiler: call?.compiler, shimBin: undefined, failure: verdict.lines.find((l) => l.status === 'fail')?.found };
  }
}

function launcherVariableFinding(hipcc: string, compiler: string, host: Host, launcher: string): Finding {
  const value = host.env[HIP_CLANG_LAUNCHER_VAR] ?? '';
  const set = `export ${HIP_CLANG_LAUNCHER_VAR}=${launcher}`;
  const honours = `hipcc ${hipcc} honours ${HIP_CLANG_LAUNCHER_VAR} (route: launcher; it runs ${compiler})`;
  if (value === '') return finding('hipcc', 'fail', `${honours}, but ${HIP_CLANG_LAUNCHER_VAR} is unset: its clang calls are not cached`, set);
  if (!host.isExecutableFile(resolve(host.cwd, value))) {
    return finding('hipcc', 'fail', `${honours}, but ${HIP_CLANG_LAUNCHER_VAR}=${value} is not an executable file: its compiles fail`, set);
  }
  if (isLauncherName(programNameOf(value, host.platform))) return finding('hipcc', 'ok', `${honours}; ${HIP_CLANG_LAUNCHER_VAR}=${value}`);
  const kind = cacheKindOf(value, host.platform);
  if (kind !== 'other') {
    return finding(
      'hipcc',
      'warn',
      `${honours}, but ${HIP_CLANG_LAUNCHER_VAR}=${value} is bare ${kind}: no per-object -cuid (an -fgpu-rdc link can fail on duplicate __hip_cuid_ symbols) and nothing routes around its HIP defects`,
      set,
    );
  }
  return finding('hipcc', 'warn', `${honours}, but ${HIP_CLANG_LAUNCHER_VAR}=${value} is another program: doctor cannot tell what it does`, set);
}

// The llvm bin dir a hipcc runs clang from: HIP_CLANG_PATH, else what its
// clang says (`hipcc --version` prints clang's InstalledDir), else its ROCm root's.
async function clangDirOf(hipcc: string, host: Host): Promise<string | undefined> {
  if (host.env.HIP_CLANG_PATH) return host.env.HIP_CLANG_PATH;
  const version = await tryProgram(hipcc, ['--version'], { timeoutMs: 120_000, env: host.env, cwd: host.cwd });
  const installed = /^InstalledDir: (.+)$/m.exec(version.stdout)?.[1]?.trim();
  if (installed) return installed;
  const root = dirname(dirname(hipcc));
  return ['llvm/bin', 'lib/llvm/bin'].map((p) => join(root, p)).find((d) => existsSync(d));
}

export interface HipccCheck {
  finding: Finding;
  // A tree whose shim this hipcc relies on (for the shim check).
  shimTree: string | undefined;
}

export async function checkHipcc(hipcc: string, host: Host, launcher: string, nvidiaTrap: boolean): Promise<HipccCheck> {
  let verdict: HipccVerdict;
  try {
    verdict = await hipccRouteOf(hipcc, host.env);
  } catch (error) {
    return { finding: errorFinding('hipcc', error, 'give the hipcc your build runs'), shimTree: undefined };
  }
  const compiler = verdict.compiler ?? '';
  if (verdict.route === 'launcher') return { finding: launcherVariableFinding(hipcc, compiler, host, launcher), shimTree: undefined };
  if (verdict.route === 'no-clang') {
    return {
      finding: finding('hipcc', 'fail', `hipcc ${hipcc} ${verdict.failure ?? `cannot find its clang here: it ran ${compiler}, which does not exist`}`, 'export HIP_CLANG_PATH=<the directory holding clang++>'),
      shimTree: undefined,
    };
  }
  if (verdict.route === 'mangled') {
    return {
      finding: finding('hipcc', 'fail', `hipcc ${hipcc} passes the compiler to ${HIP_CLANG_LAUNCHER_VAR} mangled, as ${JSON.stringify(compiler)}`, 'patch its source (hip-clang-launcher patch <dir> applies the quoting fix) and rebuild it, or install the shim'),
      shimTree: undefined,
    };
  }
  const ignores = `hipcc ${hipcc} ignores ${HIP_CLANG_LAUNCHER_VAR} (route: shim)${nvidiaTrap ? ' (or it picked NVIDIA: see hip-platform)' : ''}`;
  const bin = verdict.shimBin ?? (await clangDirOf(hipcc, host));
  const fix = (dir: string) => `hip-clang-launcher install ${dir} (with --names for every clang name this hipcc runs), or patch its source (hip-clang-launcher patch <dir>) and rebuild it`;
  if (!bin) {
    return { finding: finding('hipcc', 'fail', `${ignores}, and where it runs clang from is unknown (HIP_CLANG_PATH is unset and hipcc --version names no InstalledDir)`, `export HIP_CLANG_PATH=<its clang dir>, then ${fix('<that dir>')}`), shimTree: undefined };
  }
  const { status } = readShimStatus(bin, host.cwd);
  if (status?.installed) {
    return { finding: finding('hipcc', 'ok', `${ignores}; its clang in ${status.bin} is the shim, so its compiles are cached through it`), shimTree: bin };
  }
  return { finding: finding('hipcc', 'fail', `${ignores}, and its clang dir ${bin} has no shim: its compiles are not cached`, fix(bin)), shimTree: undefined };
}

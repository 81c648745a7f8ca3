import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MissingPrerequisite, repoRoot } from './prerequisites.mjs';

// One round of a lab group (split, makefile): a bash script (split times its
// builds with bash's `time`) run in the sid
// lab in a fresh work directory, with the built launcher and the given source
// trees bound read-only.

export function toolsDir() {
  return process.env.HCL_TOOLS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hip-clang-launcher-tools');
}

// `setup(dir)` fills the emptied work directory before the script runs; returns the directory.
export function runLabRound({ dir, sources, script, setup = () => {} }) {
  const labRoot = join(toolsDir(), 'sid-root');
  if (!existsSync(join(labRoot, 'etc/hcl-lab/recipe'))) throw new MissingPrerequisite(`missing the sid lab at ${labRoot}: run \`npm run provision\``);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  setup(dir);
  writeFileSync(join(dir, 'round.sh'), script);
  const binds = [...sources, join(repoRoot, 'dist/linux-x64')].flatMap((path) => ['--ro-bind', path]);
  const r = spawnSync('bash', [join(repoRoot, 'scripts/lab-run.sh'), ...binds, '--bind', dir, '--cwd', dir, '--', 'bash', join(dir, 'round.sh')], {
    env: { PATH: process.env.PATH, HCL_TOOLS: toolsDir() },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`the lab round failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return dir;
}

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv } from '../helpers/run-built.js';
import { hipEnv, repoRoot } from '../helpers/tools.js';

// hipcc 7.0.2 built from the provisioned source by scripts/build-hipcc.sh,
// which keeps one build per variant and inputs: every test file asking for a
// variant gets the same binary, built once per run at most.
export type Variant = 'unpatched' | 'patched' | 'upstream' | 'upstream-fixed';

export function buildHipcc(variant: Variant, windows = false): string {
  const args = [join(repoRoot, 'scripts/build-hipcc.sh'), variant, ...(windows ? ['--windows'] : [])];
  return execFileSync('bash', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 }).trim();
}

// The source tree a build was made from (patched as the variant says).
export function sourceOfBuild(hipcc: string): string {
  return join(hipcc, '..', '..', 'llvm-project', 'amd', 'hipcc');
}

export const kernelSource = join(repoRoot, 'test/fixtures/hipcc/kernel-and-main.hip');

// What hipcc needs to compile HIP here, and nothing of ours unless given.
export function hipccEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ ...hipEnv(), HIPCC_VERBOSE: undefined, ...extra });
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HclError } from '../errors.js';
import { CACHE_VAR, PROBE_VAR } from '../launcher/env-vars.js';
import { launcherPath } from './launcher-path.js';

// Asks a built hipcc whether it honours HIP_CLANG_LAUNCHER by running it with
// the variable pointing at this launcher in probe mode (the launcher notes
// each call in PROBE_VAR's file, then runs the compiler as usual). No bytes
// of hipcc are searched: only a call that happened counts.

export interface ProbeCall {
  compiler: string;
  args: string[];
}

export interface ProbeResult {
  hipcc: string;
  launcher: string;
  // What hipcc was run with, in order, until one reached the launcher.
  attempts: { args: string[]; exitCode: number | null }[];
  calls: ProbeCall[];
  // The compiler arrived as an existing file (not mangled by quoting).
  compilerIsFile: boolean;
}

// hipcc 7 runs `clang++ --version` through its command line, needing no GPU
// target or device libraries; a tiny compile-only HIP file is the fallback
// for a hipcc that answers --version by itself.
const TINY_HIP = '__global__ void hcl_probe_kernel(int* p) { *p = 1; }\nint hcl_probe_host() { return 0; }\n';

export function probeHipcc(hipcc: string, env: NodeJS.ProcessEnv = process.env): ProbeResult {
  if (!existsSync(hipcc) || !statSync(hipcc).isFile()) {
    throw new HclError('compiler-not-found', `hipcc ${hipcc} does not exist`, 'give the path of a built hipcc (its bin/hipcc)');
  }
  const launcher = launcherPath();
  const dir = mkdtempSync(join(tmpdir(), 'hcl-check-hipcc-'));
  try {
    const probeFile = join(dir, 'probe.jsonl');
    writeFileSync(join(dir, 'probe.hip'), TINY_HIP);
    const childEnv = { ...env, HIP_CLANG_LAUNCHER: launcher, [PROBE_VAR]: probeFile, [CACHE_VAR]: 'none' };
    const attempts: ProbeResult['attempts'] = [];
    for (const args of [['--version'], ['-c', '-x', 'hip', 'probe.hip', '-o', 'probe.o']]) {
      const run = spawnSync(hipcc, args, { cwd: dir, env: childEnv, stdio: 'ignore', timeout: 120_000 });
      if (run.error && (run.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') {
        throw new HclError('compiler-not-found', `could not run ${hipcc}: ${run.error.message}`, 'give the path of a built, executable hipcc');
      }
      attempts.push({ args, exitCode: run.status });
      if (existsSync(probeFile)) break;
    }
    const calls = existsSync(probeFile)
      ? readFileSync(probeFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as ProbeCall)
      : [];
    const compilerIsFile = calls.length > 0 && calls.every((c) => existsSync(c.compiler) && statSync(c.compiler).isFile());
    return { hipcc, launcher, attempts, calls, compilerIsFile };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProgram } from '../cli/run-program.js';
import { HclError } from '../errors.js';
import { CACHE_VAR, LOG_VAR, PROBE_VAR } from '../launcher/env-vars.js';
import { launcherPath } from './launcher-path.js';
import { COMPILE_ARGS, hipccVerdict, wantsCompileProbe } from './hipcc-verdict.js';

// Runs a built hipcc with HIP_CLANG_LAUNCHER pointing at this launcher in
// probe mode (the launcher notes each call in PROBE_VAR's file, then runs the
// compiler as usual) and HIPCC_VERBOSE=1 (hipcc prints each command it runs as
// "hipcc-cmd: ..."). No bytes of hipcc are searched: only what it ran counts.
// hipccVerdict() turns the result into a route.

export interface ProbeCall {
  compiler: string;
  args: string[];
}

export interface ProbeRun {
  kind: 'version' | 'compile';
  args: string[];
  exitCode: number;
  // hipcc's own account of what it ran, one command line each.
  commands: string[];
  // The end of its stderr, where hipcc and clang say what went wrong.
  stderr: string;
}

// The variables that decide where hipcc looks for its clang and device
// libraries, as the probe saw them (unset ones are absent).
export const HIPCC_SETUP_VARS = ['HIP_PLATFORM', 'HIP_CLANG_PATH', 'DEVICE_LIB_PATH', 'ROCM_PATH', 'HIP_PATH'] as const;
export type HipccSetupVar = (typeof HIPCC_SETUP_VARS)[number];

export interface ProbeResult {
  hipcc: string;
  launcher: string;
  env: Partial<Record<HipccSetupVar, string>>;
  runs: ProbeRun[];
  // Every call that reached the launcher, over all runs.
  calls: ProbeCall[];
}

// `--version` makes hipcc 7 run `clang++ --version` through its command line:
// no GPU target or device libraries needed. The compile probe follows when
// that was not conclusive, or to show that a HIP compile works here.
const VERSION_ARGS = ['--version'];
const TINY_HIP = '#include <hip/hip_runtime.h>\n__global__ void hcl_probe_kernel(int* p) { *p = 1; }\n';
const STDERR_KEPT = 4096;
export const DEFAULT_PROBE_TIMEOUT_MS = 120_000;

export async function probeHipcc(given: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProbeResult> {
  // hipcc runs in a private directory: a relative path (./hipcc) is the caller's, so resolve it here.
  const hipcc = resolve(given);
  if (!existsSync(hipcc) || !statSync(hipcc).isFile()) {
    // A program the admin CLI runs that is missing: exit 13, as the README's table says.
    throw new HclError('program-failed', `hipcc ${given} does not exist`, 'give the path of a built hipcc (its bin/hipcc)');
  }
  const env = options.env ?? process.env;
  const launcher = launcherPath();
  const dir = mkdtempSync(join(tmpdir(), 'hcl-check-hipcc-'));
  try {
    const probeFile = join(dir, 'probe.jsonl');
    writeFileSync(join(dir, 'probe.hip'), TINY_HIP);
    const childEnv: NodeJS.ProcessEnv = { ...env, HIP_CLANG_LAUNCHER: launcher, [PROBE_VAR]: probeFile, [CACHE_VAR]: 'none', HIPCC_VERBOSE: '1' };
    // The probe's compiles are not the user's build: keep them out of its call log.
    delete childEnv[LOG_VAR];
    const result: ProbeResult = { hipcc, launcher, env: setupVars(env), runs: [], calls: [] };
    const run = async (kind: ProbeRun['kind'], args: string[]) => {
      const r = await runProgram(hipcc, args, {
        cwd: dir,
        env: childEnv,
        timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
        what: `hipcc ${args.join(' ')}`,
        timeoutOption: '--timeout <seconds>',
      });
      result.runs.push({ kind, args, exitCode: r.exitCode, commands: hipccCommands(r.stdout), stderr: r.stderr.slice(-STDERR_KEPT) });
      result.calls = readCalls(probeFile);
    };
    await run('version', VERSION_ARGS);
    if (wantsCompileProbe(hipccVerdict(result))) await run('compile', COMPILE_ARGS);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function setupVars(env: NodeJS.ProcessEnv): ProbeResult['env'] {
  const out: ProbeResult['env'] = {};
  for (const name of HIPCC_SETUP_VARS) if (env[name] !== undefined) out[name] = env[name];
  return out;
}

function hipccCommands(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((line) => line.startsWith('hipcc-cmd: '))
    .map((line) => line.slice('hipcc-cmd: '.length));
}

function readCalls(file: string): ProbeCall[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProbeCall);
}

import type * as ChildProcessModule from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type * as OsModule from 'node:os';
import { pathModuleFor, type Host } from '../host.js';
import { CACHE_VAR, HIP_CLANG_LAUNCHER_VAR, LOG_VAR, PROBE_VAR } from './env-vars.js';
import { keyOf, readMemo, writeMemo } from './memo.js';
import { childEnv } from './recursion.js';

// Whether a hipcc binary honours HIP_CLANG_LAUNCHER at all, learned once per
// file (memo.ts: path, size, mtime) by running it with the variable pointing
// at this launcher in probe mode: only a call that reached the launcher
// counts, no bytes of hipcc are searched. hipcc's environment (HIP_CLANG_PATH,
// HIPCC_COMPILE_FLAGS_APPEND, ...) changes what it runs, never whether it
// reads the variable, so the answer belongs to the binary alone.
//
// honours: the launcher was called with the compiler as an existing file.
// mangles: called, but the compiler arrived as no file (upstream 7.13+ on
//          Windows quotes it twice): setting the variable would break the build.
// ignores: a run finished (exit 0) without calling the launcher.
// unknown: every run failed without calling it (a broken environment): not
//          memoised, asked again next time.
export type HipccLauncherSupport = 'honours' | 'mangles' | 'ignores' | 'unknown';

const MEMO_KIND = 'hipcc-launcher';
// A hung hipcc must not hang the build for long; a real --version takes well under a second.
const PROBE_TIMEOUT_MS = 60_000;

// hipcc 7 runs `clang++ --version` through its command line (no GPU target or
// device libraries needed); a tiny compile is the fallback for a hipcc that
// answers --version by itself. The same two runs as `check-hipcc`.
const TINY_HIP = '__global__ void hcl_probe_kernel(int* p) { *p = 1; }\nint hcl_probe_host() { return 0; }\n';
const PROBE_RUNS: readonly (readonly string[])[] = [['--version'], ['-c', '-x', 'hip', 'probe.hip', '-o', 'probe.o']];

export function probeHipccLauncherSupport(hipcc: string, self: string, host: Host): HipccLauncherSupport {
  const { spawnSync } = process.getBuiltinModule('node:child_process') as typeof ChildProcessModule;
  const os = process.getBuiltinModule('node:os') as typeof OsModule;
  const p = pathModuleFor(host.platform);
  const dir = mkdtempSync(p.join(os.tmpdir(), 'hcl-hipcc-probe-'));
  try {
    const probeFile = p.join(dir, 'probe.jsonl');
    writeFileSync(p.join(dir, 'probe.hip'), TINY_HIP);
    // The platform is forced: with nvcc on PATH hipcc would run nvcc and never clang.
    const env = childEnv(host.env, { [HIP_CLANG_LAUNCHER_VAR]: self, [PROBE_VAR]: probeFile, [CACHE_VAR]: 'none', HIP_PLATFORM: 'amd' });
    delete env[LOG_VAR];
    let finished = false;
    for (const args of PROBE_RUNS) {
      const run = spawnSync(hipcc, args, { cwd: dir, env, stdio: 'ignore', timeout: PROBE_TIMEOUT_MS, windowsHide: true });
      if (existsSync(probeFile)) break;
      if (run.status === 0) finished = true;
    }
    if (!existsSync(probeFile)) return finished ? 'ignores' : 'unknown';
    const calls = readFileSync(probeFile, 'utf8').trim().split('\n');
    return calls.every((line) => isExistingFile((JSON.parse(line) as { compiler?: unknown }).compiler)) ? 'honours' : 'mangles';
  } catch {
    return 'unknown';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function isExistingFile(file: unknown): boolean {
  try {
    return typeof file === 'string' && statSync(file).isFile();
  } catch {
    return false;
  }
}

const KNOWN: ReadonlySet<unknown> = new Set<HipccLauncherSupport>(['honours', 'mangles', 'ignores']);
const isKnown = (value: unknown): value is HipccLauncherSupport => KNOWN.has(value);

// The memoised answer for `hipcc` (its real path), probing only on a miss. A
// state file holding anything else is treated as a miss.
export function learnHipccLauncherSupport(hipcc: string, self: string, host: Host): HipccLauncherSupport {
  const key = keyOf(hipcc);
  if (!key) return 'unknown';
  const known = readMemo(host, MEMO_KIND, key, isKnown);
  if (known) return known;
  const found = probeHipccLauncherSupport(hipcc, self, host);
  if (found !== 'unknown') writeMemo(host, MEMO_KIND, key, found);
  return found;
}

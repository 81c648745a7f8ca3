import type * as ChildProcessModule from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type * as OsModule from 'node:os';
import { HclError } from '../errors.js';
import { cacheFailure, cacheOrDirectStep } from './cache-failure.js';
import { whyCannotStart } from './can-start.js';
import { cacheKindOf } from './find-cache.js';
import { sccacheServerProblem } from './sccache-server.js';
import { assertExactEnvironment, exactArgvFor, hasRawBytes } from './exact-bytes.js';
import { execWouldFit } from './exec-size.js';
import { execEnvironment, plainEnv, type ExecEnvironment } from './layered-env.js';
import type { ExecStep } from './plan-launch.js';
import { reportPhases } from './phases.js';
import { spawnInheriting, spawnsForSize } from './spawn-inheriting.js';

// Hands the process over to the planned program.
// POSIX: process.execve replaces this process, so nothing of ours stays
// resident and bytes, exit codes and signals are the compiler's own.
// Windows (or when a call log needs the exit code): spawn without a shell,
// forward signals, and leave with the child's status.

export interface ChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  step: ExecStep;
  // Why an earlier step (the cache) was passed over, if one was.
  fallback?: string;
  // The cache started but failed with its own error, so the compiler ran (cache-failure.ts).
  cacheFailed?: boolean;
  // What it wrote, when asked to capture it (the parts of a split call: run-parts.ts).
  stdout?: Buffer;
  stderr?: Buffer;
}

// Every step but the last is the cache: one that cannot start (or whose
// server cannot) is passed over, with the reason, for the next. The last (the
// compiler) is always tried.
function whyPassOver(step: ExecStep, env: NodeJS.ProcessEnv): string | undefined {
  const problem = whyCannotStart(step.file);
  if (problem) return `cache ${step.file} cannot be started: ${problem}`;
  return cacheKindOf(step.file, process.platform) === 'sccache' ? sccacheServerProblem(step.file, env) : undefined;
}

export function canExecve(): boolean {
  return process.platform !== 'win32' && typeof (process as { execve?: unknown }).execve === 'function';
}

type Execve = (file: string, argv: string[], env: NodeJS.ProcessEnv) => never;
type BindingExecve = (file: string, argv: string[], envPairs: string[]) => never;

// process.execve first loads internal/worker, and with it Node's streams
// (measured: `node -e` exec'ing through process.execve 1.09x of `node -e 0`,
// through the binding 1.03x, about 2 ms), only to learn that this is the
// main thread, which it always is here. The Linux executable runs with
// --expose-internals (scripts/build.mjs), so the binding process.execve ends
// in is called straight, after the same checks process.execve makes. Fetched only at the exec: the binding module
// queues a warning that an exec never lets print. Under plain Node, or if a
// Node upgrade changed the binding, process.execve as documented.
function execveDirect(file: string, argv: string[], env: ExecEnvironment): void {
  const { pairs } = env;
  if (!env.nulFree && pairs.some((pair) => pair.includes('\0'))) return;
  if (argv.some((arg) => typeof arg !== 'string' || arg.includes('\0')) || file.includes('\0')) return;
  const testing = process.getBuiltinModule('internal/test/binding') as { internalBinding?: (name: string) => { execve?: unknown } } | undefined;
  const execve = testing?.internalBinding?.('process_methods')?.execve;
  if (typeof execve === 'function') (execve as BindingExecve)(file, argv, pairs);
}

// Returns only when no step can be exec'd safely (process.execve aborts the
// process if exec fails), or when an argument's raw bytes need a response
// file that must be removed afterwards; the caller then spawns.
export function execveFirstStartable(steps: ExecStep[], env: NodeJS.ProcessEnv, isExecutable: (file: string) => boolean): void {
  // A very large environment: the spawn that inherits it is the cheaper hand-over (spawn-inheriting.ts).
  if (spawnsForSize(env)) return;
  assertExactEnvironment(env);
  if (steps.some((step) => hasRawBytes(step.file) || step.argv.some(hasRawBytes))) return;
  const execve = (process as unknown as { execve: Execve }).execve.bind(process);
  const last = steps[steps.length - 1]!;
  for (const [i, planned] of steps.entries()) {
    let step = planned;
    if (i < steps.length - 1) {
      if (whyPassOver(step, env)) continue;
      // A cache that can fail after it started: a shell waits and compiles directly then (cache-failure.ts).
      step = cacheOrDirectStep(step, last, isExecutable) ?? step;
    } else if (!isExecutable(step.file) || whyCannotStart(step.file)) {
      return;
    }
    // Too close to the kernel's limit: spawn, whose E2BIG falls back (run-launcher.ts).
    const exec = execEnvironment(env);
    if (!execWouldFit(step.file, step.argv, exec.pairs, exec.fits ? exec.bytes : undefined)) return;
    reportPhases('exec');
    execveDirect(step.file, step.argv, exec);
    execve(step.file, step.argv, env);
  }
}

// child_process drags in streams, net and dgram (about 40 internal modules,
// most of the launcher's own start-up time); the execve path never spawns,
// so it is loaded only when a spawn is needed.
function spawnFunction(): typeof ChildProcessModule.spawn {
  return (process.getBuiltinModule('node:child_process') as typeof ChildProcessModule).spawn;
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGBREAK'];

// The first of those this process was sent while it forwarded them: a caller
// that runs several children (the split's parts) stops there instead of
// starting the next one, or its fallback (Ctrl-C in make must end the build).
let interruptedBy: NodeJS.Signals | undefined;
export function interruption(): NodeJS.Signals | undefined {
  return interruptedBy;
}

// The children that run now, each sent what this process is sent.
const running = new Set<ChildProcess>();
let holders = 0;
const forwarders = new Map<NodeJS.Signals, () => void>();

// Takes the forwarded signals over until the returned release, counted (a
// split holds them across all its parts, each spawn for its child). They are
// taken before a child is spawned, never after: spawn returns only once its
// pipes are set up, and a signal in between met the default action, so the
// launcher died at once with its part left running and its temporaries on
// disk (seen under load). Between children (between parts, or while a split
// plans) a signal is noted, and no child starts after it (spawnStep).
export function forwardSignals(): () => void {
  if (holders++ === 0) {
    for (const signal of FORWARDED_SIGNALS) {
      if (process.platform !== 'win32' && signal === 'SIGBREAK') continue;
      const forward = () => {
        interruptedBy ??= signal;
        for (const child of running) child.kill(signal);
      };
      forwarders.set(signal, forward);
      process.on(signal, forward);
    }
  }
  let released = false;
  return () => {
    if (released || --holders > 0) return;
    released = true;
    for (const [signal, forward] of forwarders) process.off(signal, forward);
    forwarders.clear();
  };
}

function spawnStep(step: ExecStep, env: NodeJS.ProcessEnv, capture = false): Promise<ChildOutcome | NodeJS.ErrnoException> {
  // Sent a signal before this child could start: it does not start, and the caller leaves by the signal.
  if (interruptedBy) return Promise.resolve({ exitCode: null, signal: interruptedBy, step });
  const release = forwardSignals();
  const exact = exactArgvFor(step.file, step.argv);
  return new Promise<ChildOutcome | NodeJS.ErrnoException>((resolve) => {
    const stdio: StdioOptions = capture ? ['inherit', 'pipe', 'pipe'] : 'inherit';
    const child =
      spawnInheriting(step.file, exact.argv, env, stdio) ??
      spawnFunction()(step.file, exact.argv.slice(1), { argv0: exact.argv[0], env: plainEnv(env), stdio, shell: false, windowsHide: true });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const cleanUp = () => {
      running.delete(child);
      release();
    };
    child.once('error', (error) => {
      cleanUp();
      resolve(error as NodeJS.ErrnoException);
    });
    // 'close', not 'exit': captured output is complete only once its pipes close.
    child.once(capture ? 'close' : 'exit', (exitCode: number | null, signal: NodeJS.Signals | null) => {
      cleanUp();
      resolve(capture ? { exitCode, signal, step, stdout: Buffer.concat(out), stderr: Buffer.concat(err) } : { exitCode, signal, step });
    });
  }).finally(() => {
    // A spawn that threw never reached cleanUp (release is once only).
    release();
    exact.remove();
  });
}

// Spawns the first step that starts; the next one is the fallback when it
// cannot. On Windows spawn itself is the test (there is no /bin/sh fallback
// to hide a failure behind).
export async function spawnFirstStartable(steps: ExecStep[], env: NodeJS.ProcessEnv, capture = false): Promise<ChildOutcome> {
  assertExactEnvironment(env);
  let fallback: string | undefined;
  let cacheFailed = false;
  for (const [i, step] of steps.entries()) {
    const passOver = i < steps.length - 1 && process.platform !== 'win32' ? whyPassOver(step, env) : undefined;
    if (passOver) {
      fallback ??= passOver;
      continue;
    }
    reportPhases('spawn');
    const outcome = await spawnStep(step, env, capture);
    const failed = i < steps.length - 1 && !(outcome instanceof Error) ? cacheFailure(step, outcome.exitCode) : undefined;
    if (failed) {
      // The cache failed after it started: the compile runs directly (cache-failure.ts).
      fallback ??= failed;
      cacheFailed = true;
      continue;
    }
    if (!(outcome instanceof Error)) return fallback ? { ...outcome, fallback, ...(cacheFailed ? { cacheFailed } : {}) } : outcome;
    if (i === steps.length - 1) {
      throw new HclError('compiler-not-found', `${step.file} cannot be started: ${outcome.message}`, 'check that the compiler runs on its own');
    }
    fallback ??= `cache ${step.file} cannot be started: ${outcome.message}`;
  }
  throw new HclError('internal', 'nothing to run');
}

// Leaves the way the child left: same exit code, or death by the same signal.
export function exitLikeChild(outcome: ChildOutcome): never {
  if (outcome.signal) {
    process.removeAllListeners(outcome.signal);
    process.kill(process.pid, outcome.signal);
    // Signals Node cannot re-raise on this platform: the shell's convention.
    const os = process.getBuiltinModule('node:os') as typeof OsModule;
    const number = (os.constants.signals as Record<string, number>)[outcome.signal] ?? 0;
    process.exit(128 + number);
  }
  process.exit(outcome.exitCode ?? 1);
}

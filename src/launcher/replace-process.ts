import type * as ChildProcessModule from 'node:child_process';
import { openSync, readSync, closeSync } from 'node:fs';
import type * as OsModule from 'node:os';
import type { ExecStep } from './plan-launch.js';

// Hands the process over to the planned program.
// POSIX: process.execve replaces this process, so nothing of ours stays
// resident and bytes, exit codes and signals are the compiler's own.
// Windows (or when a call log needs the exit code): spawn without a shell,
// forward signals, and leave with the child's status.

export interface ChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  step: ExecStep;
}

// process.execve aborts the whole process when exec fails, so a step is only
// handed to it when it is sure to start: an executable ELF file or script.
export function looksStartable(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    return (n >= 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF') || (n >= 2 && head.toString('latin1', 0, 2) === '#!');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function canExecve(): boolean {
  return process.platform !== 'win32' && typeof (process as { execve?: unknown }).execve === 'function';
}

type Execve = (file: string, argv: string[], env: NodeJS.ProcessEnv) => never;

// Returns only when no step can be exec'd safely; the caller then spawns, and spawn reports why.
export function execveFirstStartable(steps: ExecStep[], env: NodeJS.ProcessEnv, isExecutable: (file: string) => boolean): void {
  const execve = (process as unknown as { execve: Execve }).execve.bind(process);
  for (const step of steps) {
    if (isExecutable(step.file) && looksStartable(step.file)) execve(step.file, step.argv, env);
  }
}

// child_process drags in streams, net and dgram (about 40 internal modules,
// most of the launcher's own start-up time); the execve path never spawns,
// so it is loaded only when a spawn is needed.
function spawnFunction(): typeof ChildProcessModule.spawn {
  return (process.getBuiltinModule('node:child_process') as typeof ChildProcessModule).spawn;
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGBREAK'];

function spawnStep(step: ExecStep, env: NodeJS.ProcessEnv): Promise<ChildOutcome | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const child = spawnFunction()(step.file, step.argv.slice(1), {
      argv0: step.argv[0],
      env,
      stdio: 'inherit',
      shell: false,
      windowsHide: true,
    });
    const forwarders = new Map<NodeJS.Signals, () => void>();
    for (const signal of FORWARDED_SIGNALS) {
      if (process.platform !== 'win32' && signal === 'SIGBREAK') continue;
      const forward = () => {
        child.kill(signal);
      };
      forwarders.set(signal, forward);
      process.on(signal, forward);
    }
    const cleanUp = () => {
      for (const [signal, forward] of forwarders) process.off(signal, forward);
    };
    child.once('error', (error) => {
      cleanUp();
      resolve(error as NodeJS.ErrnoException);
    });
    child.once('exit', (exitCode, signal) => {
      cleanUp();
      resolve({ exitCode, signal, step });
    });
  });
}

// Spawns the first step that starts; the next one is the fallback when it cannot.
export async function spawnFirstStartable(steps: ExecStep[], env: NodeJS.ProcessEnv): Promise<ChildOutcome> {
  let lastError: NodeJS.ErrnoException | undefined;
  for (const step of steps) {
    const outcome = await spawnStep(step, env);
    if (!(outcome instanceof Error)) return outcome;
    lastError = outcome;
  }
  throw lastError;
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

import type { ChildProcess, StdioOptions } from 'node:child_process';
import { changesOverProcessEnv, inheritedEnvironmentBytes } from './layered-env.js';

// A spawn whose child inherits this process's environment as the C library
// holds it, with the layer's few changes set (setenv) only for the moment of
// the spawn. child_process.spawn instead takes the environment as an object
// and turns it into a list of `NAME=value` strings in JavaScript, which Node
// then copies once more: with 100,000 variables that cost more than the rest
// of the call (layered-env.ts). The child is Node's own ChildProcess (the
// executable runs with --expose-internals), spawned as child_process.spawn
// spawns it once it has its options, so its events and errors are the same;
// libuv gives the child `environ` when no list is given. Undefined where that
// is not possible (another platform, plain Node, an environment that is not a
// layer over process.env): the caller spawns the usual way.

interface InternalChildProcess {
  ChildProcess?: new () => ChildProcess & { spawn(options: object): unknown };
}

// Above this size an exec costs more than a spawn that inherits: execve needs
// the list (about 1,500 instructions an entry to split and copy in Node,
// callgrind, 100,000 entries: 420M instructions before the exec against 204M
// for a whole spawn-and-wait call), a spawn forks and loads child_process once.
// Ordinary environments (a few KB) are exec'd.
export const SPAWN_ABOVE_BYTES = 256 * 1024;

// Whether a call should spawn and wait rather than exec, for the size of its environment.
export function spawnsForSize(env: NodeJS.ProcessEnv): boolean {
  return process.platform === 'linux' && (inheritedEnvironmentBytes(env) ?? 0) > SPAWN_ABOVE_BYTES && internalChildProcess() !== undefined;
}

function internalChildProcess(): InternalChildProcess['ChildProcess'] {
  const internal = process.getBuiltinModule('internal/child_process') as InternalChildProcess | undefined;
  return typeof internal?.ChildProcess === 'function' ? internal.ChildProcess : undefined;
}

export function spawnInheriting(file: string, argv: string[], env: NodeJS.ProcessEnv, stdio: StdioOptions): ChildProcess | undefined {
  if (process.platform !== 'linux') return undefined;
  const changes = changesOverProcessEnv(env);
  // setenv would cut a value at a NUL, or a name at `=`: such a change goes the usual way (and fails there).
  if (!changes || [...changes].some(([name, value]) => name === '' || /[=\0]/.test(name) || value?.includes('\0'))) return undefined;
  const ChildProcess = internalChildProcess();
  if (!ChildProcess) return undefined;
  const child = new ChildProcess();
  const saved = new Map<string, string | undefined>();
  const set = (name: string, value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  try {
    for (const [name, value] of changes) {
      const before = process.env[name];
      // unsetenv scans and compacts the whole environment even for a name it lacks (5M instructions at 100,000).
      if (before === value) continue;
      saved.set(name, before);
      set(name, value);
    }
    // The fork and exec are over when this returns (libuv waits for the exec).
    child.spawn({ file, args: argv, stdio, detached: false, windowsHide: true });
  } finally {
    for (const [name, value] of saved) set(name, value);
  }
  return child;
}

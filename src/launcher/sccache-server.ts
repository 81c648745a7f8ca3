import type * as ChildProcessModule from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { processStartTime as startTimeOf, withPidLock } from '../pid-lock.js';
import { readRegularNoFollow } from '../safe-read.js';
import { userCacheDir } from './state-dir.js';

// Whether sccache's server can take a compile. sccache starts its server on
// first use, and when that fails (the start times out under load, its port
// is held by a program that is not sccache, a listener closes each
// connection) the compile fails with it: SCCACHE_IGNORE_SERVER_IO_ERROR does
// not cover the start. So the launcher starts the server itself, once, under
// a lock, checks that what listens on the port is that sccache and answers,
// and remembers the outcome in a small state file:
//   - a server it checked, by pid and start time: each later call reads the
//     state file and /proc/<pid>/stat (about 0.1 ms) and execs sccache;
//   - a failure, for FAILURE_MEMORY_MS, doubled after each failure in a row
//     up to MAX_FAILURE_MEMORY_MS: calls compile directly without trying
//     again, and the log says why. While one call starts the server the
//     others wait for it, so an outage that lasts costs ever fewer stalls.
// sccache gives its server 10 s to start, which a loaded machine can exceed
// (the server then exits); a start that timed out is tried again (startAgain).
// Linux only (it reads /proc); elsewhere sccache is run as it is.

const DEFAULT_PORT = 4226;
const FAILURE_MEMORY_MS = 30_000;
const MAX_FAILURE_MEMORY_MS = 300_000;
// sccache --start-server runs per check at most (see startAgain).
export const SCCACHE_STARTS = 3;
const START_TIMEOUT_MS = 30_000;
const ANSWER_TIMEOUT_MS = 10_000;
// How long a call waits for another launcher that is starting the server
// before it compiles directly; and the longest a start can hold the lock (its
// retries and the check), past which a lock is stale whoever holds it.
export const LOCK_WAIT_MS = START_TIMEOUT_MS + ANSWER_TIMEOUT_MS + 5_000;
export const LOCK_MAX_HOLD_MS = SCCACHE_STARTS * START_TIMEOUT_MS + ANSWER_TIMEOUT_MS + 5_000;
const TCP_LISTEN = '0A';

interface ServerState {
  ok?: { pid: number; startTime: string };
  // inARow: failures since the last success, which set how long this one is remembered.
  failed?: { at: number; reason: string; inARow?: number };
}

// FNV-1a: a short, stable name for the sccache path in the state file's name.
function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

// The user's own cache directory (never HIP_CLANG_LAUNCHER_STATE_DIR, which may be shared).
function stateDir(env: NodeJS.ProcessEnv): string | undefined {
  const base = userCacheDir(env, 'linux');
  return base ? `${base}/hip-clang-launcher` : undefined;
}

function isServerState(value: unknown): value is ServerState {
  if (typeof value !== 'object' || value === null) return false;
  const { ok, failed } = value as ServerState;
  const okShape = ok === undefined || (typeof ok === 'object' && ok !== null && Number.isInteger(ok.pid) && typeof ok.startTime === 'string');
  const failedShape =
    failed === undefined ||
    (typeof failed === 'object' && failed !== null && Number.isFinite(failed.at) && typeof failed.reason === 'string' && (failed.inARow === undefined || Number.isInteger(failed.inARow)));
  return okShape && failedShape;
}

// The state file is ours alone: a regular file we own, never read through a link; any other shape is absent.
function readState(file: string): ServerState | undefined {
  try {
    const state: unknown = JSON.parse(readRegularNoFollow(file, 4096, { ownedByUser: true }));
    return isServerState(state) ? state : undefined;
  } catch {
    return undefined;
  }
}

// Written whole to a private temporary name, then renamed over the old one.
function writeState(file: string, state: ServerState): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, JSON.stringify(state));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch {
    // Unremembered, the next call checks again; no half-written file stays behind (a full disk).
    try {
      unlinkSync(temp);
    } catch {
      // Never made.
    }
  }
}

// The inode of the socket listening on 127.0.0.1:port or *:port.
function listenerInode(port: number): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === TCP_LISTEN && fields[1]?.endsWith(`:${hexPort}`)) return fields[9];
    }
  }
  return undefined;
}

// The pid of an sccache process of ours holding that socket.
function sccacheHolding(inode: string): number | undefined {
  const socket = `socket:[${inode}]`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/comm`, 'latin1').startsWith('sccache')) continue;
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === socket) return Number(entry);
      }
    } catch {
      // Gone, or not ours to look into.
    }
  }
  return undefined;
}

// The pid of the sccache server of this user listening on `port` (tests stop it by this pid).
export function sccacheServerPid(port: number): number | undefined {
  const inode = listenerInode(port);
  return inode === undefined ? undefined : sccacheHolding(inode);
}

const SLOW_START = /Timed out waiting for server startup/;
const ADDR_IN_USE = /address in use/i;

// Whether `sccache --start-server` should run again after it printed
// `output`: once it timed out (sccache gives its server 10 s, which load or a
// slow remote can pass), and after that also on "address in use" when the
// port is free again a moment later: the late server of the timed-out start
// binds the port once its storage answers, cannot report to a client that
// gave up, and exits. Used by the launcher and by doctor.
export function startAgain(port: number): (output: string) => boolean {
  let timedOut = false;
  return (output) => {
    if (SLOW_START.test(output)) return (timedOut = true);
    if (!timedOut || !ADDR_IN_USE.test(output) || process.platform !== 'linux') return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    return listenerInode(port) === undefined;
  };
}

function lastLine(text: string | Buffer | null | undefined): string {
  const lines = String(text ?? '').trim().split('\n');
  return lines[lines.length - 1]?.replace(/^sccache: (error: )?/, '') ?? '';
}

function startAndCheck(sccache: string, port: number, env: NodeJS.ProcessEnv): ServerState {
  const spawnSync = (process.getBuiltinModule('node:child_process') as typeof ChildProcessModule).spawnSync;
  // SCCACHE_NO_DAEMON would keep --start-server in the foreground.
  const startEnv = { ...env, SCCACHE_NO_DAEMON: undefined };
  const run = (args: string[], timeout: number) => spawnSync(sccache, args, { env: startEnv, stdio: ['ignore', 'pipe', 'pipe'], timeout });
  const fail = (reason: string): ServerState => ({ failed: { at: Date.now(), reason: `cache ${sccache} cannot be used: its server on port ${port}: ${reason}` } });

  // Exits non-zero when the port is taken, by an sccache server or not: what listens is checked next.
  let start = run(['--start-server'], START_TIMEOUT_MS);
  const again = startAgain(port);
  for (let tries = 1; tries < SCCACHE_STARTS && again(String(start.stderr ?? '')); tries++) start = run(['--start-server'], START_TIMEOUT_MS);
  const inode = listenerInode(port);
  if (inode === undefined) {
    return fail(start.error ? `sccache --start-server: ${start.error.message}` : `sccache --start-server: ${lastLine(start.stderr) || `exit ${start.status}`}`);
  }
  const pid = sccacheHolding(inode);
  if (pid === undefined) return fail(`the port is held by a program that is not an sccache of this user`);
  const answer = run(['--show-stats'], ANSWER_TIMEOUT_MS);
  if (answer.status !== 0) {
    return fail(`pid ${pid} does not answer sccache --show-stats: ${answer.error?.message ?? (lastLine(answer.stderr) || `exit ${answer.status}`)}`);
  }
  const startTime = startTimeOf(pid);
  return startTime === undefined ? fail(`pid ${pid} exited`) : { ok: { pid, startTime } };
}

function rememberedFor(inARow: number | undefined): number {
  const n = Number.isInteger(inARow) && inARow! > 1 ? Math.min(inARow!, 16) : 1;
  return Math.min(FAILURE_MEMORY_MS * 2 ** (n - 1), MAX_FAILURE_MEMORY_MS);
}

// undefined: the server answers, go ahead. Otherwise why sccache must be passed over.
export function sccacheServerProblem(sccache: string, env: NodeJS.ProcessEnv): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const dir = stateDir(env);
  if (!dir) return undefined;
  const port = Number.parseInt(env.SCCACHE_SERVER_PORT ?? '', 10) || DEFAULT_PORT;
  const file = `${dir}/sccache-${port}-${hashOf(sccache)}.json`;
  const known = (state: ServerState | undefined): string | null | undefined => {
    if (state?.ok && startTimeOf(state.ok.pid) === state.ok.startTime) return null;
    if (!state?.failed) return undefined;
    const memory = rememberedFor(state.failed.inARow);
    const age = Date.now() - state.failed.at;
    return age < memory ? `${state.failed.reason} (found ${Math.round(age / 1000)} s ago; tried again after ${memory / 1000} s)` : undefined;
  };
  const fast = known(readState(file));
  if (fast !== undefined) return fast ?? undefined;

  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  const checkServer = () => {
    const before = readState(file);
    const meanwhile = known(before);
    if (meanwhile !== undefined) return meanwhile ?? undefined;
    const state = startAndCheck(sccache, port, env);
    if (state.failed) state.failed.inARow = (before?.failed?.inARow ?? 0) + 1;
    writeState(file, state);
    return state.failed?.reason;
  };
  return withPidLock(
    `${file}.lock`,
    LOCK_WAIT_MS,
    checkServer,
    (owner) => `cache ${sccache} cannot be used yet: another launcher (pid ${owner ?? '?'}) is still starting its server on port ${port}`,
    // No lock can be had here (a planted entry, a read-only or full directory): check without one.
    // Two launchers that start the server at once are harmless; the check sees who holds the port.
    () => checkServer(),
    { maxHoldMs: LOCK_MAX_HOLD_MS, trust: { ownedByUser: true } },
  );
}

import { closeSync, constants, linkSync, lstatSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { readRegularNoFollow, type TrustOptions } from './safe-read.js';

// A lock that is a file holding its owner's pid and start time, made whole
// before it gets its name (written to a private temporary file, then hard
// linked into place, which fails if the name exists), so no lock is ever seen
// empty. A lock whose owner is gone is taken over at once: no pid, a pid
// that is not running, or (on Linux) a pid whose start time is not the one
// recorded, which is a reused pid or an unrelated process. A lock older than
// `maxHoldMs` is taken over too, whoever holds it: no owner legitimately
// keeps it that long. The wait for a live owner ends after `waitMs`
// (`onBusy` says what that means). A lock that cannot be used at all (a
// symlink, a directory, a FIFO, another user's file, or a directory that is
// read-only or full) goes to `onUnusable`. Every path out is bounded: no
// retry loop runs without passing the deadline check.

const POLL_MS = 20;

export interface PidLockOptions {
  // Past this age (by the lock's mtime) a lock is stale whoever holds it.
  maxHoldMs?: number;
  // Who may own the lock file (see TrustOptions).
  trust?: TrustOptions;
}

// Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces):
// when the process started, so a reused pid is not taken for the owner.
export function processStartTime(pid: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
    const buffer = Buffer.alloc(1024);
    const stat = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// A process by that pid exists (EPERM: it does, as another user's).
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Owner {
  pid: number;
  startTime: string | undefined;
}

function parseOwner(text: string): Owner | undefined {
  const m = /^(\d{1,10})(?: (\d{1,20}))?\s*$/.exec(text);
  const pid = m ? Number(m[1]) : 0;
  return pid > 0 ? { pid, startTime: m![2] } : undefined;
}

// Whether the recorded owner still runs. Where /proc tells start times, a
// record without one (an older launcher's, or planted) cannot be checked and
// is not trusted; elsewhere a live pid is.
function ownerRuns(owner: Owner, canCheckStart: boolean): boolean {
  if (!canCheckStart) return isAlive(owner.pid);
  return owner.startTime !== undefined && processStartTime(owner.pid) === owner.startTime;
}

type Acquired = 'taken' | 'exists';

// Makes the lock whole under a temporary name, then links it into place.
function tryAcquire(file: string, record: string): Acquired {
  const temp = `${file}.${process.pid}.new`;
  rmSync(temp, { force: true });
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    try {
      writeSync(fd, record);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temp, file);
      return 'taken';
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return 'exists';
      // A file system without hard links: an exclusive create, then the record (a moment empty).
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
      try {
        writeFileSync(file, record, { flag: 'wx', mode: 0o600 });
        return 'taken';
      } catch (again) {
        if ((again as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
        rmSync(file, { force: true });
        throw again;
      }
    }
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Already gone.
    }
  }
}

export function withPidLock<T>(
  file: string,
  waitMs: number,
  fn: () => T,
  onBusy: (owner: number | undefined) => T,
  onUnusable: (error: Error) => T = (error) => {
    throw error;
  },
  options: PidLockOptions = {},
): T {
  const deadline = Date.now() + waitMs;
  const ownStart = processStartTime(process.pid);
  const canCheckStart = ownStart !== undefined;
  const record = `${process.pid}${canCheckStart ? ` ${ownStart}` : ''}`;
  let lastOwner: number | undefined;
  for (;;) {
    let state: Acquired;
    try {
      state = tryAcquire(file, record);
    } catch (error) {
      // A read-only or full directory, or a planted entry at the temporary name: no lock can be made here.
      return onUnusable(error as Error);
    }
    if (state === 'taken') break;
    let stale = true;
    let released = false;
    try {
      const owner = parseOwner(readRegularNoFollow(file, 64, options.trust));
      lastOwner = owner?.pid;
      const age = options.maxHoldMs === undefined ? 0 : Date.now() - lstatSync(file).mtimeMs;
      stale = owner === undefined || !ownerRuns(owner, canCheckStart) || (options.maxHoldMs !== undefined && age > options.maxHoldMs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Released between our try and our read: try again at once.
      if (code === 'ENOENT') [stale, released] = [false, true];
      // Not a regular file of ours (a symlink, directory, FIFO, another user's): never read through, never ours to clear.
      else return onUnusable(error as Error);
    }
    if (stale) {
      // Rename first: of two processes clearing the same stale lock, only one succeeds.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
        rmSync(aside, { force: true });
      } catch (error) {
        // ENOENT: someone else cleared it. Anything else (a read-only directory): it cannot be cleared.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return onUnusable(error as Error);
      }
    }
    if (Date.now() >= deadline) return onBusy(lastOwner);
    if (!stale && !released) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, POLL_MS);
  }
  try {
    return fn();
  } finally {
    rmSync(file, { force: true });
  }
}

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { readRegularNoFollow } from './shim/safe-read.js';

// A lock that is a file created exclusively (O_EXCL: never through a planted
// link), holding the owner's pid. A lock whose owner is gone (kill -9) is
// taken over. Waits up to `waitMs`; `onBusy` decides what a timeout means.

const POLL_MS = 20;

// A lock that is not a regular file (a planted symlink, a FIFO) is not ours:
// `onForeign` says what that means; it is never read through.
function ownerOf(file: string, onForeign: (error: Error) => never): number | undefined {
  let text: string;
  try {
    text = readRegularNoFollow(file, 64);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return onForeign(error as Error);
  }
  const pid = Number.parseInt(text, 10);
  return Number.isFinite(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryAcquire(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

export function withPidLock<T>(
  file: string,
  waitMs: number,
  fn: () => T,
  onBusy: (owner: number | undefined) => T,
  onForeign: (error: Error) => never = (error) => {
    throw error;
  },
): T {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (tryAcquire(file)) break;
    const owner = ownerOf(file, onForeign);
    if (owner !== undefined && !isAlive(owner)) {
      // Rename first: of two processes clearing the same stale lock, only one succeeds.
      const stale = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, stale);
        rmSync(stale, { force: true });
      } catch {
        // Someone else cleared it; try again.
      }
      continue;
    }
    if (Date.now() >= deadline) return onBusy(owner);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, POLL_MS);
  }
  try {
    return fn();
  } finally {
    rmSync(file, { force: true });
  }
}

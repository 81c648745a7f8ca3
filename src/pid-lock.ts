import * as fs from 'node:fs';

// A lock that is a file created exclusively (O_EXCL: never through a planted
// link), holding the owner's pid. A lock whose owner is gone (kill -9) is
// taken over. Waits up to `waitMs`; `onBusy` decides what a timeout means.

const POLL_MS = 20;

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
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
    fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

export function withPidLock<T>(file: string, waitMs: number, fn: () => T, onBusy: (owner: number | undefined) => T): T {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (tryAcquire(file)) break;
    const owner = ownerOf(file);
    if (owner !== undefined && !isAlive(owner)) {
      // Rename first: of two processes clearing the same stale lock, only one succeeds.
      const stale = `${file}.stale-${process.pid}`;
      try {
        fs.renameSync(file, stale);
        fs.rmSync(stale, { force: true });
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
    fs.rmSync(file, { force: true });
  }
}

import * as fs from 'node:fs';
import { join } from 'node:path';
import { HclError } from '../errors.js';
import { readRegularNoFollow } from './safe-read.js';
import { LOCK_NAME } from './layout.js';

// One install or uninstall per bin dir at a time. The lock is a file created
// exclusively, holding the owner's pid; a lock whose owner is gone (kill -9)
// is taken over, since the journal, not the lock, carries what it left. The
// lock is created O_EXCL (never through a planted link) and read only if it
// is a regular file.

const POLL_MS = 100;
export const DEFAULT_LOCK_WAIT_MS = 5000;

function ownerOf(file: string): number | undefined {
  let text: string;
  try {
    text = readRegularNoFollow(file, 64);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new HclError('locked', `the lock file ${file} is not one hip-clang-launcher made (${(error as Error).message})`, 'delete it if no install or uninstall is running, then run the command again');
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
    fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

export function withInstallLock<T>(bin: string, fn: () => T, waitMs = DEFAULT_LOCK_WAIT_MS): T {
  const file = join(bin, LOCK_NAME);
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
    if (Date.now() >= deadline) {
      throw new HclError(
        'locked',
        `another install or uninstall${owner ? ` (pid ${owner})` : ''} is running in ${bin} (lock file ${file})`,
        'wait for it to finish and run the command again; if no such process is running, delete the lock file',
      );
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, POLL_MS);
  }
  try {
    return fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

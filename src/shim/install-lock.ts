import { join } from 'node:path';
import { HclError } from '../errors.js';
import { withPidLock } from '../pid-lock.js';
import { LOCK_NAME } from './layout.js';

// One install or uninstall per bin dir at a time. The journal, not the lock,
// carries what a killed owner left, so a stale lock is simply taken over.

export const DEFAULT_LOCK_WAIT_MS = 5000;

export function withInstallLock<T>(bin: string, fn: () => T, waitMs = DEFAULT_LOCK_WAIT_MS): T {
  const file = join(bin, LOCK_NAME);
  return withPidLock(file, waitMs, fn, (owner) => {
    throw new HclError(
      'locked',
      `another install or uninstall${owner ? ` (pid ${owner})` : ''} is running in ${bin} (lock file ${file})`,
      'wait for it to finish and run the command again; if no such process is running, delete the lock file',
    );
  }, (error) => {
    throw new HclError('locked', `the lock file ${file} is not one hip-clang-launcher made (${error.message})`, 'delete it if no install or uninstall is running, then run the command again');
  });
}

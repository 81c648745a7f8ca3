import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../src/pid-lock.js';

// Work that several test files need and that gives the same result each time
// (an uncached reference build of a toolchain): done once per run, by the file
// that asks first, in a directory under the temp dir named for the run's vitest
// process (each file runs in a fork of it: vitest.config.ts's pool), so no run
// reuses another's, whatever TMPDIR is. A file that asks while another
// builds waits for its `.done` marker: an event, never a time limit (the
// file's own timeout is the backstop). The builder holds a lock naming its
// pid; a builder that died is taken over, and a build that failed leaves no
// marker, so the next asker builds again and fails with the error itself.
export async function runOnce(name: string, make: (dir: string) => void | Promise<void>): Promise<string> {
  const dir = join(tmpdir(), `hcl-once-${process.ppid}-${name}`);
  const lock = `${dir}.lock`;
  for (;;) {
    if (existsSync(join(dir, '.done'))) return dir;
    try {
      mkdirSync(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!holderAlive(lock)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      await make(dir);
      writeFileSync(join(dir, '.done'), '');
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
    return dir;
  }
}

// A lock whose pid is not written yet counts as held (its maker is between two calls).
function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return true;
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  return isAlive(pid);
}

import { accessSync, chmodSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { HclError } from '../errors.js';
import type { FileChange } from './plan-patch.js';

// Writes a set of file changes all or nothing: every target is checked for
// writability first, each file is replaced by a rename (never half written),
// and a failure part-way puts the files already replaced back as they were.

export function writeChanges(changes: FileChange[]): void {
  for (const change of changes) assertWritable(change);
  const done: FileChange[] = [];
  try {
    for (const change of changes) {
      put(change.file, change.after, change.before);
      done.push(change);
    }
  } catch (error) {
    for (const change of done.reverse()) {
      try {
        put(change.file, change.before, change.after);
      } catch {
        // Best effort: the error below names the file to check.
      }
    }
    throw new HclError('not-writable', `could not write ${(error as NodeJS.ErrnoException).path ?? 'a file'}; nothing was changed`, 'check permissions and free space', { cause: error });
  }
}

// Root passes access() checks on read-only files, so the mode bits count too:
// a tree someone marked read-only is not ours to change.
function assertWritable(change: FileChange): void {
  let dir = dirname(change.file);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  for (const target of change.before === null ? [dir] : [change.file, dir]) {
    let writable: boolean;
    try {
      accessSync(target, constants.W_OK);
      writable = (statSync(target).mode & 0o222) !== 0;
    } catch {
      writable = false;
    }
    if (!writable) {
      throw new HclError('not-writable', `${target} is read-only; nothing was changed`, 'make the tree writable (or patch a writable copy) and run again');
    }
  }
}

function put(file: string, text: string | null, previous: string | null): void {
  if (text === null) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.hcl-${process.pid}`);
  const mode = previous === null ? 0o644 : statSync(file).mode & 0o7777;
  try {
    writeFileSync(temp, text);
    chmodSync(temp, mode); // exactly the old mode: writeFileSync's would pass through the umask
    renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
}

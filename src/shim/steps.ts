import * as fs from 'node:fs';
import { join } from 'node:path';
import { tempNameFor } from './layout.js';
import { rememberSha256, sha256OfFile, sha256OfFileOnce, type FsOps } from './fs-ops.js';
import { lexists, readlinkOrUndefined } from '../safe-read.js';

// The changes a transaction is made of, serialisable into the journal, each
// with a test of whether it has happened: after a crash nobody knows whether
// the last change was made, so rollback asks the tree, not the journal.
// Names are relative to the bin dir.
//
// A name that a build may run is never missing, not even for an instant
// (dpkg's rule): `place` builds the new entry under a temp name and renames
// it over the old one, and what it replaces is first kept under a second
// name, so undoing it is one rename back. Names that go away for good are
// removed only once the transaction has committed.

// What a placed name becomes.
export type Source =
  | { symlink: string }
  // Another name in the bin dir for the same file: the real binary keeps its inode, mode and bytes.
  | { hardlink: string }
  // A copy of `copy` (absolute), or a file holding `text`.
  | { copy: string; sha256: string; mode: number }
  | { text: string; sha256: string; mode: number };

export type Step =
  // `path` becomes `from`. With `keep`, `path` exists and is kept under that
  // name until the commit, which removes it; without, `path` must not exist.
  | { op: 'place'; path: string; from: Source; keep?: string }
  // Removed once the transaction commits and no compile still uses it.
  | { op: 'remove'; path: string };

export function describeStep(step: Step): string {
  if (step.op === 'remove') return `remove ${step.path}`;
  const { from } = step;
  if ('symlink' in from) return `link ${step.path} -> ${from.symlink}`;
  if ('hardlink' in from) return `link ${step.path} to the file ${from.hardlink}`;
  return `write ${step.path}`;
}

function exists(path: string): Error {
  return Object.assign(new Error(`${path} already exists`), { code: 'EEXIST' });
}

// A second entry equal to `path` as it is: a link with the same text, or a hard link of the file.
function keepCopy(path: string, keep: string, ops: FsOps): void {
  const text = readlinkOrUndefined(path);
  if (text !== undefined) ops.symlink(text, keep);
  else ops.link(path, keep);
}

function build(bin: string, from: Source, tmp: string, ops: FsOps): void {
  if ('symlink' in from) return ops.symlink(from.symlink, tmp);
  if ('hardlink' in from) return ops.link(join(bin, from.hardlink), tmp);
  if ('copy' in from) ops.copyFile(from.copy, tmp);
  else ops.writeFile(tmp, from.text);
  ops.chmod(tmp, from.mode);
  ops.fsync(tmp);
}

export function applyStep(bin: string, step: Step, ops: FsOps): void {
  if (step.op === 'remove') return;
  const at = (name: string) => join(bin, name);
  const path = at(step.path);
  const tmp = at(tempNameFor(step.path));
  if (lexists(tmp)) ops.unlink(tmp);
  // The plan said what is there; anything else is a surprise, and rename() would replace it silently.
  if (step.keep === undefined && lexists(path)) throw exists(step.path);
  if (step.keep !== undefined) {
    if (lexists(at(step.keep))) throw exists(step.keep);
    keepCopy(path, at(step.keep), ops);
  }
  try {
    build(bin, step.from, tmp, ops);
    ops.rename(tmp, path);
    // Our own copy of a file of known sha256 (the shim executable): status and
    // uninstall need not read it back. Only while the source is still the file
    // that was hashed (same identity and ctime: a per-run lookup, no read).
    if ('copy' in step.from && sha256OfFileOnce(step.from.copy) === step.from.sha256) rememberSha256(path, step.from.sha256);
  } catch (error) {
    if (lexists(tmp)) fs.rmSync(tmp, { force: true });
    throw error;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.lstatSync(a);
    const y = fs.lstatSync(b);
    return x.isFile() && x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

export function isStepDone(bin: string, step: Step): boolean {
  if (step.op === 'remove') return false;
  const path = join(bin, step.path);
  const { from } = step;
  if ('symlink' in from) return readlinkOrUndefined(path) === from.symlink;
  if ('hardlink' in from) return sameFile(path, join(bin, from.hardlink));
  return lexists(path) && !fs.lstatSync(path).isSymbolicLink() && sha256OfFile(path) === from.sha256;
}

// Names a step made that vanish when it is undone (compiles may be using them).
export function createdName(step: Step): string | undefined {
  return step.op === 'place' && step.keep === undefined ? step.path : undefined;
}

// Reverses a step that isStepDone says has happened; leftovers of one that half happened go too.
export function undoStep(bin: string, step: Step, ops: FsOps): void {
  if (step.op === 'remove') return;
  const at = (name: string) => join(bin, name);
  if (lexists(at(tempNameFor(step.path)))) ops.unlink(at(tempNameFor(step.path)));
  const keep = step.keep === undefined ? undefined : at(step.keep);
  if (isStepDone(bin, step)) {
    // One rename puts the old entry back: the name is never missing.
    if (keep !== undefined) ops.rename(keep, at(step.path));
    else ops.unlink(at(step.path));
  } else if (keep !== undefined && lexists(keep)) {
    ops.unlink(keep);
  }
}

// The entry a place step kept for undoing it, removed at the commit.
export function keptName(step: Step): string[] {
  return step.op === 'place' && step.keep !== undefined ? [step.keep] : [];
}

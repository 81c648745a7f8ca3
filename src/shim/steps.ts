import * as fs from 'node:fs';
import { join } from 'node:path';
import { TEMP_MARK } from './layout.js';
import { lexists, readlinkOrUndefined, sha256OfFile, type FsOps } from './fs-ops.js';

// The changes a transaction is made of. Each is one atomic rename or create
// in the bin dir, serialisable into the journal, with a test of whether it
// has happened: after a crash nobody knows whether the last change was made,
// so rollback asks the tree, not the journal. Names are relative to the bin dir.

export type Step =
  // `from` -> `to`; `to` must not exist. With `discard`, `to` is a set-aside
  // copy removed once the transaction commits.
  | { op: 'rename'; from: string; to: string; discard?: boolean }
  | { op: 'symlink'; path: string; target: string }
  // A new file from `source` (absolute) or `text`, via a temp file, fsync and rename.
  | { op: 'put-file'; path: string; source?: string; text?: string; sha256: string; mode: number };

export function describeStep(step: Step): string {
  switch (step.op) {
    case 'rename':
      return step.discard ? `set aside ${step.from}` : `rename ${step.from} to ${step.to}`;
    case 'symlink':
      return `link ${step.path} -> ${step.target}`;
    case 'put-file':
      return `write ${step.path}`;
  }
}

// The temp file a put-file step writes first; named per target so recovery can find it.
export function tempNameFor(path: string): string {
  return `${path}${TEMP_MARK}tmp`;
}

export function asideNameFor(path: string, txid: string): string {
  return `${path}${TEMP_MARK}old-${txid}`;
}

export function applyStep(bin: string, step: Step, ops: FsOps): void {
  const at = (name: string) => join(bin, name);
  switch (step.op) {
    case 'rename':
      // rename() would replace silently: the plan said `to` is free, so anything there is a surprise.
      if (lexists(at(step.to))) throw Object.assign(new Error(`${step.to} already exists`), { code: 'EEXIST' });
      ops.rename(at(step.from), at(step.to));
      return;
    case 'symlink':
      ops.symlink(step.target, at(step.path));
      return;
    case 'put-file': {
      const tmp = at(tempNameFor(step.path));
      if (lexists(tmp)) ops.unlink(tmp);
      try {
        if (step.source !== undefined) ops.copyFile(step.source, tmp);
        else ops.writeFile(tmp, step.text ?? '');
        ops.chmod(tmp, step.mode);
        ops.fsync(tmp);
        if (lexists(at(step.path))) throw Object.assign(new Error(`${step.path} already exists`), { code: 'EEXIST' });
        ops.rename(tmp, at(step.path));
      } catch (error) {
        if (lexists(tmp)) fs.rmSync(tmp, { force: true });
        throw error;
      }
      return;
    }
  }
}

export function isStepDone(bin: string, step: Step): boolean {
  const at = (name: string) => join(bin, name);
  switch (step.op) {
    case 'rename':
      return !lexists(at(step.from)) && lexists(at(step.to));
    case 'symlink':
      return readlinkOrUndefined(at(step.path)) === step.target;
    case 'put-file':
      return lexists(at(step.path)) && !fs.lstatSync(at(step.path)).isSymbolicLink() && sha256OfFile(at(step.path)) === step.sha256;
  }
}

// Reverses a step that isStepDone says has happened; leftovers of one that half happened go too.
export function undoStep(bin: string, step: Step, ops: FsOps): void {
  const at = (name: string) => join(bin, name);
  if (step.op === 'put-file' && lexists(at(tempNameFor(step.path)))) ops.unlink(at(tempNameFor(step.path)));
  if (!isStepDone(bin, step)) return;
  switch (step.op) {
    case 'rename':
      ops.rename(at(step.to), at(step.from));
      return;
    case 'symlink':
    case 'put-file':
      ops.unlink(at(step.path));
      return;
  }
}

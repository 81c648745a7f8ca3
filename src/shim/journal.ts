import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HclError } from '../errors.js';
import { JOURNAL_NAME } from './layout.js';
import { lexists, type FsOps } from './fs-ops.js';
import { tempNameFor, type Step } from './steps.js';

// The journal a transaction keeps beside the compilers while it runs: first
// line the whole plan, then one line per change made, then a commit line.
// Whoever finds it later (a crash, a kill -9) knows what may have been done.

export type Action = 'install' | 'uninstall';

export interface JournalHeader {
  journal: 1;
  action: Action;
  txid: string;
  pid: number;
  started: string;
  steps: Step[];
}

export interface JournalState {
  header: JournalHeader;
  // Index of the last step recorded as done; -1 for none.
  lastDone: number;
  committed: boolean;
}

export function journalPath(bin: string): string {
  return join(bin, JOURNAL_NAME);
}

// Written whole (temp, fsync, rename) so a reader never sees a plan cut short.
export function beginJournal(bin: string, header: JournalHeader, ops: FsOps): void {
  const file = journalPath(bin);
  const tmp = tempNameFor(file);
  if (lexists(tmp)) ops.unlink(tmp);
  try {
    ops.writeFile(tmp, `${JSON.stringify(header)}\n`);
    ops.fsync(tmp);
    ops.rename(tmp, file);
    ops.fsync(bin);
  } catch (error) {
    // Nothing has changed yet: leave nothing behind either.
    rmSync(tmp, { force: true });
    rmSync(file, { force: true });
    throw error;
  }
}

export function recordDone(bin: string, index: number, ops: FsOps): void {
  ops.appendFile(journalPath(bin), `${JSON.stringify({ done: index })}\n`);
}

export function recordCommitted(bin: string, ops: FsOps): void {
  ops.appendFile(journalPath(bin), `${JSON.stringify({ committed: true })}\n`);
}

export function readJournal(bin: string): JournalState | undefined {
  const file = journalPath(bin);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const [first, ...rest] = text.split('\n');
  let header: JournalHeader;
  try {
    header = JSON.parse(first ?? '') as JournalHeader;
    if (header.journal !== 1 || !Array.isArray(header.steps)) throw new Error('not a journal');
  } catch (error) {
    throw new HclError(
      'manifest-corrupt',
      `the journal ${file} of an interrupted install or uninstall is unreadable (${(error as Error).message})`,
      'compare the bin dir with the manifest by hand, then delete the journal',
    );
  }
  let lastDone = -1;
  let committed = false;
  for (const line of rest) {
    // A line cut short by a crash is as good as not written.
    try {
      const record = JSON.parse(line) as { done?: number; committed?: boolean };
      if (typeof record.done === 'number') lastDone = Math.max(lastDone, record.done);
      if (record.committed === true) committed = true;
    } catch {
      // ignored, see above
    }
  }
  return { header, lastDone, committed };
}

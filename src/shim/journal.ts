import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { HclError } from '../errors.js';
import { isBinName, isRealCompilerName, JOURNAL_NAME, tempNameFor } from './layout.js';
import type { FsOps } from './fs-ops.js';
import { lexists, readRegularNoFollow } from '../safe-read.js';
import type { Step } from './steps.js';

// The journal a transaction keeps beside the compilers while it runs: first
// line the whole plan, then one line per change made, then a commit line.
// Whoever finds it later (a crash, a kill -9) knows what may have been done.

export type Action = 'install' | 'uninstall';

export const JOURNAL_VERSION = 2;

export interface JournalHeader {
  journal: typeof JOURNAL_VERSION;
  action: Action;
  txid: string;
  pid: number;
  started: string;
  // Wrapped name -> its real compiler's name while this runs (the shim's way when the manifest is not there yet).
  reals: Record<string, string>;
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

// Anyone able to write the bin dir can edit the journal: every name in it must
// be a plain name in the bin dir, and a real compiler never one of ours.
function checkHeader(header: JournalHeader): void {
  if (header.journal !== JOURNAL_VERSION) throw new Error(`journal version ${String(header.journal)}, expected ${JOURNAL_VERSION}`);
  if (header.action !== 'install' && header.action !== 'uninstall') throw new Error("'action' must be install or uninstall");
  if (!Array.isArray(header.steps)) throw new Error("'steps' is not a list");
  if (typeof header.reals !== 'object' || header.reals === null) throw new Error("'reals' is not an object");
  for (const [name, real] of Object.entries(header.reals)) {
    if (!isBinName(name) || !isRealCompilerName(real)) throw new Error(`'reals' maps ${JSON.stringify(name)} to ${JSON.stringify(real)}, not a compiler in the bin dir`);
  }
  for (const [k, step] of header.steps.entries()) {
    const where = `steps[${k}]`;
    if (typeof step !== 'object' || step === null || (step.op !== 'place' && step.op !== 'remove')) throw new Error(`${where} is not a step`);
    if (!isBinName(step.path)) throw new Error(`${where} names ${JSON.stringify(step.path)}, not a file in the bin dir`);
    if (step.op === 'remove') continue;
    if (step.keep !== undefined && !isBinName(step.keep)) throw new Error(`${where} keeps ${JSON.stringify(step.keep)}, not a file in the bin dir`);
    const from = step.from as Record<string, unknown>;
    if (typeof from !== 'object' || from === null) throw new Error(`${where} has no source`);
    if ('hardlink' in from && !isBinName(from.hardlink)) throw new Error(`${where} links ${JSON.stringify(from.hardlink)}, not a file in the bin dir`);
    if (!['symlink', 'hardlink', 'copy', 'text'].some((key) => typeof from[key] === 'string')) throw new Error(`${where} has no source`);
  }
}

export function readJournal(bin: string): JournalState | undefined {
  const file = journalPath(bin);
  if (!lexists(file)) return undefined;
  let header: JournalHeader;
  let rest: string[];
  try {
    const text = readRegularNoFollow(file);
    let first: string | undefined;
    [first, ...rest] = text.split('\n');
    header = JSON.parse(first ?? '') as JournalHeader;
    if (typeof header !== 'object' || header === null) throw new Error('not a journal');
    checkHeader(header);
  } catch (error) {
    // Finished and removed since it was seen.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HclError(
      'manifest-corrupt',
      `the journal ${file} of an interrupted install or uninstall is unreadable or was edited (${(error as Error).message})`,
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

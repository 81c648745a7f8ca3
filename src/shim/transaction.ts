import { join } from 'node:path';
import { HclError } from '../errors.js';
import type { FsOps } from './fs-ops.js';
import { tempNameFor } from './layout.js';
import { lexists } from '../safe-read.js';
import { beginJournal, JOURNAL_VERSION, journalPath, readJournal, recordCommitted, recordDone, type Action, type JournalHeader } from './journal.js';
import { waitUntilUnused } from './in-flight.js';
import { applyStep, createdName, describeStep, keptName, undoStep, type Step } from './steps.js';

// The all-or-nothing core of install and uninstall (rustup's transaction.rs
// model): the plan is journalled first, each change is recorded as it is
// made, a commit line makes it final, and on any failure the changes are
// undone in reverse. A journal found later is finished the same way: rolled
// back, or, when its commit line is there, completed. Names a compile may be
// using go only after it ends (in-flight.ts), at the commit or the rollback.

export interface Transaction {
  action: Action;
  txid: string;
  steps: Step[];
  // Each wrapped name's real compiler while the transaction runs, for a shim that finds no manifest.
  reals: Record<string, string>;
}

export function newTxid(): string {
  return `${Date.now().toString(36)}-${process.pid}`;
}

// Undoes steps[0..from] in reverse: first every name that was replaced gets
// its old entry back (one rename each), then, once no compile uses them, the
// names the transaction created go.
function rollBack(bin: string, steps: Step[], from: number, ops: FsOps): void {
  const order = steps.slice(0, from + 1).map((step, k) => ({ step, k })).reverse();
  const created = order.filter(({ step }) => createdName(step) !== undefined);
  const phases = [order.filter(({ step }) => createdName(step) === undefined), created];
  for (const [phase, list] of phases.entries()) {
    if (phase === 1) waitUntilUnused(bin, created.map(({ step }) => createdName(step)!));
    for (const { step, k } of list) {
      try {
        undoStep(bin, step, ops);
      } catch (error) {
        throw new HclError(
          'install-failed',
          `rolling back stopped at step ${k + 1} (${describeStep(step)}): ${(error as Error).message}`,
          `fix that, then run hip-clang-launcher install or uninstall again: the journal ${journalPath(bin)} keeps the rest`,
          { cause: error },
        );
      }
    }
  }
}

// After the commit line: the kept entries and the removed names go, then the
// journal. A failure here leaves a committed journal that the next run completes.
function finishCommitted(bin: string, steps: Step[], ops: FsOps, warn: (line: string) => void): void {
  const present = (names: string[]) => names.filter((name) => lexists(join(bin, name)));
  // Kept entries were never run by name; removed names may still be in use.
  const kept = present(steps.flatMap(keptName));
  const removed = present(steps.flatMap((step) => (step.op === 'remove' ? [step.path] : [])));
  const busy = waitUntilUnused(bin, removed);
  if (busy.length > 0) warn(`processes ${busy.join(', ')} still use the shim or a name it removes; removed anyway after waiting`);
  for (const name of [...kept, ...removed]) ops.unlink(join(bin, name));
  ops.unlink(journalPath(bin));
  ops.fsync(bin);
}

export function runTransaction(bin: string, tx: Transaction, ops: FsOps, warn: (line: string) => void): void {
  if (tx.steps.length === 0) return;
  const header: JournalHeader = {
    journal: JOURNAL_VERSION,
    action: tx.action,
    txid: tx.txid,
    pid: process.pid,
    started: new Date().toISOString(),
    reals: tx.reals,
    steps: tx.steps,
  };
  try {
    beginJournal(bin, header, ops);
  } catch (error) {
    throw new HclError('install-failed', `${tx.action} failed before changing anything: cannot write the journal: ${(error as Error).message}`, 'check that the directory is writable and has space', { cause: error });
  }
  let current = -1;
  try {
    for (const [k, step] of tx.steps.entries()) {
      current = k;
      applyStep(bin, step, ops);
      recordDone(bin, k, ops);
    }
    current = tx.steps.length;
    ops.fsync(bin);
    recordCommitted(bin, ops);
  } catch (error) {
    rollBack(bin, tx.steps, Math.min(current, tx.steps.length - 1), ops);
    ops.unlink(journalPath(bin));
    const where =
      current < tx.steps.length ? `step ${current + 1} of ${tx.steps.length} (${describeStep(tx.steps[current]!)})` : 'the commit (writing the journal)';
    throw new HclError('install-failed', `${tx.action} failed at ${where}: ${(error as Error).message}; rolled back, ${bin} is as it was`, '', { cause: error });
  }
  try {
    finishCommitted(bin, tx.steps, ops, warn);
  } catch (error) {
    warn(`${tx.action} is complete, but cleaning up failed (${(error as Error).message}); the next install, uninstall or status run finishes it`);
  }
}

export type Recovery = { outcome: 'none' } | { outcome: 'completed' | 'rolled-back'; action: Action; started: string; pid: number };

// Finishes a transaction a crash left behind. Call with the install lock held.
export function recoverInterrupted(bin: string, ops: FsOps, warn: (line: string) => void): Recovery {
  // A journal being written when the crash came: nothing had changed yet.
  const unfinished = tempNameFor(journalPath(bin));
  if (lexists(unfinished)) ops.unlink(unfinished);
  const journal = readJournal(bin);
  if (!journal) return { outcome: 'none' };
  const { header } = journal;
  if (journal.committed) {
    finishCommitted(bin, header.steps, ops, warn);
    return { outcome: 'completed', action: header.action, started: header.started, pid: header.pid };
  }
  // Steps past the one in flight were never started.
  rollBack(bin, header.steps, Math.min(journal.lastDone + 1, header.steps.length - 1), ops);
  ops.unlink(journalPath(bin));
  ops.fsync(bin);
  return { outcome: 'rolled-back', action: header.action, started: header.started, pid: header.pid };
}

export function describeRecovery(recovery: Recovery, bin: string): string | undefined {
  if (recovery.outcome === 'none') return undefined;
  const what = `an interrupted ${recovery.action} (pid ${recovery.pid}, started ${recovery.started}) in ${bin}`;
  return recovery.outcome === 'completed' ? `completed ${what}: it had committed` : `rolled back ${what}: it had not committed`;
}


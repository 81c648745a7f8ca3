import { join } from 'node:path';
import { HclError } from '../errors.js';
import { lexists, type FsOps } from './fs-ops.js';
import { beginJournal, journalPath, readJournal, recordCommitted, recordDone, type Action, type JournalHeader } from './journal.js';
import { applyStep, describeStep, tempNameFor, undoStep, type Step } from './steps.js';

// The all-or-nothing core of install and uninstall (rustup's transaction.rs
// model): the plan is journalled first, each change is recorded as it is
// made, a commit line makes it final, and on any failure the changes are
// undone in reverse. A journal found later is finished the same way: rolled
// back, or, when its commit line is there, completed.

export interface Transaction {
  action: Action;
  txid: string;
  steps: Step[];
}

export function newTxid(): string {
  return `${Date.now().toString(36)}-${process.pid}`;
}

function rollBack(bin: string, steps: Step[], from: number, ops: FsOps): void {
  for (let k = from; k >= 0; k -= 1) {
    const step = steps[k]!;
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

// After the commit line: set-aside originals go, then the journal. A failure
// here leaves a committed journal that the next run completes.
function finishCommitted(bin: string, steps: Step[], ops: FsOps): void {
  for (const step of steps) {
    if (step.op === 'rename' && step.discard && lexists(join(bin, step.to))) ops.unlink(join(bin, step.to));
  }
  ops.unlink(journalPath(bin));
  ops.fsync(bin);
}

export function runTransaction(bin: string, tx: Transaction, ops: FsOps, warn: (line: string) => void): void {
  if (tx.steps.length === 0) return;
  const header: JournalHeader = { journal: 1, action: tx.action, txid: tx.txid, pid: process.pid, started: new Date().toISOString(), steps: tx.steps };
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
    finishCommitted(bin, tx.steps, ops);
  } catch (error) {
    warn(`${tx.action} is complete, but cleaning up failed (${(error as Error).message}); the next install, uninstall or status run finishes it`);
  }
}

export type Recovery = { outcome: 'none' } | { outcome: 'completed' | 'rolled-back'; action: Action; started: string; pid: number };

// Finishes a transaction a crash left behind. Call with the install lock held.
export function recoverInterrupted(bin: string, ops: FsOps): Recovery {
  // A journal being written when the crash came: nothing had changed yet.
  const unfinished = tempNameFor(journalPath(bin));
  if (lexists(unfinished)) ops.unlink(unfinished);
  const journal = readJournal(bin);
  if (!journal) return { outcome: 'none' };
  const { header } = journal;
  if (journal.committed) {
    finishCommitted(bin, header.steps, ops);
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


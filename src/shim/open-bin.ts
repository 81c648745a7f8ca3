import * as fs from 'node:fs';
import { HclError } from '../errors.js';
import { findLlvmBin } from './find-llvm-bin.js';
import { recoverInterrupted, describeRecovery } from './transaction.js';
import { withInstallLock } from './install-lock.js';
import type { FsOps } from './fs-ops.js';

// What install and uninstall share: find the bin dir, make sure it can be
// changed, take the lock, and finish whatever a crash left half done.

export interface ChangeContext {
  bin: string;
  recovered: string | undefined;
}

export function withWritableBin<T>(
  given: string,
  markers: readonly string[],
  cwd: string,
  ops: FsOps,
  warn: (line: string) => void,
  fn: (ctx: ChangeContext) => T,
): T {
  const bin = findLlvmBin(given, markers, cwd);
  try {
    fs.accessSync(bin, fs.constants.W_OK);
  } catch {
    throw new HclError('not-writable', `${bin} is not writable`, 'run as a user who may change that tree (with sudo, say), or work on a copy of it');
  }
  return withInstallLock(bin, () => {
    const recovered = describeRecovery(recoverInterrupted(bin, ops, warn), bin);
    return fn({ bin, recovered });
  });
}

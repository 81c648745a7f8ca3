// Uninstalls the shim, all or nothing (the same transaction as install):
//   1. find the bin dir; check it is writable; take the lock; finish a crashed journal
//   2. read the manifest (none: nothing to do; corrupt: stop)
//   3. plan: per entry, in reverse, put the original back unless an upgrade replaced it
//   4. run the plan as a transaction; set-aside shims, manifest and executable go at commit
import { DEFAULT_ENTRY_STEMS, entryFileName } from './layout.js';
import { readManifest } from './manifest.js';
import type { FsOps } from './fs-ops.js';
import { withWritableBin } from './open-bin.js';
import { planUninstall } from './plan-uninstall.js';
import { newTxid, runTransaction } from './transaction.js';

export interface UninstallOptions {
  given: string;
  platform: NodeJS.Platform;
  cwd: string;
  ops: FsOps;
  warn: (line: string) => void;
}

export interface UninstallResult {
  bin: string;
  removed: string[];
  notes: string[];
  recovered: string | undefined;
}

export function uninstallShim(opts: UninstallOptions): UninstallResult {
  const markers = DEFAULT_ENTRY_STEMS.map((n) => entryFileName(n, opts.platform));
  return withWritableBin(opts.given, markers, opts.cwd, opts.ops, ({ bin, recovered }) => {
    const manifest = readManifest(bin);
    if (!manifest) return { bin, removed: [], notes: [], recovered };
    const txid = newTxid();
    const plan = planUninstall(bin, manifest, opts.platform, txid);
    runTransaction(bin, { action: 'uninstall', txid, steps: plan.steps }, opts.ops, opts.warn);
    return { bin, removed: manifest.entries.map((e) => e.name), notes: plan.notes, recovered };
  });
}

// Uninstalls the shim, all or nothing (the same transaction as install):
//   1. find the bin dir; check it is writable; take the lock; finish a crashed journal
//   2. read the manifest (none: nothing to do; corrupt: stop)
//   3. plan: per entry, in reverse, put the original back (checked against what install
//      recorded) by a rename over the shim, unless an upgrade replaced it
//   4. run the plan as a transaction; real-compiler names, manifest and executable go
//      at the commit, once the compiles that may still use them have ended
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
  return withWritableBin(opts.given, markers, opts.cwd, opts.ops, opts.warn, ({ bin, recovered }) => {
    const manifest = readManifest(bin);
    if (!manifest) return { bin, removed: [], notes: [], recovered };
    const txid = newTxid();
    const plan = planUninstall(bin, manifest, opts.platform, txid);
    const reals = Object.fromEntries(manifest.entries.map((e) => [e.name, e.realName]));
    runTransaction(bin, { action: 'uninstall', txid, steps: plan.steps, reals }, opts.ops, opts.warn);
    return { bin, removed: manifest.entries.map((e) => e.name), notes: plan.notes, recovered };
  });
}

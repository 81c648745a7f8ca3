import { findDrift, type Drift } from './drift.js';
import { findLlvmBin } from './find-llvm-bin.js';
import { journalPath, readJournal } from './journal.js';
import { DEFAULT_ENTRY_STEMS, entryFileName } from './layout.js';
import { readManifest, type Manifest } from './manifest.js';

// What is wrapped where: read only, no lock taken.

export interface ShimStatus {
  bin: string;
  installed: boolean;
  manifest: Manifest | undefined;
  drift: Drift[];
  // A transaction a crash left behind.
  interrupted: { action: string; started: string; pid: number; committed: boolean; journal: string } | undefined;
}

export function shimStatus(given: string, platform: NodeJS.Platform, cwd: string): ShimStatus {
  const bin = findLlvmBin(given, DEFAULT_ENTRY_STEMS.map((n) => entryFileName(n, platform)), cwd);
  const journal = readJournal(bin);
  const manifest = readManifest(bin);
  return {
    bin,
    installed: manifest !== undefined,
    manifest,
    drift: manifest ? findDrift(bin, manifest, platform) : [],
    interrupted: journal && {
      action: journal.header.action,
      started: journal.header.started,
      pid: journal.header.pid,
      committed: journal.committed,
      journal: journalPath(bin),
    },
  };
}

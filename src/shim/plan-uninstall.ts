import { join } from 'node:path';
import { HclError } from '../errors.js';
import { sha256OfFileOnce } from './fs-ops.js';
import { lexists, readlinkOrUndefined } from '../safe-read.js';
import { entryTypeOf, followChain, isOurShim } from './inspect-entry.js';
import { asideNameFor, MANIFEST_NAME } from './layout.js';
import type { Manifest, ManifestEntry } from './manifest.js';
import type { Step } from './steps.js';

// Works out the changes an uninstall makes, entries in reverse order of install:
//   our shim over a real binary:  E becomes the file E-real names again (a hard link, then a rename over the shim)
//   our shim over a symlink:      E becomes its original link again (a rename over the shim)
//   E replaced since install:     keep the newer E
// Each E-real, the manifest and the shim executable are removed at the commit,
// once no compile still uses them. What is put back must be what install
// recorded (its sha256), or the real compiler the shim runs now: a manifest
// edited to restore something else is refused, and nothing changes.

export interface UninstallPlan {
  steps: Step[];
  notes: string[];
}

function refuse(bin: string, entry: ManifestEntry, what: string): HclError {
  return new HclError(
    'manifest-corrupt',
    `refusing to uninstall from ${bin}: ${entry.name} would be restored to ${what}, not the compiler recorded at install (the manifest was edited?)`,
    `check ${join(bin, MANIFEST_NAME)} against the tree; nothing was changed`,
  );
}

export function planUninstall(bin: string, manifest: Manifest, platform: NodeJS.Platform, txid: string): UninstallPlan {
  const steps: Step[] = [];
  const notes: string[] = [];
  const at = (name: string) => join(bin, name);
  const realNameOf = (name: string) => manifest.entries.find((e) => e.name === name)?.realName;
  const isShim = (name: string) => isOurShim(bin, name, manifest.shim, manifest.shimSha256, platform);
  // The file a chain reaches now, or undefined where it is broken or leaves the bin dir.
  const reach = (walk: () => { file: string }) => {
    try {
      return walk().file;
    } catch {
      return undefined;
    }
  };
  const removals: Step[] = [];
  for (const entry of [...manifest.entries].reverse()) {
    const { name, realName } = entry;
    const type = entryTypeOf(at(name));
    const realPresent = lexists(at(realName));
    if (realPresent) removals.push({ op: 'remove', path: realName });
    if (type !== 'missing' && !isShim(name)) {
      // Never put an old compiler back over a newer one.
      notes.push(`kept ${name}: it was replaced since install (an upgrade?)${realPresent ? `; removed the stale ${realName}` : ''}`);
      continue;
    }
    const keep = type === 'missing' ? {} : { keep: asideNameFor(name, txid) };
    const now = realPresent ? reach(() => followChain(bin, realName, realNameOf, isShim)) : undefined;
    if (entry.kind === 'file') {
      if (entryTypeOf(at(realName)) !== 'file') {
        throw new HclError('drift', `${at(realName)}, the real compiler behind ${name}, is gone: there is nothing to put back`, 'reinstall the compiler package; then delete the shim files by hand');
      }
      if (sha256OfFileOnce(at(realName)) !== entry.sha256) {
        // The real compiler itself changed: an upgrade (status shows it as drift), which install re-records.
        throw new HclError(
          'drift',
          `refusing to uninstall from ${bin}: ${at(realName)}, the real compiler behind ${name}, changed since install (an upgrade?); putting it back unchecked could restore a file that is not a compiler`,
          `run hip-clang-launcher install on that tree first (it checks and re-records the new compiler), then uninstall; nothing was changed`,
        );
      }
      steps.push({ op: 'place', path: name, from: { hardlink: realName }, ...keep });
      continue;
    }
    const restored = reach(() => followChain(bin, name, realNameOf, isShim, entry.originalTarget!));
    if (restored === undefined) throw refuse(bin, entry, `a link to ${entry.originalTarget} that is broken or leaves the bin dir`);
    if (restored !== now && sha256OfFileOnce(restored) !== entry.sha256) throw refuse(bin, entry, `a link to ${entry.originalTarget}, reaching ${restored} (sha256 differs)`);
    if (readlinkOrUndefined(at(name)) !== entry.originalTarget) steps.push({ op: 'place', path: name, from: { symlink: entry.originalTarget! }, ...keep });
  }
  steps.push(...removals, { op: 'remove', path: MANIFEST_NAME });
  if (lexists(at(manifest.shim))) steps.push({ op: 'remove', path: manifest.shim });
  return { steps, notes };
}

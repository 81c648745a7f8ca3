import { join } from 'node:path';
import { HclError } from '../errors.js';
import { lexists } from './fs-ops.js';
import { entryTypeOf, isOurShim } from './inspect-entry.js';
import { MANIFEST_NAME } from './layout.js';
import type { Manifest } from './manifest.js';
import { asideNameFor, type Step } from './steps.js';

// Works out the changes an uninstall makes, entries in reverse order of install:
//   our shim over a real binary:  set the shim aside; rename E-real -> E (the original file, untouched)
//   our shim over a symlink:      set the shim aside; re-create E's original link; set E-real aside
//   E replaced since install:     keep the newer E; set the stale E-real aside
// then the manifest and the shim executable are set aside. Set-aside files are
// deleted when the transaction commits.

export interface UninstallPlan {
  steps: Step[];
  notes: string[];
}

export function planUninstall(bin: string, manifest: Manifest, platform: NodeJS.Platform, txid: string): UninstallPlan {
  const steps: Step[] = [];
  const notes: string[] = [];
  const aside = (name: string): Step => ({ op: 'rename', from: name, to: asideNameFor(name, txid), discard: true });
  for (const entry of [...manifest.entries].reverse()) {
    const { name, realName } = entry;
    const type = entryTypeOf(join(bin, name));
    const realPresent = lexists(join(bin, realName));
    const shim = isOurShim(bin, name, manifest.shim, manifest.shimSha256, platform);
    if (type !== 'missing' && !shim) {
      // Never put an old compiler back over a newer one.
      notes.push(`kept ${name}: it was replaced since install (an upgrade?)${realPresent ? `; removed the stale ${realName}` : ''}`);
      if (realPresent) steps.push(aside(realName));
      continue;
    }
    if (type !== 'missing') steps.push(aside(name));
    if (entry.kind === 'file') {
      if (!realPresent) {
        throw new HclError('drift', `${join(bin, realName)}, the real compiler behind ${name}, is gone: there is nothing to put back`, 'reinstall the compiler package; then delete the shim files by hand');
      }
      steps.push({ op: 'rename', from: realName, to: name });
    } else {
      steps.push({ op: 'symlink', path: name, target: entry.originalTarget! });
      if (realPresent) steps.push(aside(realName));
    }
  }
  steps.push(aside(MANIFEST_NAME));
  if (lexists(join(bin, manifest.shim))) steps.push(aside(manifest.shim));
  return { steps, notes };
}

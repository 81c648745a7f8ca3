import { join, resolve } from 'node:path';
import { sha256OfFileOnce } from './fs-ops.js';
import { lexists, readlinkOrUndefined } from '../safe-read.js';
import { entryTypeOf, isOurShim } from './inspect-entry.js';
import type { Manifest, ManifestEntry } from './manifest.js';

// How the tree differs from what the manifest recorded: an upgrade that
// replaced a shim or a real compiler, or a hand edit. Status reports it,
// install repairs it, uninstall keeps whatever is newer.

export type DriftKind = 'shim-replaced' | 'shim-missing' | 'real-missing' | 'real-changed' | 'shim-executable-changed';

export interface Drift {
  name: string;
  kind: DriftKind;
  detail: string;
}

function realFileOf(bin: string, entry: ManifestEntry): string | undefined {
  const path = join(bin, entry.realName);
  if (entry.kind === 'file') return entryTypeOf(path) === 'file' ? path : undefined;
  const text = readlinkOrUndefined(path);
  if (text === undefined) return undefined;
  const target = resolve(bin, text);
  return entryTypeOf(target) === 'file' || entryTypeOf(target) === 'symlink' ? target : undefined;
}

export function findDrift(bin: string, manifest: Manifest, platform: NodeJS.Platform): Drift[] {
  const drift: Drift[] = [];
  const shimPath = join(bin, manifest.shim);
  if (!lexists(shimPath)) {
    drift.push({ name: manifest.shim, kind: 'shim-executable-changed', detail: `${manifest.shim} is missing: every shim is broken; run install again` });
  } else if (sha256OfFileOnce(shimPath) !== manifest.shimSha256) {
    drift.push({ name: manifest.shim, kind: 'shim-executable-changed', detail: `${manifest.shim} differs from the one installed; run install again` });
  }
  for (const entry of manifest.entries) {
    const type = entryTypeOf(join(bin, entry.name));
    if (type === 'missing') {
      drift.push({ name: entry.name, kind: 'shim-missing', detail: `${entry.name} is gone; install puts the shim back` });
    } else if (!isOurShim(bin, entry.name, manifest.shim, manifest.shimSha256, platform)) {
      drift.push({ name: entry.name, kind: 'shim-replaced', detail: `${entry.name} was replaced since install (an upgrade?); install wraps the new one, uninstall keeps it` });
    }
    const real = realFileOf(bin, entry);
    if (real === undefined) {
      drift.push({ name: entry.name, kind: 'real-missing', detail: `${entry.realName}, the real compiler, is missing${entry.kind === 'symlink' ? ' or its link is broken' : ''}` });
    } else if (entry.kind === 'symlink' && readlinkOrUndefined(join(bin, entry.realName)) !== entry.realTarget) {
      drift.push({ name: entry.name, kind: 'real-changed', detail: `${entry.realName} now links to ${readlinkOrUndefined(join(bin, entry.realName))}, not ${entry.realTarget}` });
    } else if (sha256OfFileOnce(real) !== entry.sha256) {
      drift.push({ name: entry.name, kind: 'real-changed', detail: `the real compiler ${real} changed since install (an upgrade?); the shim runs the new one` });
    }
  }
  return drift;
}

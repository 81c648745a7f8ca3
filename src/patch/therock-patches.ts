import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HipccTree } from './find-hipcc-tree.js';
import type { FileChange } from './plan-patch.js';
import type { ShippedPatch } from './shipped-patches.js';
import { writeChanges } from './write-changes.js';

// TheRock applies patches/amd-mainline/llvm-project/*.patch with `git am`,
// sorted by name, each time it fetches sources. Ours goes last in that series.

function patchDir(tree: HipccTree): string {
  if (!tree.therockPatchesDir) throw new Error('not a TheRock checkout');
  return tree.therockPatchesDir;
}

function listPatches(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.patch')).sort();
  } catch {
    return [];
  }
}

// The file in TheRock's series that is our patch, if one is.
export function findPlacedPatch(tree: HipccTree, patch: ShippedPatch): string | undefined {
  const dir = patchDir(tree);
  const name = listPatches(dir).find((f) => readFileSync(join(dir, f), 'utf8') === patch.text);
  return name === undefined ? undefined : join(dir, name);
}

// Number after the highest in the series, so that `git am` applies it last.
function nextName(dir: string, patch: ShippedPatch): string {
  const highest = Math.max(0, ...listPatches(dir).map((f) => Number(/^(\d+)-/.exec(f)?.[1] ?? 0)));
  return `${String(highest + 1).padStart(4, '0')}-${patch.fileName.replace(/^\d+-/, '')}`;
}

export function placePatch(tree: HipccTree, patch: ShippedPatch, dryRun: boolean): FileChange {
  const dir = patchDir(tree);
  const change: FileChange = { file: join(dir, nextName(dir, patch)), before: null, after: patch.text };
  if (!dryRun) writeChanges([change]);
  return change;
}

export function removePlacedPatch(file: string, patch: ShippedPatch, dryRun: boolean): FileChange {
  const change: FileChange = { file, before: patch.text, after: null };
  if (!dryRun) writeChanges([change]);
  return change;
}

import { HclError } from '../errors.js';
import type { HipccTree } from './find-hipcc-tree.js';
import { planPatch, type FileChange } from './plan-patch.js';
import type { ShippedPatch } from './shipped-patches.js';
import { writeChanges } from './write-changes.js';

// Applies (or reverts) one of our patches to a hipcc source: every hunk is
// checked before any file is written, so a mismatch changes nothing.
export function applyPatch(tree: HipccTree, patch: ShippedPatch, options: { reverse: boolean; dryRun: boolean }): FileChange[] {
  const plan = planPatch(tree, patch.parsed, options.reverse);
  if (!plan.ok) {
    const where = plan.hunk === 'missing' ? 'is missing' : `does not match hunk #${plan.hunk} of ${patch.fileName}`;
    throw new HclError(
      'patch-conflict',
      `${plan.path} ${where}; nothing was changed`,
      'this hipcc differs from the versions the patch was made for: apply the change by hand, or use the shim (hip-clang-launcher install)',
    );
  }
  if (!options.dryRun) writeChanges(plan.changes);
  return plan.changes;
}

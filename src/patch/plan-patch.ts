import { readFileSync } from 'node:fs';
import { applyHunks } from './apply-hunks.js';
import { fileInTree, type HipccTree } from './find-hipcc-tree.js';
import type { ParsedPatch } from './parse-patch.js';

// Works out every file a patch would change, in memory, before anything is
// written: the all-or-nothing half of applying one.

export interface FileChange {
  file: string;
  // null: the file does not exist before, or is removed after.
  before: string | null;
  after: string | null;
}

export type Plan = { ok: true; changes: FileChange[] } | { ok: false; path: string; hunk: number | 'missing' };

export function planPatch(tree: HipccTree, patch: ParsedPatch, reverse = false): Plan {
  const changes: FileChange[] = [];
  for (const filePatch of patch.files) {
    const file = fileInTree(tree, filePatch.path);
    let before: string;
    try {
      before = readFileSync(file, 'utf8');
    } catch {
      return { ok: false, path: filePatch.path, hunk: 'missing' };
    }
    const result = applyHunks(before, filePatch, reverse);
    if (!result.ok) return { ok: false, path: filePatch.path, hunk: result.hunk };
    changes.push({ file, before, after: result.text });
  }
  return { ok: true, changes };
}

import type { FilePatch } from './parse-patch.js';

// Applies one file's hunks to its text, forwards or in reverse, as strictly
// as TheRock's `git am` without --3way: every line of a hunk must match;
// only the position may move (line offsets), never the content (no fuzz).

export type HunkResult = { ok: true; text: string } | { ok: false; hunk: number };

export function applyHunks(text: string, patch: FilePatch, reverse = false): HunkResult {
  // A CRLF checkout keeps its line ends; the patch itself is LF.
  const crlf = text.includes('\r\n');
  const lines = (crlf ? text.replaceAll('\r\n', '\n') : text).split('\n');
  let shift = 0; // how far earlier hunks moved the following lines
  let floor = 0; // a hunk may not start inside an earlier one
  for (const [index, hunk] of patch.hunks.entries()) {
    const find = reverse ? hunk.after : hunk.before;
    const replace = reverse ? hunk.before : hunk.after;
    const stated = (reverse ? hunk.newStart : hunk.oldStart) - 1 + shift;
    const at = nearestMatch(lines, find, Math.max(stated, floor), floor);
    if (at === undefined) return { ok: false, hunk: index + 1 };
    lines.splice(at, find.length, ...replace);
    shift += at - stated + replace.length - find.length;
    floor = at + replace.length;
  }
  const joined = lines.join('\n');
  return { ok: true, text: crlf ? joined.replaceAll('\n', '\r\n') : joined };
}

// The match closest to the stated line, searching both ways, as git does.
function nearestMatch(lines: string[], find: string[], start: number, floor: number): number | undefined {
  const last = lines.length - find.length;
  for (let distance = 0; start - distance >= floor || start + distance <= last; distance++) {
    for (const at of distance === 0 ? [start] : [start - distance, start + distance]) {
      if (at >= floor && at <= last && find.every((line, k) => lines[at + k] === line)) return at;
    }
  }
  return undefined;
}

// Reads `git format-patch` output: the subject, and per file the hunks as
// the lines before and after the change. Hunk ends come from the line counts
// in each @@ header, so the "-- " signature after the last hunk is never
// mistaken for a removed line.

export interface Hunk {
  // 1-based, as in the @@ header.
  oldStart: number;
  newStart: number;
  before: string[];
  after: string[];
}

export interface FilePatch {
  // As in the patch, relative to llvm-project's root: amd/hipcc/src/...
  path: string;
  hunks: Hunk[];
}

export interface ParsedPatch {
  subject: string;
  files: FilePatch[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export function parsePatch(text: string): ParsedPatch {
  const lines = text.split('\n');
  const files: FilePatch[] = [];
  let subject = '';
  let current: FilePatch | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!subject && line.startsWith('Subject: ')) {
      // A long subject is folded onto indented continuation lines.
      subject = line.slice('Subject: '.length);
      while (lines[i + 1]?.startsWith(' ')) subject += lines[++i];
      subject = subject.replace(/^\[PATCH[^\]]*\]\s*/, '');
      continue;
    }
    if (line.startsWith('diff --git ')) {
      current = undefined;
      continue;
    }
    if (line.startsWith('+++ ')) {
      const path = line.slice(4).replace(/^b\//, '');
      if (path === '/dev/null') throw new Error('patches that delete files are not supported');
      current = { path, hunks: [] };
      files.push(current);
      continue;
    }
    const header = HUNK_HEADER.exec(line);
    if (!header || !current) continue;
    let oldCount = header[2] === undefined ? 1 : Number(header[2]);
    let newCount = header[4] === undefined ? 1 : Number(header[4]);
    const hunk: Hunk = { oldStart: Number(header[1]), newStart: Number(header[3]), before: [], after: [] };
    while (oldCount > 0 || newCount > 0) {
      const body = lines[++i];
      if (body === undefined) throw new Error(`patch ends inside a hunk of ${current.path}`);
      const text = body.slice(1);
      if (body.startsWith('\\')) continue; // "\ No newline at end of file"
      if (body.startsWith(' ') || body === '') {
        hunk.before.push(text);
        hunk.after.push(text);
        oldCount--;
        newCount--;
      } else if (body.startsWith('-')) {
        hunk.before.push(text);
        oldCount--;
      } else if (body.startsWith('+')) {
        hunk.after.push(text);
        newCount--;
      } else {
        throw new Error(`unexpected line in a hunk of ${current.path}: ${body}`);
      }
    }
    current.hunks.push(hunk);
  }
  if (files.length === 0) throw new Error('no file changes found in the patch');
  return { subject, files };
}

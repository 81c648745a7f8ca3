import { readFileSync } from 'node:fs';
import { MAX_EXEC_STRING } from './layered-env.js';

// Whether the kernel would take an exec's arguments and environment, asked
// before process.execve, which aborts the whole process (SIGABRT and a dump of
// our minified source) when exec fails. The launcher adds a few variables and
// arguments to what the caller gave, so a call that reached it within a few
// hundred bytes of the limit failed where the bare compiler runs. Linux's
// rule (fs/exec.c): every string (the file name once more, each argument and
// `NAME=value`, with its NUL) plus a pointer for each argument and entry must
// fit in a quarter of the stack limit, at least 128 KiB and at most 6 MiB; one
// string may not exceed 128 KiB. A call near the limit is not exec'd but
// spawned, whose failure (E2BIG) can be caught and fallen back from.

const MIN_LIMIT = 128 * 1024;
const MAX_LIMIT = 6 * 1024 * 1024;
const MAX_STRING = MAX_EXEC_STRING;
// Unaccounted bytes of the kernel's own bookkeeping, with room to spare: a call this close is spawned.
const SLACK = 4096;

function stackLimit(): number | undefined {
  try {
    const match = /^Max stack size\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!match) return undefined;
    return match[1] === 'unlimited' ? Infinity : Number(match[1]);
  } catch {
    return undefined;
  }
}

// UTF-8 bytes of the strings with their NULs; a string too long for the kernel makes it Infinity.
function stringBytes(strings: readonly string[], exact: boolean): number {
  let bytes = 0;
  for (const s of strings) {
    // A UTF-16 code unit is 1 to 3 UTF-8 bytes: the exact count only where it can matter.
    const n = exact || s.length * 3 >= MAX_STRING ? Buffer.byteLength(s) : s.length * 3;
    if (n + 1 > MAX_STRING) return Infinity;
    bytes += n + 1;
  }
  return bytes;
}

// `envBytes`: the pairs' UTF-8 bytes with their NULs, when known, with none too long (layered-env.ts).
export function execWouldFit(file: string, argv: readonly string[], envPairs: readonly string[], envBytes?: number): boolean {
  if (process.platform !== 'linux') return true;
  const pointers = 8 * (Math.max(argv.length, 1) + envPairs.length);
  const strings = [file, ...argv];
  // An upper bound first: almost every call is far below the smallest limit.
  if (pointers + stringBytes(strings, false) + (envBytes ?? stringBytes(envPairs, false)) <= MIN_LIMIT - SLACK) return true;
  const bytes = pointers + stringBytes(strings, true) + (envBytes ?? stringBytes(envPairs, true));
  if (bytes <= MIN_LIMIT - SLACK) return true;
  const stack = stackLimit();
  if (stack === undefined || Number.isNaN(stack)) return false;
  return bytes <= Math.max(Math.min(MAX_LIMIT, stack / 4), MIN_LIMIT) - SLACK;
}

import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { writeStderr } from '../errors.js';
import type { CacheResult } from './part-result.js';

// The opt-in call log: one JSON line per call. One write() per line on a file
// opened O_APPEND, so parallel compiles never interleave within a line.

export interface CallRecord {
  time: string;
  pid: number;
  compiler: string;
  cache: string | null;
  route: string;
  // Why the call went that way, in a line.
  reason: string;
  // The call as parsed: 'hip' where it offloads, else the first input's language.
  language: string | null;
  // Every HIP rule that spoke, with its reason.
  rules: { rule: string; reason: string }[];
  // The -cuid the launcher added, if any.
  cuid: string | null;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  // Why the planned cache was passed over for a direct compile, when it was.
  fallback?: string;
  // The launcher's own time: process start to handing the call over.
  launcherMs: number;
  // A split call (route `split`): each part, its route and exit code, and
  // whether the cache hit it where that is known (part-result.ts).
  parts?: { name: string; cuid?: string; route: string; cacheResult?: CacheResult; exitCode: number | null; durationMs: number }[];
  // A call ccache runs with the split as its prefix: whether its whole-call entry hit.
  cacheResult?: CacheResult;
  // This run is ccache's prefix_command for such a call (its parts), not a call of its own:
  // the call's record is the one above it, and `stats` counts the call once.
  ccachePrefix?: true;
  // Which call this was, so `stats` can name the ones that went uncached:
  // the working directory, the output (-o, as written; null without one) and
  // the compiler's arguments as the caller gave them (boundedArgs).
  cwd: string;
  output: string | null;
  args: string[];
  // How many arguments boundedArgs left out (absent when none).
  argsOmitted?: number;
}

// Readers take every field but route and compiler as optional: records from
// older versions lack some, and newer ones may add more (per-part records of
// a split call, say). A field is only ever added, never changed in meaning.

// A command line can be megabytes (thousands of -I, inline defines). The log
// keeps its start, which names the call: at most MAX_LOGGED_ARGS arguments,
// MAX_ARG_CHARS each and MAX_ARGS_CHARS in all, so a line stays one small write.
export const MAX_LOGGED_ARGS = 128;
export const MAX_ARG_CHARS = 512;
export const MAX_ARGS_CHARS = 8192;

export function boundedArgs(args: readonly string[]): { args: string[]; argsOmitted?: number } {
  const kept: string[] = [];
  let chars = 0;
  for (const arg of args) {
    const one = arg.length > MAX_ARG_CHARS ? `${arg.slice(0, MAX_ARG_CHARS)}...` : arg;
    if (kept.length === MAX_LOGGED_ARGS || chars + one.length > MAX_ARGS_CHARS) break;
    kept.push(one);
    chars += one.length;
  }
  return kept.length === args.length ? { args: kept } : { args: kept, argsOmitted: args.length - kept.length };
}

// The log's name may sit where others can plant things (a shared build tree,
// /tmp): never follow a final symlink (a dangling one would create its target),
// never wait on a FIFO without a reader, and write only to a regular file.
// O_NOFOLLOW and O_NONBLOCK do not exist on Windows, where the name is opened plainly.
const OPEN_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export function appendCallRecord(file: string, record: CallRecord): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, OPEN_FLAGS, 0o666);
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
    writeSync(fd, `${JSON.stringify(record)}\n`);
  } catch (error) {
    // A log that cannot be written must not fail the build.
    const reason = (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'it is a symbolic link' : (error as Error).message;
    writeStderr(`hip-clang-launcher: warning: cannot append to log ${file}: ${reason}\n`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

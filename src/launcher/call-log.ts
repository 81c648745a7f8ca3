import { appendFileSync } from 'node:fs';
import { writeStderr } from '../errors.js';

// The opt-in call log: one JSON line per call. One write() per line on a file
// opened O_APPEND, so parallel compiles never interleave within a line.

export interface CallRecord {
  time: string;
  pid: number;
  compiler: string;
  cache: string | null;
  route: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  // The launcher's own time: process start to handing the call over.
  launcherMs: number;
}

export function appendCallRecord(file: string, record: CallRecord): void {
  try {
    appendFileSync(file, `${JSON.stringify(record)}\n`, { flag: 'a' });
  } catch (error) {
    // A log that cannot be written must not fail the build.
    writeStderr(`hip-clang-launcher: warning: cannot append to log ${file}: ${(error as Error).message}\n`);
  }
}

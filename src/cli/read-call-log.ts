import { closeSync, readSync } from 'node:fs';
import { openRegularFile } from '../open-regular-file.js';
import { createCallSummariser, type CallSummary } from './summarise-calls.js';

// Reads a call log in fixed-size chunks (a long build's log need not fit in
// memory) and summarises it. A line longer than MAX_LINE is no call record:
// it is counted as malformed and skipped, without being held whole.
const CHUNK = 1 << 20;
export const MAX_LINE = 1 << 20;

export function readCallLog(file: string): CallSummary {
  const fd = openRegularFile(file, 'call log');
  const summariser = createCallSummariser();
  const buffer = Buffer.alloc(CHUNK);
  let partial: Buffer[] = [];
  let partialLength = 0;
  let overlong = false;
  const endLine = (tail: Buffer) => {
    if (overlong || partialLength + tail.length > MAX_LINE) summariser.addLine('\0');
    else summariser.addLine(Buffer.concat([...partial, tail]).toString('utf8'));
    partial = [];
    partialLength = 0;
    overlong = false;
  };
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      let start = 0;
      for (let nl = buffer.indexOf(10, start); nl !== -1 && nl < n; nl = buffer.indexOf(10, start)) {
        endLine(buffer.subarray(start, nl));
        start = nl + 1;
      }
      if (start < n) {
        const rest = buffer.subarray(start, n);
        if (overlong || partialLength + rest.length > MAX_LINE) overlong = true;
        else {
          partial.push(Buffer.from(rest));
          partialLength += rest.length;
        }
      }
    }
    // A last line without its newline is a record still being written, or a whole one: try it.
    if (partialLength > 0 || overlong) endLine(Buffer.alloc(0));
  } finally {
    closeSync(fd);
  }
  return summariser.summary();
}

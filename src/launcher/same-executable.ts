import { closeSync, openSync, readSync, statSync } from 'node:fs';

// Whether a file is a copy of the running executable: a launcher copied (not
// linked) to `sccache` or `ccache` on PATH would otherwise be taken for the
// cache. A link is caught by its real path; a copy only by its content. Sizes
// first, so a real cache costs one stat; only a file of our exact size is
// read, and then only sampled blocks (the executable is over 100 MB): the
// head, the tail (where the single-executable blob sits) and blocks spread
// between them.

const BLOCK = 64 * 1024;
const SPREAD = 16;

let ownSize: number | undefined;

function readBlock(fd: number, position: number): Buffer {
  const buffer = Buffer.alloc(BLOCK);
  return buffer.subarray(0, readSync(fd, buffer, 0, BLOCK, position));
}

function sampleOffsets(size: number): number[] {
  const offsets = [0, Math.max(0, size - 4 * BLOCK), Math.max(0, size - 3 * BLOCK), Math.max(0, size - 2 * BLOCK), Math.max(0, size - BLOCK)];
  for (let i = 1; i < SPREAD; i++) offsets.push(Math.floor((size / SPREAD) * i));
  return offsets;
}

export function isCopyOf(file: string, self: string): boolean {
  let a: number | undefined;
  let b: number | undefined;
  try {
    ownSize ??= statSync(self).size;
    const size = statSync(file).size;
    if (size !== ownSize) return false;
    a = openSync(file, 'r');
    b = openSync(self, 'r');
    for (const offset of sampleOffsets(size)) {
      if (!readBlock(a, offset).equals(readBlock(b, offset))) return false;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (a !== undefined) closeSync(a);
    if (b !== undefined) closeSync(b);
  }
}

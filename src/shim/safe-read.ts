import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readlinkSync } from 'node:fs';

// Reading the bin dir without trusting it: on the shim's hot path, so Node's
// fs only (no crypto, unlike fs-ops.ts).

// Read-only questions about the tree, never faulted.
export function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export function readlinkOrUndefined(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

// Opens a file someone else could have planted (a lock, the journal, the
// manifest) without following a symlink at its name, and only if it is a
// regular file: a link to /dev/zero or a FIFO would otherwise hang or mislead.
export function openRegularNoFollow(path: string, flags: number): number {
  // Windows has no O_NOFOLLOW; there a planted link is caught by the lstat below.
  const noFollow = constants.O_NOFOLLOW ?? 0;
  if (noFollow === 0 && lstatSync(path).isSymbolicLink()) throw Object.assign(new Error(`${path} is a symlink`), { code: 'ELOOP' });
  const fd = openSync(path, flags | noFollow | (constants.O_NONBLOCK ?? 0));
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EFTYPE' });
  }
  return fd;
}

// The whole text of such a file, refusing one larger than `limit` bytes.
export function readRegularNoFollow(path: string, limit = 1 << 20): string {
  const fd = openRegularNoFollow(path, constants.O_RDONLY);
  try {
    const size = fstatSync(fd).size;
    if (size > limit) throw Object.assign(new Error(`${path} is ${size} bytes, more than such a file ever holds`), { code: 'EFBIG' });
    const buffer = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buffer, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buffer.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
}

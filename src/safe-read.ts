import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readlinkSync } from 'node:fs';

// Reading what someone else could have planted (a shim's bin dir, the state
// directory's memos and locks) without trusting it: on the launcher's and the
// shim's hot path, so Node's fs only (no crypto, unlike shim/fs-ops.ts). Below
// both, since nothing the launcher uses may come from the shim.

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

export interface TrustOptions {
  // Only a file owned by this user or by root: for private state (memos,
  // locks) in a directory others may write to (a shared state dir, mode 1777).
  // Not for a ROCm tree's manifest, which another user may have installed.
  ownedByUser?: boolean;
}

// Opens a file someone else could have planted (a lock, the journal, the
// manifest, a memo) without following a symlink at its name, and only if it
// is a regular file: a link to /dev/zero or a FIFO would otherwise hang or mislead.
export function openRegularNoFollow(path: string, flags: number, trust: TrustOptions = {}): number {
  // Windows has no O_NOFOLLOW; there a planted link is caught by the lstat below.
  const noFollow = constants.O_NOFOLLOW ?? 0;
  if (noFollow === 0 && lstatSync(path).isSymbolicLink()) throw Object.assign(new Error(`${path} is a symlink`), { code: 'ELOOP' });
  const fd = openSync(path, flags | noFollow | (constants.O_NONBLOCK ?? 0));
  const st = fstatSync(fd);
  const uid = process.getuid?.();
  const problem = !st.isFile() ? 'is not a regular file' : trust.ownedByUser && uid !== undefined && st.uid !== uid && st.uid !== 0 ? `is owned by another user (uid ${st.uid})` : undefined;
  if (problem) {
    closeSync(fd);
    throw Object.assign(new Error(`${path} ${problem}`), { code: 'EFTYPE' });
  }
  return fd;
}

// The whole text of such a file, refusing one larger than `limit` bytes.
export function readRegularNoFollow(path: string, limit = 1 << 20, trust: TrustOptions = {}): string {
  const fd = openRegularNoFollow(path, constants.O_RDONLY, trust);
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

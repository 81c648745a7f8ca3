import { closeSync, constants, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { joinNames, pathModuleFor, type Host } from '../host.js';
import { readRegularNoFollow } from '../safe-read.js';
import { stateDir } from './state-dir.js';

// Facts that cost a process or a large read (a cache's version, a hipcc's
// answer to a probe, a digest of device libraries), learned once per file.
// One small state file per fact, keyed by the file's path, size, mtime and
// inode: a changed file is a miss (installers replace a file by a new one
// renamed into place, so even one given its old mtime back has a new inode),
// and a file that fails to parse is ignored. Keys for plain data files that
// may be rewritten in place add the ctime; executables cannot be (ETXTBSY),
// and their ctime moves with every hard link made to them (cp -al trees).
// Written to a fresh temporary name and renamed into place, so 32 compiles
// starting at once each read a whole file or none. The directory is the
// user's, or shared (mode 1777); either way nothing in it is trusted: no
// symlinks followed, regular files owned by the user (or root) only, the
// recorded key checked on every read, and a value of the wrong shape is a
// miss (each reader says what shape it wants).

export interface FileKey {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  ctimeMs?: number;
  // For a directory's key (listingKey): every entry's key, as text.
  listing?: string;
}

interface Stored<T> {
  key: FileKey;
  value: T;
}

// FNV-1a, 32 bits twice over: a stable file name for a path, no crypto module loaded.
export function shortHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

export function keyOf(file: string, withCtime = false): FileKey | undefined {
  try {
    const st = statSync(file);
    if (!st.isFile()) return undefined;
    const key: FileKey = { path: file, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
    if (withCtime) key.ctimeMs = st.ctimeMs;
    return key;
  } catch {
    return undefined;
  }
}

function sameKey(a: FileKey, b: FileKey): boolean {
  return a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.ctimeMs === b.ctimeMs && a.listing === b.listing;
}

// A listing key (listingKey) is kept whole since its second format (it was
// a hash): a name of its own, so launchers of both formats side by side (an
// upgrade, the npm package beside the executable) never overwrite each
// other's digests, each overwrite costing a full re-hash.
const LISTING_FORMAT = '.2';

function memoFile(host: Host, kind: string, key: FileKey): string | undefined {
  const dir = stateDir(host);
  return dir ? joinNames(host.platform, dir, `${kind}-${shortHash(key.path)}${key.listing === undefined ? '' : LISTING_FORMAT}.json`) : undefined;
}

const MAX_STATE_BYTES = 1 << 20;

export const isString = (value: unknown): value is string => typeof value === 'string';

export function readMemo<T>(host: Host, kind: string, key: FileKey, isValue: (value: unknown) => value is T): T | undefined {
  const file = memoFile(host, kind, key);
  if (!file) return undefined;
  try {
    const stored = JSON.parse(readRegularNoFollow(file, MAX_STATE_BYTES, { ownedByUser: true })) as Partial<Stored<unknown>> | null;
    return stored && typeof stored === 'object' && isFileKey(stored.key) && sameKey(stored.key, key) && isValue(stored.value) ? stored.value : undefined;
  } catch {
    return undefined;
  }
}

function isFileKey(value: unknown): value is FileKey {
  return typeof value === 'object' && value !== null && typeof (value as FileKey).path === 'string';
}

// Best effort: a state directory that cannot be written only costs a probe next time.
export function writeMemo<T>(host: Host, kind: string, key: FileKey, value: T): void {
  const file = memoFile(host, kind, key);
  if (!file) return;
  const p = pathModuleFor(host.platform);
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  let fd: number | undefined;
  try {
    mkdirSync(p.dirname(file), { recursive: true, mode: 0o700 });
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    writeSync(fd, JSON.stringify({ key, value } satisfies Stored<T>));
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
  }
}

// One key for a set of files (a directory of device libraries): it changes
// when any file's key does, and costs a stat per file, never a read. The
// listing is kept whole, not hashed: it is compared as one string, where
// hashing its few KB in JavaScript cost about 0.5 ms per call.
export function listingKey(path: string, files: readonly FileKey[]): FileKey {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const text = sorted.map((f) => `${f.path}\0${f.size}\0${f.mtimeMs}\0${f.ino}\0${f.ctimeMs ?? ''}`).join('\n');
  return {
    path,
    size: sorted.reduce((n, f) => n + f.size, 0),
    mtimeMs: Math.max(0, ...sorted.map((f) => f.mtimeMs)),
    ino: 0,
    listing: text,
  };
}

// The memoised value for `file`, computing (and storing) it on a miss.
export function memoise<T>(host: Host, kind: string, file: string, compute: () => T | undefined, isValue: (value: unknown) => value is T): T | undefined {
  const key = keyOf(file);
  return key ? memoiseKey(host, kind, key, compute, isValue) : undefined;
}

export function memoiseKey<T>(host: Host, kind: string, key: FileKey, compute: () => T | undefined, isValue: (value: unknown) => value is T): T | undefined {
  const known = readMemo(host, kind, key, isValue);
  if (known !== undefined) return known;
  const value = compute();
  if (value !== undefined) writeMemo(host, kind, key, value);
  return value;
}

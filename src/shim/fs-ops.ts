import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { createHost } from '../host.js';
import { keyOf, readMemo, writeMemo, type FileKey } from '../launcher/memo.js';
import { openRegularNoFollow } from '../safe-read.js';

// Every filesystem change install and uninstall make goes through one FsOps,
// so tests can make the Nth change fail (or the process die before it) and
// check that the tree comes back untouched.

export interface FsOps {
  rename(from: string, to: string): void;
  symlink(target: string, path: string): void;
  // A second name for the same file (a hard link; a symlink is linked as itself).
  link(existing: string, path: string): void;
  unlink(path: string): void;
  copyFile(from: string, to: string): void;
  writeFile(path: string, text: string): void;
  appendFile(path: string, text: string): void;
  chmod(path: string, mode: number): void;
  // Flushes a file (or a directory's entries) to disk.
  fsync(path: string): void;
}

function fsyncPath(path: string): void {
  // Windows flushes only through a handle opened for writing (FlushFileBuffers: EPERM otherwise).
  const fd = fs.openSync(path, process.platform === 'win32' ? 'r+' : 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export const realFsOps: FsOps = {
  rename: (from, to) => fs.renameSync(from, to),
  symlink: (target, path) => fs.symlinkSync(target, path),
  link: (existing, path) => fs.linkSync(existing, path),
  unlink: (path) => fs.unlinkSync(path),
  copyFile: (from, to) => fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL),
  writeFile: (path, text) => fs.writeFileSync(path, text, { flag: 'wx' }),
  appendFile: (path, text) => {
    const fd = openRegularNoFollow(path, fs.constants.O_WRONLY | fs.constants.O_APPEND);
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  chmod: (path, mode) => fs.chmodSync(path, mode),
  fsync: (path) => {
    // Windows cannot open a directory to flush it; its renames are durable on return.
    if (process.platform === 'win32' && fs.statSync(path).isDirectory()) return;
    fsyncPath(path);
  },
};

// Test hook, set only by the test suite: `fail-at=N` makes the Nth change
// throw, `kill-at=N` SIGKILLs the process just before the Nth change. Both
// stand for what a full disk or a power cut does, which the transaction must
// survive anyway, so the hook cannot leave anything a real failure would not.
export const FAULT_VAR = 'HIP_CLANG_LAUNCHER_TEST_FAULT';

export interface Fault {
  failAt?: number;
  killAt?: number;
}

export function faultFromEnv(env: NodeJS.ProcessEnv): Fault | undefined {
  const m = /^(fail|kill)-at=(\d+)$/.exec(env[FAULT_VAR] ?? '');
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] === 'fail' ? { failAt: n } : { killAt: n };
}

export interface CountingFsOps extends FsOps {
  // How many changes were asked for so far.
  readonly calls: number;
  readonly fired: boolean;
}

// Wraps `base`, counting changes and injecting `fault` once.
export function withFault(base: FsOps, fault: Fault = {}): CountingFsOps {
  let calls = 0;
  let fired = false;
  const guard = <A extends unknown[]>(name: keyof FsOps, fn: (...args: A) => void) =>
    (...args: A): void => {
      calls += 1;
      if (calls === fault.killAt) process.kill(process.pid, 'SIGKILL');
      if (calls === fault.failAt) {
        fired = true;
        const error = new Error(`injected fault at change ${calls} (${name} ${String(args[0])})`) as NodeJS.ErrnoException;
        error.code = 'EHCLFAULT';
        throw error;
      }
      fn(...args);
    };
  return {
    rename: guard('rename', base.rename),
    symlink: guard('symlink', base.symlink),
    link: guard('link', base.link),
    unlink: guard('unlink', base.unlink),
    copyFile: guard('copyFile', base.copyFile),
    writeFile: guard('writeFile', base.writeFile),
    appendFile: guard('appendFile', base.appendFile),
    chmod: guard('chmod', base.chmod),
    fsync: guard('fsync', base.fsync),
    get calls() {
      return calls;
    },
    get fired() {
      return fired;
    },
  };
}

export function sha256OfFile(path: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

const hashes = new Map<string, string>();

// Files this large (the shim executable, with Node inside: 127 MB, about
// 0.3 s to hash) are also remembered across runs, in the state directory,
// keyed by path, size, mtime, inode and ctime: any write, chmod or rename
// moves the ctime, so a changed file is a miss. Without it every install,
// status and uninstall hashed the executable and its copy again.
const REMEMBERED_BYTES = 16 << 20;
const MEMO_KIND = 'sha256';

function memoKey(path: string, size: number): FileKey | undefined {
  return size >= REMEMBERED_BYTES ? keyOf(resolve(path), true) : undefined;
}

// The same, remembered per file identity and change time: one file behind
// several names (clang, clang++, clang-15) is read once per run.
const isSha256 = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);

export function sha256OfFileOnce(path: string): string {
  const st = fs.statSync(path);
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  let hash = hashes.get(key);
  if (hash === undefined) {
    const fileKey = memoKey(path, st.size);
    // A value of the wrong shape is absent.
    const remembered = fileKey && readMemo(createHost(), MEMO_KIND, fileKey, isSha256);
    hash = remembered || sha256OfFile(path);
    if (fileKey && remembered !== hash) writeMemo(createHost(), MEMO_KIND, fileKey, hash);
    hashes.set(key, hash);
  }
  return hash;
}

// After this process wrote `path` itself as a copy of a file whose sha256 it
// knows (install's copy of the shim executable): remembered without reading
// it back. Its key is taken now, after the rename that put it in place.
export function rememberSha256(path: string, sha256: string): void {
  const fileKey = keyOf(resolve(path), true);
  if (fileKey && fileKey.size >= REMEMBERED_BYTES) writeMemo(createHost(), MEMO_KIND, fileKey, sha256);
}

export function sha256OfText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import type * as CryptoModule from 'node:crypto';
import { pathModuleFor, type Host } from '../host.js';
import { HIP_DEVICE_LIB_PATH_VAR, ROCM_PATH_VAR } from './env-vars.js';
import { LD_SO_CACHE, loadedLibraries } from './loaded-libraries.js';
import { isString, keyOf, listingKey, memoiseKey, readMemo, shortHash, writeMemo, type FileKey } from './memo.js';
import type { ParsedCall } from './parse-call.js';

// What the toolchain of a compile is, by its bytes rather than its dates: the
// compiler and every shared library it loads (its ELF dependencies, resolved
// as the loader resolves them: loaded-libraries.ts), and for HIP the device
// libraries (bitcode clang links into every device object, seen in no
// preprocessor output). A re-extracted ROCm (same bytes, new mtimes) gives
// the same digest; an upgraded compiler, libLLVM or rocm-device-libs gives
// another, even with its old mtimes. Every content digest is memoised under
// the files' keys (memo.ts: path, size, mtime, inode, and ctime for the device
// libraries, which are data a copy can rewrite in place), and so is the list
// of libraries (under the compiler's key, ld.so.cache's and LD_LIBRARY_PATH):
// a call costs a stat per file and two small reads; the hundreds of MB are
// hashed once per change. A file that cannot be read makes the digest
// unknown, never a fixed stand-in that would hide a later change.

export interface ToolchainIdentity {
  // `<compiler digest>-<device-library digest or "none">`, hex; undefined when unknown.
  digest: string | undefined;
  // Why the digest is unknown: a file or directory that could not be read.
  unreadable?: string;
  compilerFiles: string[];
  deviceLibDirs: string[];
}

// A compiler that is no ELF (Windows, macOS): the libraries beside it that a
// dynamically linked clang loads (Debian's llvm-N, ROCm built with LLVM_LINK_LLVM_DYLIB).
const COMPILER_LIBRARY = /^lib(clang-cpp|LLVM)([-.].*)?\.(so(\.[\d.]+)?|dylib|dll)$/;

// undefined: the directory cannot be listed.
function listDir(dir: string): string[] | undefined {
  try {
    return readdirSync(dir).sort();
  } catch {
    return undefined;
  }
}

function fileKeys(files: readonly string[], withCtime: boolean): FileKey[] | undefined {
  const keys: FileKey[] = [];
  for (const file of files) {
    const key = keyOf(file, withCtime);
    if (!key) return undefined;
    keys.push(key);
  }
  return keys;
}

function sha256OfFiles(files: readonly string[], label: (file: string) => string): string {
  const { createHash } = process.getBuiltinModule('node:crypto') as typeof CryptoModule;
  const all = createHash('sha256');
  const buf = Buffer.alloc(1 << 20);
  for (const file of files) {
    const one = createHash('sha256');
    const fd = openSync(file, 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) one.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    all.update(`${label(file)}\0${one.digest('hex')}\n`);
  }
  return all.digest('hex').slice(0, 32);
}

function digestOf(host: Host, kind: string, path: string, files: readonly string[], keys: readonly FileKey[]): string | undefined {
  const p = pathModuleFor(host.platform);
  try {
    // Files are named by their place (a base name), so a copied tree digests alike.
    return memoiseKey(host, kind, listingKey(path, keys), () => sha256OfFiles(files, (f) => p.basename(f)), isString);
  } catch {
    return undefined;
  }
}

interface LibraryList {
  libs: string[];
  // listingKey(...).listing of the libraries when they were resolved: a changed library is resolved again.
  listing: string;
}
const isLibraryList = (v: unknown): v is LibraryList =>
  typeof v === 'object' && v !== null && Array.isArray((v as LibraryList).libs) && (v as LibraryList).libs.every(isString) && isString((v as LibraryList).listing);

// The compiler (its real path) and every library it loads; undefined when
// one cannot be found or read. Memoised: a hit costs a stat per file.
export function compilerFilesOf(compilerFile: string, host: Host): { files: string[]; keys: FileKey[] } | undefined {
  const p = pathModuleFor(host.platform);
  const real = host.realpath(compilerFile) ?? compilerFile;
  const compilerKey = keyOf(real);
  if (!compilerKey) return undefined;
  const withKeys = (libs: string[]) => {
    const keys = fileKeys([real, ...libs], false);
    return keys && { files: [real, ...libs], keys };
  };
  if (host.platform === 'win32' || host.platform === 'darwin') {
    const libDir = p.join(p.dirname(real), '..', 'lib');
    const libs = (listDir(libDir) ?? [])
      .filter((name) => COMPILER_LIBRARY.test(name))
      .map((name) => host.realpath(p.join(libDir, name)))
      .filter((file): file is string => file !== undefined);
    return withKeys([...new Set(libs)]);
  }
  // The loader's inputs besides the compiler: LD_LIBRARY_PATH and ld.so.cache.
  const cacheKey = keyOf(LD_SO_CACHE);
  const libraryPath = host.env.LD_LIBRARY_PATH;
  const key: FileKey = { ...compilerKey, listing: shortHash(`${libraryPath ?? ''}\0${cacheKey ? `${cacheKey.size}\0${cacheKey.mtimeMs}\0${cacheKey.ino}` : ''}`) };
  const known = readMemo(host, 'compiler-libraries', key, isLibraryList);
  if (known) {
    const found = withKeys(known.libs);
    if (found && listingKey('', found.keys.slice(1)).listing === known.listing) return found;
  }
  let loaded;
  try {
    loaded = loadedLibraries(real, libraryPath);
  } catch {
    return undefined;
  }
  // Not ELF (a script): the compiler alone.
  const found = withKeys(loaded?.files ?? []);
  if (!found || (loaded === undefined && isElfLike(real))) return undefined;
  writeMemo(host, 'compiler-libraries', key, { libs: loaded?.files ?? [], listing: listingKey('', found.keys.slice(1)).listing ?? '' } satisfies LibraryList);
  return found;
}

// Whether a file starts like an ELF: one that then could not be resolved is unreadable, not "no libraries".
function isElfLike(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32BE(0) === 0x7f454c46;
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// Where this compile's device libraries are, in clang's order: the flags,
// HIP_DEVICE_LIB_PATH, --rocm-path, ROCM_PATH, then the compiler's own
// default (its ROCm tree, /opt/rocm, Debian's multiarch directory). Newer
// clang also looks in its resource directory (Debian sid's clang-21 finds
// rocm-device-libs-21 only in lib/clang/21/amdgcn/bitcode; ROCm 6.2+ puts
// them in lib/clang/<v>/lib/amdgcn/bitcode): those are always digested too,
// since a directory more only costs a miss when it changes, one fewer a stale hit.
export function deviceLibDirsOf(call: ParsedCall, compilerFile: string, host: Host): string[] {
  const p = pathModuleFor(host.platform);
  const delimiter = host.platform === 'win32' ? ';' : ':';
  const bitcode = (root: string) => p.join(root, 'amdgcn', 'bitcode');
  const fromEnv = (host.env[HIP_DEVICE_LIB_PATH_VAR] ?? '').split(delimiter).filter((d) => d !== '');
  const given = call.deviceLibPaths.length > 0 ? call.deviceLibPaths : fromEnv;
  if (given.length > 0) return given.map((d) => p.resolve(host.cwd, d));
  const rocm = call.rocmPath ?? host.env[ROCM_PATH_VAR];
  const real = host.realpath(compilerFile) ?? compilerFile;
  const bin = p.dirname(real);
  const candidates = rocm
    ? [bitcode(p.resolve(host.cwd, rocm))]
    : [
        bitcode(p.join(bin, '..')),
        bitcode(p.join(bin, '..', '..')),
        bitcode(p.join(bin, '..', '..', '..')),
        ...(host.platform === 'win32' ? [] : ['/opt/rocm/amdgcn/bitcode', `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/amdgcn/bitcode`]),
      ];
  const hasBitcode = (dir: string) => (listDir(dir) ?? []).some((name) => name.endsWith('.bc'));
  const clangLib = p.join(bin, '..', 'lib', 'clang');
  const resource = (listDir(clangLib) ?? []).flatMap((version) => [bitcode(p.join(clangLib, version)), bitcode(p.join(clangLib, version, 'lib'))]);
  const found = [candidates.find(hasBitcode), ...resource.filter(hasBitcode)].filter((dir): dir is string => dir !== undefined);
  // One directory reached by two names (a compatibility link) is digested once.
  return [...new Map(found.map((dir) => [host.realpath(dir) ?? dir, p.normalize(dir)])).values()];
}

// A split runs in one launcher process that plans the whole call and then
// each part (run-parts.ts): one compiler, one set of device libraries, so one
// identity, learned once per process (about 3 ms of stats, listings and memo
// reads a plan, measured in the sid lab: 15 ms of each split call's 5 parts).
// Keyed by everything it reads but the files themselves; the files are read
// as at the call's start, as the whole call's own key has them.
const learned = new Map<string, ToolchainIdentity>();

export function toolchainIdentity(call: ParsedCall, compilerFile: string, host: Host): ToolchainIdentity {
  const key = [compilerFile, host.platform, host.cwd, call.offload, call.rocmPath ?? '\u0001', call.deviceLibPaths.join('\u0001'), host.env[HIP_DEVICE_LIB_PATH_VAR], host.env[ROCM_PATH_VAR], host.env.LD_LIBRARY_PATH].join('\0');
  let identity = learned.get(key);
  if (!identity) learned.set(key, (identity = learnToolchainIdentity(call, compilerFile, host)));
  return identity;
}

function learnToolchainIdentity(call: ParsedCall, compilerFile: string, host: Host): ToolchainIdentity {
  const p = pathModuleFor(host.platform);
  const unknown = (unreadable: string, compilerFiles: string[] = [], deviceLibDirs: string[] = []): ToolchainIdentity => ({ digest: undefined, unreadable, compilerFiles, deviceLibDirs });
  // No such file: nothing runs, so no key can hide a change (doctor's sample compiles name a bare clang++).
  if (!host.isExecutableFile(compilerFile)) return { digest: undefined, compilerFiles: [], deviceLibDirs: [] };
  const compilerFiles = compilerFilesOf(compilerFile, host);
  if (!compilerFiles) return unknown(`the compiler ${compilerFile} or a library it loads`);
  const compiler = digestOf(host, 'compiler-digest', compilerFiles.files[0]!, compilerFiles.files, compilerFiles.keys);
  if (!compiler) return unknown(`the compiler ${compilerFile} or a library it loads`, compilerFiles.files);
  if (!call.offload) return { digest: compiler, compilerFiles: compilerFiles.files, deviceLibDirs: [] };
  const deviceLibDirs = deviceLibDirsOf(call, compilerFile, host);
  const parts: string[] = [];
  for (const dir of deviceLibDirs) {
    const names = listDir(dir);
    if (!names) return unknown(`the device-library directory ${dir}`, compilerFiles.files, deviceLibDirs);
    // `dir` is normalised (deviceLibDirsOf): joined by hand, since p.join's normalising of each
    // of some 50 paths was the hottest code of a call, hot enough for V8 to optimise it then.
    const prefix = dir.endsWith(p.sep) ? dir : `${dir}${p.sep}`;
    const files = names.filter((name) => name.endsWith('.bc')).map((name) => `${prefix}${name}`);
    if (files.length === 0) {
      parts.push('empty');
      continue;
    }
    const keys = fileKeys(files, true);
    const digest = keys && digestOf(host, 'device-libs-digest', dir, files, keys);
    if (!digest) return unknown(`an entry of the device-library directory ${dir}`, compilerFiles.files, deviceLibDirs);
    parts.push(digest);
  }
  return { digest: `${compiler}-${parts.length ? parts.join('-') : 'none'}`, compilerFiles: compilerFiles.files, deviceLibDirs };
}

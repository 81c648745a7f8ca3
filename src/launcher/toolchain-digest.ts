import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import type * as CryptoModule from 'node:crypto';
import { pathModuleFor, type Host } from '../host.js';
import { HIP_DEVICE_LIB_PATH_VAR, ROCM_PATH_VAR } from './env-vars.js';
import { keyOf, listingKey, memoiseKey, type FileKey } from './memo.js';
import type { ParsedCall } from './parse-call.js';

// What the toolchain of a compile is, by its bytes rather than its dates: the
// compiler and the clang/LLVM libraries beside it, and for HIP the device
// libraries (bitcode clang links into every device object, seen in no
// preprocessor output). A re-extracted ROCm (same bytes, new mtimes) gives
// the same digest; an upgraded compiler or rocm-device-libs gives another,
// even with its old mtimes. Every content digest is memoised under the
// files' keys (memo.ts: path, size, mtime, inode, and ctime for the device
// libraries, which are data a copy can rewrite in place): a call costs a few
// stats and two small reads; the hundreds of MB are hashed once per change.

export interface ToolchainIdentity {
  // `<compiler digest>-<device-library digest or "none">`, hex.
  digest: string;
  compilerFiles: string[];
  deviceLibDirs: string[];
}

// The libraries a dynamically linked clang loads from its own tree (Debian's
// llvm-N, ROCm built with LLVM_LINK_LLVM_DYLIB): a rebuild may change only them.
const COMPILER_LIBRARY = /^lib(clang-cpp|LLVM)([-.].*)?\.(so(\.[\d.]+)?|dylib|dll)$/;

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
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

function digestOf(host: Host, kind: string, path: string, files: readonly string[], withCtime: boolean): string | undefined {
  const p = pathModuleFor(host.platform);
  const keys = fileKeys(files, withCtime);
  if (!keys) return undefined;
  try {
    // Files are named by their place (a base name), so a copied tree digests alike.
    return memoiseKey(host, kind, listingKey(path, keys), () => sha256OfFiles(files, (f) => p.basename(f)));
  } catch {
    return undefined;
  }
}

export function compilerFilesOf(compilerFile: string, host: Host): string[] {
  const p = pathModuleFor(host.platform);
  const real = host.realpath(compilerFile) ?? compilerFile;
  const libDir = p.join(p.dirname(real), '..', 'lib');
  const libs = listDir(libDir)
    .filter((name) => COMPILER_LIBRARY.test(name))
    .map((name) => host.realpath(p.join(libDir, name)))
    .filter((file): file is string => file !== undefined);
  return [real, ...new Set(libs)];
}

// Where this compile's device libraries are, in clang's order: the flags,
// HIP_DEVICE_LIB_PATH, --rocm-path, ROCM_PATH, then the compiler's own
// default (its ROCm tree, /opt/rocm, Debian's multiarch directory).
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
  const found = candidates.find((dir) => listDir(dir).some((name) => name.endsWith('.bc')));
  return found ? [found] : [];
}

export function toolchainIdentity(call: ParsedCall, compilerFile: string, host: Host): ToolchainIdentity | undefined {
  const p = pathModuleFor(host.platform);
  const compilerFiles = compilerFilesOf(compilerFile, host);
  const compiler = digestOf(host, 'compiler-digest', compilerFiles[0]!, compilerFiles, false);
  if (!compiler) return undefined;
  if (!call.offload) return { digest: compiler, compilerFiles, deviceLibDirs: [] };
  const deviceLibDirs = deviceLibDirsOf(call, compilerFile, host);
  const parts: string[] = [];
  for (const dir of deviceLibDirs) {
    const files = listDir(dir)
      .filter((name) => name.endsWith('.bc'))
      .map((name) => p.join(dir, name));
    parts.push(files.length === 0 ? 'empty' : (digestOf(host, 'device-libs-digest', dir, files, true) ?? 'unreadable'));
  }
  return { digest: `${compiler}-${parts.length ? parts.join('-') : 'none'}`, compilerFiles, deviceLibDirs };
}

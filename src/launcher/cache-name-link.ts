import { lstatSync, mkdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { pathModuleFor, type Host } from '../host.js';
import { learnClangMajor } from './compiler-facts.js';
import { shortHash } from './memo.js';
import { stateDir } from './state-dir.js';

// The path a cache is given for a shim's real compiler (the shim, and the
// launcher given a shim's path, ask for it only when a cache will run the
// compiler: it may ask the compiler its version once). A cache runs the
// compiler by the path it is given (ccache 4.14 and sccache 0.17 in the sid
// lab; ccache 4.7 and sccache 0.10 key a link as below), and clang-21 names itself in its driver's
// diagnostics by its argv[0]: given `<bin>/clang++-real`, a failed compile
// said `clang++-real: error:` where the bare compiler says `clang++: error:`.
// So the cache gets a symlink named as the shim was invoked (`clang++`) that
// leads to `<bin>/clang++-real`, kept per user in the state directory:
// `<state>/compiler-names-<uid>/<hash of bin>/clang++`.
//
// Only where nothing else the compiler does depends on the path: from clang
// 19 (llvm-project#80527, "Unify InstalledDir and Dir") clang takes its
// install dir, resource dir, device libraries and tools from its real path;
// up to 18 its InstalledDir is argv[0]'s directory, so a link elsewhere would
// move where it looks for tools and ROCm. `-no-canonical-prefixes` makes any
// clang take all of these from argv[0], and an @file may hold it: such calls
// keep `<bin>/clang++-real`. ccache hashes the compiler's file name
// (`clang++` now, as for the bare compiler: 4.7 hits between the link and
// the bare compiler's own path) and stats what the link reaches (a copy with
// another mtime misses); sccache hashes the file's bytes: different compilers
// never share a key.
//
// The state directory may be shared (mode 1777), so a link is used only in a
// directory of our own that nobody else can write, and only when it reads
// back exactly; otherwise it is made anew (temp name, rename), and when that
// fails the cache gets `<bin>/clang++-real` as before. Uninstall waits for a
// cache holding such a link (in-flight.ts reads the link); a compile the link
// outlives is looked up again (nameBesideGoneLink).

const FIRST_CLANG_WITH_REAL_PATH_DIRS = 19;
const DIR = 'compiler-names';

function ownPrivateDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

// `link` is ours and leads to `target`.
function readsBack(link: string, target: string): boolean {
  try {
    return readlinkSync(link) === target && lstatSync(link).uid === process.getuid?.();
  } catch {
    return false;
  }
}

function makeLink(dir: string, link: string, target: string): boolean {
  const temp = `${link}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownPrivateDir(dir)) return false;
    symlinkSync(target, temp);
    renameSync(temp, link);
    return readsBack(link, target);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // never made
    }
    return false;
  }
}

// `compiler`: `<bin>/<realName>`, the real compiler's name in the shim's bin dir.
// A file name, never a path (the link is made in a directory of ours).
function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[\\/\0]/.test(name);
}

// The compiler to run in place of our link `compiler` once the real compiler it
// leads to is gone: an uninstall's commit removed `<bin>/clang++-real` while a
// cache still held the link (its wait ran out, or missed the process), and
// ccache then runs its prefix_command, this launcher, with the link. The name
// in that bin dir is what uninstall put back (or a shim again, whose manifest
// names its real compiler), as the shim's own look-up finds it
// (shim/real-compiler.ts). Only a link in our own private directory, named for
// the bin dir it leads into; undefined for anything else, or one that still
// leads to a compiler.
export function nameBesideGoneLink(compiler: string, host: Host): string | undefined {
  if (host.platform === 'win32' || process.getuid === undefined || host.isExecutableFile(compiler)) return undefined;
  const state = stateDir(host);
  if (state === undefined) return undefined;
  const p = pathModuleFor(host.platform);
  const mine = p.join(state, `${DIR}-${process.getuid()}`);
  const dir = p.dirname(compiler);
  if (p.dirname(dir) !== mine || !ownPrivateDir(mine) || !ownPrivateDir(dir)) return undefined;
  let target: string;
  try {
    if (lstatSync(compiler).uid !== process.getuid()) return undefined;
    target = readlinkSync(compiler);
  } catch {
    return undefined;
  }
  const bin = p.dirname(target);
  const name = p.basename(compiler);
  if (!p.isAbsolute(target) || shortHash(bin) !== p.basename(dir) || !isPlainName(name)) return undefined;
  return p.join(bin, name);
}

export function cacheNameFor(bin: string, name: string, compiler: string, args: readonly string[], host: Host): string | undefined {
  if (host.platform === 'win32' || !isPlainName(name) || process.getuid === undefined) return undefined;
  if (args.some((arg) => arg === '-no-canonical-prefixes' || arg.startsWith('@'))) return undefined;
  const state = stateDir(host);
  if (state === undefined) return undefined;
  const major = learnClangMajor(compiler, host);
  if (major === undefined || major < FIRST_CLANG_WITH_REAL_PATH_DIRS) return undefined;
  const p = pathModuleFor(host.platform);
  // Per user: in a shared state directory another user's directory is never ours.
  const mine = p.join(state, `${DIR}-${process.getuid()}`);
  const dir = p.join(mine, shortHash(bin));
  const link = p.join(dir, name);
  if (readsBack(link, compiler) && ownPrivateDir(dir) && ownPrivateDir(mine)) return link;
  try {
    mkdirSync(mine, { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  return ownPrivateDir(mine) && makeLink(dir, link, compiler) ? link : undefined;
}

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { run, cleanEnv, type RunResult } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, requirePath } from '../helpers/tools.js';
import { linkLlvmTree } from '../../scripts/llvm-tree.mjs';

// ROCm-like trees made from Debian's llvm-15: bin/ by `cp -al` (hard links, so
// renaming within the copy never touches the system files), the rest linked
// (scripts/llvm-tree.mjs). Never chmod a file in bin/ (hard links share modes with the
// system's).

export const LLVM15 = '/usr/lib/llvm-15';

export type TreeStyle =
  // ROCm's llvm/bin: clang++ -> clang -> clang-15 (the real binary); clang++-15 -> clang++ for Debian's perl hipcc.
  | 'symlink-chain'
  // Real binaries under the wrapped names (hard links of one file), in lib/llvm/bin.
  | 'real-files';

export interface Tree {
  root: string;
  bin: string;
}

export function makeTree(dir: string, style: TreeStyle, binOnly = false): Tree {
  requirePath(join(LLVM15, 'bin/clang'), "install clang-15 ('npm run provision')");
  const root = join(dir, style === 'symlink-chain' ? 'rocm-chain' : 'rocm-files');
  const llvm = join(root, style === 'symlink-chain' ? 'llvm' : 'lib/llvm');
  fs.mkdirSync(join(llvm, '..'), { recursive: true });
  if (binOnly) {
    fs.mkdirSync(llvm);
    execFileSync('cp', ['-al', join(LLVM15, 'bin'), join(llvm, 'bin')]);
  } else {
    linkLlvmTree(LLVM15, llvm);
  }
  const bin = join(llvm, 'bin');
  const at = (name: string) => join(bin, name);
  if (style === 'symlink-chain') {
    fs.unlinkSync(at('clang-15'));
    fs.renameSync(at('clang'), at('clang-15'));
    ownCopy(at('clang-15'));
    fs.symlinkSync('clang-15', at('clang'));
    fs.symlinkSync('clang++', at('clang++-15'));
  } else {
    ownCopy(at('clang'));
    fs.unlinkSync(at('clang++'));
    fs.linkSync(at('clang'), at('clang++'));
    fs.linkSync(at('clang'), at('clang++-15'));
  }
  return { root, bin };
}

// Makes `file` (a hard link `cp -al` made) a file of its own, with the same
// bytes, mode and times. A tree's real compiler must be its own, as in a real
// ROCm tree: uninstall waits for every process running the file a wrapped
// name leads to (src/shim/in-flight.ts), and as a hard link of the system's
// clang that was every clang compile on the machine, other test files'
// included, so each uninstall waited for unrelated compiles to end.
export function ownCopy(file: string): void {
  const st = fs.statSync(file);
  const tmp = `${file}.own-copy`;
  fs.copyFileSync(file, tmp);
  fs.chmodSync(tmp, st.mode & 0o7777);
  fs.utimesSync(tmp, st.atime, st.mtime);
  fs.renameSync(tmp, file);
}

// Debian's own llvm layout (and the lab's llvm-21): clang is the one real
// binary and a wrapped name at once; clang++, clang-15 and clang-cpp link to
// it. Copies, not hard links, of the clang* entries (and the llvm-* tools
// with `withLlvmTools`) in <temp>/llvm/bin.
export function makeDebianTree(prefix: string, withLlvmTools = false): Tree {
  requirePath(join(LLVM15, 'bin/clang'), "install clang-15 ('npm run provision')");
  const root = makeTempDir(prefix);
  const bin = join(root, 'llvm/bin');
  fs.mkdirSync(join(root, 'llvm'));
  const keep = withLlvmTools ? /\/(bin|clang[^/]*|llvm-[^/]*)$/ : /\/(bin|clang[^/]*)$/;
  fs.cpSync(join(LLVM15, 'bin'), bin, { recursive: true, verbatimSymlinks: true, filter: (src) => keep.test(src) });
  return { root, bin };
}

export const HIPCC_NAMES = 'clang,clang++,clang++-15';

const hashCache = new Map<string, string>();

function contentHash(file: string, st: fs.Stats): string {
  // ctime moves on any write or rename of the inode, so a cached hash is never stale.
  const key = `${st.dev}:${st.ino}:${st.size}:${st.ctimeMs}:${st.mtimeMs}`;
  let hash = hashCache.get(key);
  if (!hash) {
    hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    hashCache.set(key, hash);
  }
  return hash;
}

// Every entry under root: path, type, permission bits, link text, content hash.
export function treeListing(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = fs.lstatSync(path);
      const rel = relative(root, path);
      if (st.isSymbolicLink()) out.set(rel, `link ${fs.readlinkSync(path)}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir ${(st.mode & 0o7777).toString(8)}`);
        walk(path);
      } else out.set(rel, `file ${(st.mode & 0o7777).toString(8)} ${contentHash(path, st)}`);
    }
  };
  walk(root);
  return out;
}

export function treeDigest(root: string): string {
  return createHash('sha256').update(JSON.stringify([...treeListing(root)])).digest('hex');
}

// The differences between two listings, for readable failures.
export function listingDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).map((k) => `${k}: ${before.get(k) ?? '(absent)'} -> ${after.get(k) ?? '(absent)'}`);
}

// A refusal: the exit code, and one line on stderr naming the problem (and the fix).
export function expectRefused(r: RunResult, pattern: RegExp, code: number): void {
  expect(r.status, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^hip-clang-launcher: error: /);
  expect(lines[0]).toMatch(pattern);
}

export function hcl(args: string[], env: Record<string, string | undefined> = {}): RunResult & { out: string } {
  const r = run(built.linux, args, { env: cleanEnv(env) });
  return { ...r, out: r.stdout.toString('utf8') };
}

// What a live install writes in its lock: its pid and its start time from
// /proc (a bare pid cannot be told from a reused one, so it is not trusted).
export function liveLockRecord(): string {
  const stat = fs.readFileSync('/proc/self/stat', 'latin1');
  return `${process.pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
}

import * as fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { sha256OfFile } from './fs-ops.js';
import { readlinkOrUndefined } from '../safe-read.js';

// What a name in the bin dir is right now, and where its symlink chain ends.

export type EntryType = 'missing' | 'file' | 'symlink' | 'other';

export function entryTypeOf(path: string): EntryType {
  try {
    const st = fs.lstatSync(path);
    if (st.isSymbolicLink()) return 'symlink';
    return st.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

// POSIX shims are relative links to the shim executable; Windows shims are copies of it.
export function isOurShim(bin: string, name: string, shimName: string, shimSha256: string | undefined, platform: NodeJS.Platform): boolean {
  const path = join(bin, name);
  if (platform !== 'win32') return readlinkOrUndefined(path) === shimName;
  return entryTypeOf(path) === 'file' && shimSha256 !== undefined && sha256OfFile(path) === shimSha256;
}

export interface ChainEnd {
  // The real compiler file the chain ends at, as it is now.
  file: string;
  // What `<name>-real` must link to: a name in the bin dir.
  linkText: string;
}

// Follows `name`'s chain of links (or, given `text`, the chain `name` would
// have linking there: an original link being put back). `realNameOf` tells
// which names in the bin dir are (or are about to become) shims, and where
// their real compiler will be: a chain through one of them continues at that
// real compiler, never at a shim. The chain must end in the bin dir: the shim
// runs nothing outside it.
export function followChain(
  bin: string,
  name: string,
  realNameOf: (name: string) => string | undefined,
  isShim: (name: string) => boolean,
  text = name,
): ChainEnd {
  let current = resolve(bin, text);
  for (let hops = 0; hops < 40; hops += 1) {
    const inBin = dirname(current) === bin;
    const here = basename(current);
    const wrappedReal = inBin && here !== name ? realNameOf(here) : undefined;
    if (wrappedReal !== undefined && isShim(here)) {
      current = join(bin, wrappedReal);
      continue;
    }
    const type = entryTypeOf(current);
    if (type === 'symlink') {
      current = resolve(dirname(current), fs.readlinkSync(current));
      continue;
    }
    if (type !== 'file') throw new Error(`the link chain of ${name} ends at ${current}, which is ${type === 'missing' ? 'missing' : 'not a file'}`);
    if (!inBin) throw new Error(`the link chain of ${name} leaves the bin dir for ${current}, and the shim runs only compilers in its own bin dir`);
    // A file about to be wrapped: link to its real name (a hard link of it, made first).
    return { file: current, linkText: wrappedReal ?? here };
  }
  throw new Error(`the link chain of ${name} loops`);
}

export function modeOf(path: string): number {
  return fs.statSync(path).mode & 0o7777;
}

export { sha256OfFile };

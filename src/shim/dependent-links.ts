import * as fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { HclError } from '../errors.js';
import { realNameFor } from './driver-mode.js';
import { SHIM_STEM, TEMP_MARK } from './layout.js';

// Links in the bin dir whose chain passes through a name being wrapped:
// ROCm's and Debian's clang-cpp, clang-cl, clang-NN -> clang, say. Once that
// name is the shim they would reach it under a name its manifest does not
// know, and stop working. Install therefore wraps them too, so every name
// that reached the compiler before still does (and through the cache).

const MAX_HOPS = 40;

// Does the link chain starting at `name` step on one of `wrapped` (in bin)?
function reachesWrapped(bin: string, name: string, wrapped: ReadonlySet<string>): boolean {
  let current = join(bin, name);
  for (let hop = 0; hop < MAX_HOPS; hop += 1) {
    let target: string;
    try {
      target = fs.readlinkSync(current);
    } catch {
      return false; // Not a link (any more): the chain ended elsewhere.
    }
    current = resolve(dirname(current), target);
    if (dirname(current) === bin && wrapped.has(basename(current))) return true;
  }
  return false;
}

function isOursOrReal(name: string): boolean {
  return name.startsWith(SHIM_STEM) || name.includes(TEMP_MARK) || /[-.]real(\.exe)?$/i.test(name);
}

export function findDependentLinks(bin: string, names: readonly string[]): string[] {
  const wrapped = new Set(names);
  const found: string[] = [];
  let grew = true;
  // Until nothing new: a link to a link to clang depends on clang too.
  while (grew) {
    grew = false;
    for (const entry of fs.readdirSync(bin, { withFileTypes: true })) {
      if (!entry.isSymbolicLink() || wrapped.has(entry.name) || isOursOrReal(entry.name)) continue;
      if (!reachesWrapped(bin, entry.name, wrapped)) continue;
      try {
        realNameFor(entry.name);
      } catch {
        throw new HclError(
          'not-a-llvm-bin',
          `${join(bin, entry.name)} links to a compiler being wrapped, and no name for its real compiler keeps its driver mode`,
          'remove or repoint that link, or leave its target out of --names',
        );
      }
      wrapped.add(entry.name);
      found.push(entry.name);
      grew = true;
    }
  }
  return found.sort();
}

import * as fs from 'node:fs';
import { join } from 'node:path';
import { HclError } from '../errors.js';
import { realNameFor } from './driver-mode.js';
import { SHIM_STEM, TEMP_MARK } from './layout.js';
import { firstInBinOnChain } from './link-chain.js';

// Links in the bin dir whose chain passes through a name being wrapped:
// ROCm's and Debian's clang-cpp, clang-cl, clang-NN -> clang, say. Once that
// name is the shim they would reach it under a name its manifest does not
// know, and stop working. Install therefore wraps them too, so every name
// that reached the compiler before still does (and through the cache).

// The shim itself, and what a transaction sets aside, are never candidates.
function isOurs(name: string): boolean {
  return name.startsWith(SHIM_STEM) || name.includes(TEMP_MARK);
}

export function findDependentLinks(bin: string, names: readonly string[]): string[] {
  const wrapped = new Set(names);
  const found: string[] = [];
  // One pass is enough: a link to a link to clang steps on clang itself.
  for (const entry of fs.readdirSync(bin, { withFileTypes: true })) {
    if (!entry.isSymbolicLink() || wrapped.has(entry.name) || isOurs(entry.name)) continue;
    if (firstInBinOnChain(bin, entry.name, (step) => wrapped.has(step)) === undefined) continue;
    try {
      realNameFor(entry.name);
    } catch {
      throw new HclError(
        'not-a-llvm-bin',
        `${join(bin, entry.name)} links to a compiler being wrapped, and no name for its real compiler keeps its driver mode`,
        'remove or repoint that link, or leave its target out of --names',
      );
    }
    found.push(entry.name);
  }
  return found.sort();
}

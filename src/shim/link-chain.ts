import { readlinkSync } from 'node:fs';
import { posix } from 'node:path';

// Walks the symlink chain that starts at <bin>/<name> one hop at a time and
// returns the first name in `bin` it steps on that `accept` takes (the start
// itself is not a step). A chain that leaves links behind, or loops past 40
// hops, gives undefined. Used by install (links that reach a wrapped name) and
// by the shim (an unlisted link's way to a listed one).
export function firstInBinOnChain(bin: string, name: string, accept: (name: string) => boolean, path: typeof posix = posix): string | undefined {
  let current = path.join(bin, name);
  for (let hop = 0; hop < 40; hop += 1) {
    let target: string;
    try {
      target = readlinkSync(current);
    } catch {
      return undefined;
    }
    current = path.resolve(path.dirname(current), target);
    if (path.dirname(current) === bin && accept(path.basename(current))) return path.basename(current);
  }
  return undefined;
}

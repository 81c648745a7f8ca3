import { pathModuleFor, type Host } from '../host.js';
import { programNameOf } from '../invocation.js';
import { firstInBinOnChain } from './link-chain.js';
import { readManifest, type ManifestEntry } from './manifest.js';

// Where a shim's real compiler is: only ever through the manifest in the
// shim's own directory, never through PATH.

export interface ShimTarget {
  bin: string;
  entry: ManifestEntry;
  realCompiler: string;
  cache: string | null;
}

// The entry for `name` (as programNameOf gives it) in the manifest of `bin`, if any.
export function findShimTarget(bin: string, name: string, host: Host): ShimTarget | undefined {
  const manifest = readManifest(bin);
  const entry = manifest?.entries.find((e) => programNameOf(e.name, host.platform) === name);
  if (!manifest || !entry) return undefined;
  return { bin, entry, realCompiler: pathModuleFor(host.platform).join(bin, entry.realName), cache: manifest.cache };
}

// For `hip-clang-launcher <bin>/clang++` where that file is one of our shims: its real compiler.
export function realCompilerBehindShim(file: string, host: Host): string | undefined {
  const p = pathModuleFor(host.platform);
  return findShimTarget(p.dirname(file), programNameOf(file, host.platform), host)?.realCompiler;
}

// A link in `bin` made after install (an upgrade adding clang-cpp -> clang,
// say) reaches the shim under a name the manifest does not list: follow its
// chain to the listed name it passes through.
export function findShimTargetThroughLinks(bin: string, name: string, host: Host): ShimTarget | undefined {
  const listed = new Set(readManifest(bin)?.entries.map((e) => programNameOf(e.name, host.platform)));
  const via = firstInBinOnChain(bin, name, (step) => listed.has(programNameOf(step, host.platform)), pathModuleFor(host.platform));
  return via === undefined ? undefined : findShimTarget(bin, programNameOf(via, host.platform), host);
}

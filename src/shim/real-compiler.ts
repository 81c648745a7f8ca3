import { HclError } from '../errors.js';
import { pathModuleFor, type Host } from '../host.js';
import { programNameOf } from '../invocation.js';
import { readJournal } from './journal.js';
import { MANIFEST_NAME } from './layout.js';
import { firstInBinOnChain } from './link-chain.js';
import { readManifest, type Manifest, type ManifestEntry } from './manifest.js';

// Where a shim's real compiler is: only ever a name in the shim's own bin
// dir, never through PATH, never outside the dir and never the shim itself,
// whatever a manifest or journal says. Normally the manifest names it. While
// an install or uninstall runs, the manifest may not be there yet (or any
// more), or the name it gives may have just gone: the shim then finds the
// compiler another way and runs it uncached rather than fail the build:
//   1. the invoked name itself, when it no longer leads to the shim (uninstall put it back);
//   2. the first name on the invoked name's link chain (itself first) whose real
//      compiler the manifest or the running transaction's journal names.

export interface ShimTarget {
  // The compiler's argv[0]: clang takes its driver mode from it.
  compiler: string;
  // What is run.
  file: string;
  cache: string | null;
  // Found another way than the manifest: no cache.
  uncached: boolean;
}

// The entry for `name` (as programNameOf gives it) in `manifest`.
function entryFor(manifest: Manifest | undefined, name: string, platform: NodeJS.Platform): ManifestEntry | undefined {
  return manifest?.entries.find((e) => programNameOf(e.name, platform) === name);
}

// The manifest entry for `name` in `bin`, if any (no filesystem checks).
export function findShimTarget(bin: string, name: string, host: Host): { entry: ManifestEntry; cache: string | null } | undefined {
  const manifest = readManifest(bin);
  const entry = entryFor(manifest, name, host.platform);
  return manifest && entry ? { entry, cache: manifest.cache } : undefined;
}

function tampered(bin: string, what: string, name: string, where: string): HclError {
  return new HclError(
    'manifest-corrupt',
    `refusing to run ${what}: ${name} ${where}, and a shim runs only a real compiler in its own bin dir ${bin}`,
    `check ${MANIFEST_NAME} and the links in that dir; 'hip-clang-launcher status ${bin}' shows what install recorded`,
  );
}

// `self`: this executable, resolved.
export function locateRealCompiler(bin: string, name: string, host: Host, self = host.realpath(host.execPath) ?? host.execPath): ShimTarget | undefined {
  const p = pathModuleFor(host.platform);
  const same = (a: string, b: string) => (host.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b);
  // `file` in bin, resolved; undefined when it is not there (it may just have moved).
  const inBin = (file: string, what: string): string | undefined => {
    const real = host.realpath(p.join(bin, file));
    if (real === undefined || !host.isExecutableFile(real)) return undefined;
    if (same(real, self)) throw tampered(bin, what, file, 'resolves to hip-clang-launcher itself');
    if (!same(p.dirname(real), bin)) throw tampered(bin, what, file, `resolves to ${real}, outside the bin dir`);
    return p.join(bin, file);
  };

  const manifest = readManifest(bin);
  const entry = entryFor(manifest, name, host.platform);
  const listed = entry && inBin(entry.realName, `the real compiler of ${name} that ${MANIFEST_NAME} names`);
  if (manifest && listed) return { compiler: listed, file: listed, cache: manifest.cache, uncached: false };

  const invoked = p.join(bin, name);
  const restored = host.realpath(invoked);
  if (restored !== undefined && !same(restored, self) && same(p.dirname(restored), bin) && host.isExecutableFile(restored)) {
    return { compiler: invoked, file: invoked, cache: null, uncached: true };
  }
  const journal = readJournal(bin);
  if (!manifest && !journal) return undefined;
  const realOf = (step: string): string | undefined => {
    const key = programNameOf(step, host.platform);
    return entryFor(manifest, key, host.platform)?.realName ?? Object.entries(journal?.header.reals ?? {}).find(([n]) => programNameOf(n, host.platform) === key)?.[1];
  };
  let found: string | undefined;
  const usable = (step: string): boolean => {
    const real = realOf(step);
    found = real === undefined ? undefined : inBin(real, `the real compiler of ${step} that the ${manifest ? 'manifest' : 'journal'} names`);
    return found !== undefined;
  };
  if (usable(name) || firstInBinOnChain(bin, name, usable, p) !== undefined) {
    return { compiler: invoked, file: found!, cache: null, uncached: true };
  }
  return undefined;
}

// For `hip-clang-launcher <bin>/clang++` where that file is one of our shims: its real compiler.
export function realCompilerBehindShim(file: string, host: Host): string | undefined {
  const p = pathModuleFor(host.platform);
  const bin = p.dirname(host.realpath(file) ?? file);
  return locateRealCompiler(bin, programNameOf(file, host.platform), host)?.file;
}

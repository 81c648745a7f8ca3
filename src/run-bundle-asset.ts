// Runs a bundle the single executable carries as a SEA asset, `<name>.js`:
// the bundle in the CommonJS wrapper, byte for byte the source V8's code
// cache for it, `<name>.cache`, was made from at build time
// (scripts/build.mjs, scripts/code-cache.mjs). Both the hot path's bundle
// (sea-entry.ts) and the admin CLI's (load-admin-cli.ts) load this way, so
// neither is compiled from source on each call. Should V8 reject the cache,
// or the executable carry none (Windows: a cache made by the Linux Node that
// builds it would be rejected), V8 compiles the source as usual. With
// HIP_CLANG_LAUNCHER_DEBUG set, each load says which it was, on fd 2
// directly: process.stderr would build a stream first (about 2 ms on a
// pipe), and the launcher's time by phase (launcher/phases.ts) would count it
// in `start`.
//
// The modules are fetched, not imported: this file is also in the hot path's
// bundle, where only the admin CLI's load reaches it.

export interface BundleAsset {
  // The asset's base name: main, cli.
  name: string;
  // How the debug line names it ('' for the hot path's, whose line predates the admin CLI's).
  what: string;
  // The script's name in stack traces.
  filename: string;
  // The wrapper's arguments.
  require: NodeJS.Require;
  moduleFilename: string;
  moduleDirname: string;
}

export function runBundleAsset(bundle: BundleAsset): unknown {
  const sea = process.getBuiltinModule('node:sea') as typeof import('node:sea');
  const { Script } = process.getBuiltinModule('node:vm') as typeof import('node:vm');
  // Both assets are read in place: V8 only reads the cache (getAsset would
  // copy it), and the bundle is ASCII (scripts/build.mjs checks), so its
  // bytes are its text as latin1, without a UTF-8 decoder (0.4M instructions
  // a call for the hot path's).
  const cache = rawAssetOrNull(sea, `${bundle.name}.cache`);
  const cachedData = cache ? new Uint8Array(cache) : undefined;
  const source = Buffer.from(sea.getRawAsset(`${bundle.name}.js`)).toString('latin1');
  const script = new Script(source, { filename: bundle.filename, cachedData });
  if (process.env.HIP_CLANG_LAUNCHER_DEBUG) {
    const { writeSync } = process.getBuiltinModule('node:fs') as typeof import('node:fs');
    const which = !cachedData ? 'absent; compiling' : script.cachedDataRejected ? 'rejected by V8; compiling' : 'accepted';
    writeSync(2, `hip-clang-launcher: debug: ${bundle.what ? `${bundle.what} ` : ''}code cache of ${cachedData?.length ?? 0} bytes ${which}\n`);
  }
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, bundle.require, module, bundle.moduleFilename, bundle.moduleDirname);
  return module.exports;
}

function rawAssetOrNull(sea: typeof import('node:sea'), name: string): ArrayBuffer | null {
  try {
    return sea.getRawAsset(name);
  } catch {
    return null;
  }
}

import { undoNodeSwitches } from './node-switches.js';
import { getRawAsset } from 'node:sea';
import { Script } from 'node:vm';
import { writeSync } from 'node:fs';

// The Linux executable's entry (scripts/build.mjs). The hot path's bundle
// (main.ts) ships as an asset beside V8's code cache for it, taken after
// warm-up calls (scripts/code-cache.mjs), so the cache holds the functions
// a compile runs and not only the top level, which is all Node's own SEA
// code cache holds: about 2 ms less per call. The asset is the bundle in
// the CommonJS wrapper, byte for byte the source the cache was made from.
// Should V8 reject the cache, it compiles the source as usual. With
// HIP_CLANG_LAUNCHER_DEBUG set, each call says which it was, on fd 2 directly:
// process.stderr would build a stream first (about 2 ms on a pipe), and the
// time by phase that follows (launcher/phases.ts) would count it in `start`.
undoNodeSwitches();
// Both assets are read in place: V8 only reads the cache (getAsset would copy
// it), and the bundle is ASCII (scripts/build.mjs checks), so its bytes are
// its text as latin1, without a UTF-8 decoder (0.4M instructions a call).
const cachedData = new Uint8Array(getRawAsset('main.cache'));
const script = new Script(Buffer.from(getRawAsset('main.js')).toString('latin1'), { filename: 'hip-clang-launcher', cachedData });
if (process.env.HIP_CLANG_LAUNCHER_DEBUG) {
  writeSync(2, `hip-clang-launcher: debug: code cache of ${cachedData.length} bytes ${script.cachedDataRejected ? 'rejected by V8; compiling' : 'accepted'}\n`);
}
const module = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, __filename, __dirname);

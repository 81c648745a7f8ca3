import { undoNodeSwitches } from './node-switches.js';
import { runBundleAsset } from './run-bundle-asset.js';

// The Linux executable's entry (scripts/build.mjs). The hot path's bundle
// (main.ts) ships as an asset beside V8's code cache for it, taken after
// warm-up calls (scripts/code-cache.mjs), so the cache holds the functions
// a compile runs and not only the top level, which is all Node's own SEA
// code cache holds: about 2 ms less per call. run-bundle-asset.ts loads it,
// as it loads the admin CLI's bundle.
undoNodeSwitches();
runBundleAsset({ name: 'main', what: '', filename: 'hip-clang-launcher', require, moduleFilename: __filename, moduleDirname: __dirname });

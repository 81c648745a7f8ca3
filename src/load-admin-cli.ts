import { join } from 'node:path';
import { runBundleAsset } from './run-bundle-asset.js';

// The admin CLI lives in its own bundle (cli.cjs) so that yargs and execa are
// never parsed on the compile hot path. In the single executable it is a SEA
// asset, in the CommonJS wrapper (cli.js), with V8's code cache for it
// (cli.cache) in the Linux executable: without one, each admin command
// compiled the 400 KB bundle from source. When run from build/ it is the file
// next to main.cjs.

export interface AdminCli {
  runAdminCli(args: string[]): Promise<void>;
}

export async function loadAdminCli(): Promise<AdminCli> {
  // Fetched here, not imported: the compile hot path never needs them.
  const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  // Not import(): the Linux executable runs this bundle as a vm.Script (sea-entry.ts), which has no dynamic import.
  const sea = process.getBuiltinModule('node:sea') as typeof import('node:sea') | undefined;
  if (sea?.isSea()) {
    const dir = join(process.execPath, '..');
    const filename = join(dir, 'cli.cjs');
    return runBundleAsset({ name: 'cli', what: 'admin CLI', filename, require: createRequire(process.execPath), moduleFilename: filename, moduleDirname: dir }) as AdminCli;
  }
  const require = createRequire(__filename);
  return require(join(__dirname, 'cli.cjs')) as AdminCli;
}

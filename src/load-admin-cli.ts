import { join } from 'node:path';

// The admin CLI lives in its own bundle (cli.cjs) so that yargs and execa are
// never parsed on the compile hot path. In the single executable it is a SEA
// asset; when run from build/ it is the file next to main.cjs.

export interface AdminCli {
  runAdminCli(args: string[]): Promise<void>;
}

export async function loadAdminCli(): Promise<AdminCli> {
  // Fetched here, not imported: the compile hot path never needs them.
  const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  const { compileFunction } = process.getBuiltinModule('node:vm') as typeof import('node:vm');
  // Not import(): the Linux executable runs this bundle as a vm.Script (sea-entry.ts), which has no dynamic import.
  const sea = process.getBuiltinModule('node:sea') as typeof import('node:sea') | undefined;
  if (sea?.isSea()) {
    const source = sea.getAsset('cli.cjs', 'utf8');
    const filename = join(process.execPath, '..', 'cli.cjs');
    const module = { exports: {} as AdminCli };
    const run = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
    run(module.exports, createRequire(process.execPath), module, filename, join(process.execPath, '..'));
    return module.exports;
  }
  const require = createRequire(__filename);
  return require(join(__dirname, 'cli.cjs')) as AdminCli;
}

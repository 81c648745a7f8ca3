import { isSea } from 'node:sea';
import type { CommandModule } from 'yargs';
import { HclError } from '../../errors.js';
import { CACHE_VAR } from '../../launcher/env-vars.js';
import { faultFromEnv, realFsOps, withFault } from '../../shim/fs-ops.js';
import { installShim } from '../../shim/install-shim.js';
import { VERSION } from '../../version.js';

interface Args {
  dir: string;
  names?: string;
  cache?: string;
}

// The shim is this very executable, copied into the tree: a plain-Node run has none to copy.
export function runningSingleExecutable(): string {
  if (!isSea()) {
    throw new HclError(
      'usage',
      'install copies the running executable into the tree, but this is not the single executable (the npm package and build/main.cjs run on Node)',
      'run install with the single executable (dist/<platform>/hip-clang-launcher); the npm package serves route 1 and CMake launchers',
    );
  }
  return process.execPath;
}

export function say(line: string): void {
  process.stdout.write(`hip-clang-launcher: ${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`hip-clang-launcher: warning: ${line}\n`);
}

// Installs the shim in place of ROCm's clang and clang++.
export const installCommand: CommandModule<object, Args> = {
  command: 'install <dir>',
  describe: 'install the shim in place of clang/clang++ in a ROCm tree (a ROCm root or an llvm bin dir)',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'ROCm root, or the llvm bin dir holding clang' })
      .option('names', { type: 'string', describe: 'comma-separated compiler names to wrap (default clang,clang++)' })
      .option('cache', { type: 'string', describe: `cache the shim uses unless ${CACHE_VAR} is set: auto, sccache, ccache, none, or a path` }),
  handler: (args) => {
    const result = installShim({
      given: args.dir,
      names: args.names?.split(','),
      cache: args.cache,
      platform: process.platform,
      shimSource: runningSingleExecutable(),
      toolVersion: VERSION,
      cwd: process.cwd(),
      ops: withFault(realFsOps, faultFromEnv(process.env)),
      warn,
    });
    if (result.recovered) say(result.recovered);
    for (const note of result.notes) say(note);
    const { manifest } = result;
    if (!result.changed) {
      say(`already installed in ${result.bin}; nothing changed`);
      return;
    }
    say(`installed in ${result.bin} (cache: ${manifest.cache ?? `auto, or ${CACHE_VAR}`})`);
    for (const e of manifest.entries) {
      const was = e.kind === 'file' ? 'a real binary, renamed' : `a link to ${e.originalTarget}; ${e.realName} -> ${e.realTarget}`;
      say(`  ${e.name} -> shim; real compiler ${e.realName} (${was})`);
    }
  },
};

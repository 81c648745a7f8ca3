import type { CommandModule } from 'yargs';
import { faultFromEnv, realFsOps, withFault } from '../../shim/fs-ops.js';
import { uninstallShim } from '../../shim/uninstall-shim.js';
import { say, warn } from './install.js';

interface Args {
  dir: string;
}

// Puts the original compilers back, byte for byte.
export const uninstallCommand: CommandModule<object, Args> = {
  command: 'uninstall <dir>',
  describe: 'remove the shim and put the original clang/clang++ back',
  builder: (y) => y.positional('dir', { type: 'string', demandOption: true, describe: 'ROCm root, or the llvm bin dir' }),
  handler: (args) => {
    const result = uninstallShim({
      given: args.dir,
      platform: process.platform,
      cwd: process.cwd(),
      ops: withFault(realFsOps, faultFromEnv(process.env)),
      warn,
    });
    if (result.recovered) say(result.recovered);
    for (const note of result.notes) say(note);
    say(result.removed.length === 0 ? `no shim installed in ${result.bin}; nothing changed` : `uninstalled from ${result.bin}: ${result.removed.join(', ')} restored`);
  },
};

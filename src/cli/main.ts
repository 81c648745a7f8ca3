import yargs from 'yargs';
import { failAndExit } from '../errors.js';
import { FAULT_VAR } from '../shim/fs-ops.js';
import { VERSION } from '../version.js';
import { commands } from './commands/index.js';
import { assertAbsoluteStateDirs } from '../launcher/state-dir.js';

// The admin CLI. Loaded only for subcommands, never on the compile path.
export async function runAdminCli(args: string[]): Promise<void> {
  const parser = yargs(args)
    .scriptName('hip-clang-launcher')
    .usage(
      [
        'hip-clang-launcher <compiler> <args...>   run one compile through sccache or ccache',
        'hip-clang-launcher <command> [options]    administer patches and shims',
        '',
        'A first argument that holds a path separator, or is not one of the commands',
        "below, is the compiler. Use 'hip-clang-launcher -- <name> ...' to force it.",
      ].join('\n'),
    )
    .version(VERSION)
    .alias('V', 'version')
    .help()
    .alias('h', 'help')
    .strict()
    .demandCommand(1, '')
    .recommendCommands()
    // A relative state directory would write state into each build directory: refused before any command runs.
    .middleware((argv) => {
      if (argv._[0] !== 'help' && argv._[0] !== 'version') assertAbsoluteStateDirs(process.env, process.platform);
    })
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, error, y) => {
      if (error) failAndExit(error);
      if (!message) {
        y.showHelp();
        process.exit(2);
      }
      process.stderr.write(`hip-clang-launcher: error: ${message}; run 'hip-clang-launcher --help'\n`);
      process.exit(2);
    });
  for (const command of commands) parser.command(command);
  parser.command('help', 'show this help', {}, () => {
    parser.showHelp('log');
  });
  parser.command('version', 'print the version', {}, () => console.log(VERSION));
  try {
    // Test hook (as for installs): a bug's own path, the one top-level catch and exit 70, tested on the built executable.
    if (process.env[FAULT_VAR] === 'internal-error') throw new Error(`${FAULT_VAR}=internal-error`);
    await parser.parseAsync();
  } catch (error) {
    failAndExit(error);
  }
}

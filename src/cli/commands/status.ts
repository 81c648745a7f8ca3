import type { CommandModule } from 'yargs';
import { exitCodeOfKind } from '../../errors.js';
import { CACHE_VAR } from '../../launcher/env-vars.js';
import { shimStatus } from '../../shim/shim-status.js';
import { printableJson, printableValue } from '../printable.js';

interface Args {
  dir: string;
  json: boolean;
}

// What is wrapped where, the real compilers, the cache, drift and half-finished work.
// Exit 0, or 12 when there is drift.
export const statusCommand: CommandModule<object, Args> = {
  command: 'status <dir>',
  describe: 'show the shims installed in a ROCm tree, their real compilers, and any drift',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'ROCm root, or the llvm bin dir' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: (args) => {
    // Names and targets come from the manifest and the tree: one line each, escaped.
    const say = (line: string) => console.log(printableValue(line));
    const status = shimStatus(args.dir, process.platform, process.cwd());
    // Drift is exit 12, as in the README's table, so a script or CI step sees it.
    if (status.drift.length > 0) process.exitCode = exitCodeOfKind('drift');
    if (args.json) {
      console.log(printableJson(status));
      return;
    }
    const { manifest } = status;
    say(`bin dir:  ${status.bin}`);
    if (status.interrupted) {
      const { action, pid, started, committed, journal } = status.interrupted;
      say(`journal:  an interrupted ${action} (pid ${pid}, started ${started}) left ${journal};`);
      say(`          the next install or uninstall ${committed ? 'completes it (it had committed)' : 'rolls it back (it had not committed)'}`);
    }
    if (!manifest) {
      say('shim:     not installed');
      return;
    }
    say(`shim:     ${manifest.shim} (hip-clang-launcher ${manifest.toolVersion}, installed ${manifest.installedAt})`);
    say(`cache:    ${manifest.cache ?? 'auto'} (${CACHE_VAR} in the environment overrides it)`);
    for (const e of manifest.entries) {
      const real = e.kind === 'symlink' ? `${e.realName} -> ${e.realTarget} (was a link to ${e.originalTarget})` : `${e.realName} (the original file)`;
      say(`wrapped:  ${e.name} -> real compiler ${real}`);
    }
    say(status.drift.length === 0 ? 'drift:    none' : `drift:    ${status.drift.length} finding(s); run install to repair`);
    for (const d of status.drift) say(`  ${d.name}: ${d.detail}`);
  },
};

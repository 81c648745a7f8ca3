import type { CommandModule } from 'yargs';
import { checkHipccCommand } from './check-hipcc.js';
import { doctorCommand } from './doctor.js';
import { installCommand } from './install.js';
import { patchCommand } from './patch.js';
import { statsCommand } from './stats.js';
import { statusCommand } from './status.js';
import { uninstallCommand } from './uninstall.js';
import { whichCacheCommand } from './which-cache.js';

// One file per command (corepack's sources/commands/). Each name here must
// also be in SUBCOMMANDS (src/invocation.ts): a test holds the two equal.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [whichCacheCommand, patchCommand, checkHipccCommand, installCommand, uninstallCommand, statusCommand, statsCommand, doctorCommand];

import type { CommandModule } from 'yargs';
import { createHost } from '../../host.js';
import { CACHE_VAR } from '../../launcher/env-vars.js';
import { chooseCache } from '../../launcher/find-cache.js';

interface Args {
  json: boolean;
}

// Prints which cache a compile would use right now, and why.
export const whichCacheCommand: CommandModule<object, Args> = {
  command: 'which-cache',
  describe: `show which cache a compile would use, and why (${CACHE_VAR})`,
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: (args) => {
    const choice = chooseCache(createHost(), true);
    if (args.json) {
      console.log(JSON.stringify(choice, null, 2));
      return;
    }
    console.log(`cache:   ${choice.file ?? 'none (compiles run directly)'}`);
    console.log(`kind:    ${choice.kind ?? '-'}`);
    console.log(`setting: ${CACHE_VAR}=${choice.setting}`);
    console.log(`reason:  ${choice.reason}`);
    for (const c of choice.considered) {
      console.log(`  considered ${c.file}${c.skipped ? ` (skipped: ${c.skipped})` : ''}`);
    }
  },
};

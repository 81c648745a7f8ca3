import type { CommandModule } from 'yargs';
import { createHost } from '../../host.js';
import { CACHE_VAR } from '../../launcher/env-vars.js';
import { chooseCache } from '../../launcher/find-cache.js';
import { formatError } from '../../errors.js';
import { readCacheVersion } from '../cache-stats.js';

interface Args {
  json: boolean;
}

const VERSION_TIMEOUT_MS = 10_000;

// Prints which cache a compile would use right now, and why.
export const whichCacheCommand: CommandModule<object, Args> = {
  command: 'which-cache',
  describe: `show which cache a compile would use, and why (${CACHE_VAR})`,
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: async (args) => {
    const choice = chooseCache(createHost(), true);
    // The version is what decides whether a cache can cache HIP (sccache 0.8+): shown, never fatal.
    let version: string | null = null;
    let versionError: string | undefined;
    if (choice.file) {
      try {
        version = await readCacheVersion(choice.file, VERSION_TIMEOUT_MS);
      } catch (error) {
        versionError = formatError(error).replace(/^hip-clang-launcher: error: /, '');
      }
    }
    if (args.json) {
      console.log(JSON.stringify({ ...choice, version, ...(versionError ? { versionError } : {}) }, null, 2));
      return;
    }
    console.log(`cache:   ${choice.file ?? 'none (compiles run directly)'}`);
    console.log(`kind:    ${choice.kind ?? '-'}`);
    if (choice.file) console.log(`version: ${version ?? `unknown (${versionError ?? 'no version number in its --version'})`}`);
    console.log(`setting: ${CACHE_VAR}=${choice.setting}`);
    console.log(`reason:  ${choice.reason}`);
    for (const c of choice.considered) {
      console.log(`  considered ${c.file}${c.skipped ? ` (skipped: ${c.skipped})` : ''}`);
    }
  },
};

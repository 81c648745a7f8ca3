import type { CommandModule } from 'yargs';
import { createHost } from '../../host.js';
import { learnCacheFacts, type CacheFacts } from '../../launcher/cache-facts.js';
import { CACHE_VAR } from '../../launcher/env-vars.js';
import { chooseCache, type CacheChoice, type CachePurpose } from '../../launcher/find-cache.js';

interface Args {
  json: boolean;
}

export interface PurposeChoice extends CacheChoice {
  facts: CacheFacts | undefined;
  // A one-line caveat, where the choice will not cache this kind of compile.
  warning: string | undefined;
}

// The cache each kind of compile would use: HIP may differ from C/C++ (auto
// mode passes over a cache too old to cache HIP).
export function chooseForEach(): Record<'c/c++' | 'hip', PurposeChoice> {
  const host = createHost();
  const one = (purpose: CachePurpose): PurposeChoice => {
    const choice = chooseCache(host, true, purpose);
    const facts = choice.file && choice.kind ? learnCacheFacts(choice.file, choice.kind, host) : undefined;
    const warning =
      purpose === 'hip' && facts?.cachesHip === false
        ? `${facts.kind} ${facts.version?.join('.')} cannot cache HIP: HIP compiles pass through it uncached (sccache 0.8+ or ccache can)`
        : undefined;
    return { ...choice, facts, warning };
  };
  return { 'c/c++': one('other'), hip: one('hip') };
}

// ` (sccache 0.10.0, caches HIP)`, or '' with nothing known.
export function describeFacts(facts: CacheFacts | undefined): string {
  if (!facts) return '';
  const version = facts.version ? ` ${facts.version.join('.')}` : ' (version unknown)';
  const hip = facts.cachesHip === undefined ? '' : facts.cachesHip ? ', caches HIP' : ', cannot cache HIP';
  return ` (${facts.kind}${version}${hip})`;
}

// Prints which cache a compile would use right now, and why.
export const whichCacheCommand: CommandModule<object, Args> = {
  command: 'which-cache',
  describe: `show which cache HIP and C/C++ compiles would use, and why (${CACHE_VAR})`,
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: (args) => {
    const choices = chooseForEach();
    if (args.json) {
      console.log(JSON.stringify(choices, null, 2));
      return;
    }
    console.log(`setting: ${CACHE_VAR}=${choices.hip.setting}`);
    for (const [label, choice] of Object.entries(choices)) {
      console.log(`${label}:${' '.repeat(6 - label.length)} ${choice.file ?? 'none (compiles run directly)'}${describeFacts(choice.facts)}`);
      console.log(`  reason: ${choice.reason}`);
      if (choice.warning) console.log(`  warning: ${choice.warning}`);
      for (const c of choice.considered) {
        console.log(`  considered ${c.file}${c.skipped ? ` (skipped: ${c.skipped})` : ''}`);
      }
    }
  },
};

import type { CommandModule } from 'yargs';
import { createHost } from '../../host.js';
import { learnCacheFacts, type CacheFacts } from '../../launcher/cache-facts.js';
import { BASEDIR_VAR, CACHE_VAR, CCACHE_BASEDIR, SCCACHE_BASEDIRS } from '../../launcher/env-vars.js';
import { SCCACHE_BASEDIRS_SINCE } from '../../launcher/hip-rules/base-dir.js';
import { compareVersions } from '../../launcher/cache-facts.js';
import { chooseCache, type CacheChoice, type CachePurpose } from '../../launcher/find-cache.js';

interface Args {
  json: boolean;
}

export interface PurposeChoice extends CacheChoice {
  facts: CacheFacts | undefined;
  // A one-line caveat, where the choice will not cache this kind of compile.
  warning: string | undefined;
  // Which of the cache's own settings HIP_CLANG_LAUNCHER_BASEDIR becomes, or why none.
  baseDir: string;
}

// What HIP_CLANG_LAUNCHER_BASEDIR maps to for this cache version.
export function baseDirSupport(facts: CacheFacts | undefined): string {
  if (facts?.kind === 'ccache') return `${BASEDIR_VAR} -> ${CCACHE_BASEDIR} (one directory)`;
  if (facts?.kind !== 'sccache') return `${BASEDIR_VAR}: no cache setting to map it to`;
  if (facts.version && compareVersions(facts.version, SCCACHE_BASEDIRS_SINCE) < 0) {
    return `${BASEDIR_VAR}: sccache ${facts.version.join('.')} has no ${SCCACHE_BASEDIRS} (0.14+); absolute paths in its key (-g, __FILE__, direct mode) miss in another checkout`;
  }
  return `${BASEDIR_VAR} -> ${SCCACHE_BASEDIRS}`;
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
    return { ...choice, facts, warning, baseDir: baseDirSupport(facts) };
  };
  return { 'c/c++': one('other'), hip: one('hip') };
}

function describeFacts(facts: CacheFacts | undefined): string {
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
      if (choice.file) console.log(`  base dir: ${choice.baseDir}`);
      for (const c of choice.considered) {
        console.log(`  considered ${c.file}${c.skipped ? ` (skipped: ${c.skipped})` : ''}`);
      }
    }
  },
};

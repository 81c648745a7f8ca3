import type { Rule } from './rule.js';

// A cache too old to cache HIP passes HIP compiles through uncached (sccache
// before 0.8 counts them "non-cacheable"). Auto mode never picks one for HIP
// (find-cache skips it); one chosen explicitly is obeyed, with a warning.
export const hipCapableCache: Rule = {
  name: 'hip-capable-cache',
  summary: 'HIP goes only to a cache version that can cache HIP (sccache 0.8+)',
  decide(call, world) {
    const cache = world.cache;
    if (!call.offload || !cache || cache.facts.cachesHip !== false) return undefined;
    const version = cache.facts.version?.join('.') ?? 'unknown';
    return {
      rule: this.name,
      reason: `${cache.facts.kind} ${version} cannot cache HIP (sccache 0.8+ or ccache can)`,
      warning: `${cache.file} (${cache.facts.kind} ${version}) cannot cache HIP: this compile runs uncached through it; install sccache 0.8+ or use ccache`,
    };
  },
};

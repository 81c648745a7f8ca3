import { compareVersions, type Version } from '../cache-facts.js';
import type { ParsedCall } from '../parse-call.js';
import type { Rule, World } from './rule.js';

// Call shapes that a cache version crashes on, fails, can answer with a
// stale object, or cannot store at all. Such a call runs the compiler
// directly: uncached, but right and never failed by the cache. One row per
// known defect; `fixedIn` is the first version known to be right (undefined:
// no fixed release yet, so every version is routed around).
export interface MishandledShape {
  cache: 'sccache' | 'ccache';
  fixedIn: Version | undefined;
  when(call: ParsedCall, world: World): boolean;
  why: string;
}

// A device-only compile asked for a depfile: clang 21 writes none (measured),
// clang 15 does and both caches then store it. An unknown version counts as new.
export const LAST_CLANG_WITH_DEVICE_DEPFILE = 15;
export const DEVICE_DEPFILE_SHAPE = (call: ParsedCall): boolean => call.offload && call.offloadMode === 'device-only' && call.depfile;
function deviceOnlyWithoutDepfile(call: ParsedCall, world: World): boolean {
  return DEVICE_DEPFILE_SHAPE(call) && !(world.clangMajor !== undefined && world.clangMajor <= LAST_CLANG_WITH_DEVICE_DEPFILE);
}

export const MISHANDLED_SHAPES: readonly MishandledShape[] = [
  {
    cache: 'sccache',
    fixedIn: undefined,
    when: deviceOnlyWithoutDepfile,
    why: 'clang (newer than 15) writes no depfile for a device-only compile and sccache then fails it ("failed to zip up compiler outputs")',
  },
  {
    cache: 'ccache',
    fixedIn: undefined,
    when: deviceOnlyWithoutDepfile,
    why: 'clang (newer than 15) writes no depfile for a device-only compile and ccache then stores nothing ("compiler produced no output"): it would only add a preprocessor run',
  },
  {
    cache: 'sccache',
    fixedIn: undefined,
    when: (call) => call.offloadCompress,
    why: 'sccache reads the --offload-compress preprocessor output as text (sccache #2762): missed includes or a crash',
  },
  {
    cache: 'ccache',
    fixedIn: [4, 11, 0],
    when: (call) => call.offloadCompress,
    why: 'ccache before 4.11 keys --offload-compress compiles on a compressed preprocessor output (fixed in ccache 4.11)',
  },
];

export const mishandledShapes: Rule = {
  name: 'mishandled-shape',
  summary: 'call shapes a cache version crashes on, fails, keys wrongly or cannot store compile directly',
  decide(call, world) {
    const cache = world.cache;
    if (!call.offload || !cache) return undefined;
    const { kind, version } = cache.facts;
    for (const shape of MISHANDLED_SHAPES) {
      if (shape.cache !== kind || !shape.when(call, world)) continue;
      if (shape.fixedIn && version && compareVersions(version, shape.fixedIn) >= 0) continue;
      return { rule: this.name, route: 'direct', reason: `${kind} ${version?.join('.') ?? ''}: ${shape.why}`.replace(/ {2}/, ' ') };
    }
    return undefined;
  },
};

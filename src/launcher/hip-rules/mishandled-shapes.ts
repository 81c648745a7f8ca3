import { compareVersions, type Version } from '../cache-facts.js';
import type { ParsedCall } from '../parse-call.js';
import type { Rule, World } from './rule.js';

// Call shapes that a cache version crashes on, fails, can answer with a
// stale object, or cannot store at all. Such a call runs the compiler
// directly: uncached, but right and never failed by the cache. One row per
// known defect; `fixedIn` is the first version known to be right (undefined:
// no fixed release yet, so every version is routed around). Rows apply to
// every language (C, C++, HIP) unless their `when` says otherwise.
export interface MishandledShape {
  // `any`: both caches mishandle it alike.
  cache: 'sccache' | 'ccache' | 'any';
  fixedIn: Version | undefined;
  when(call: ParsedCall, world: World): boolean;
  why: string;
}

// A device-only compile asked for a depfile: clang 21's driver passes the
// device -cc1 no -dependency-file (measured), clang 15's does and both caches
// then store it. An unknown version counts as new. Told to the -cc1 itself
// (`-Xclang -dependency-file -Xclang <file>`, as the split's device parts
// are), clang 21 writes it too (measured).
export const LAST_CLANG_WITH_DEVICE_DEPFILE = 15;
export const DEVICE_DEPFILE_SHAPE = (call: ParsedCall): boolean => call.offload && call.offloadMode === 'device-only' && call.depfile;
export function cc1ToldDepfile(args: readonly string[]): boolean {
  return args.some((a, i) => a === '-dependency-file' && args[i - 1] === '-Xclang');
}
// Whether a device-only compile's depfile gets written.
export function deviceDepfileWritten(call: ParsedCall, world: World): boolean {
  return (world.clangMajor !== undefined && world.clangMajor <= LAST_CLANG_WITH_DEVICE_DEPFILE) || cc1ToldDepfile(call.args);
}
function deviceOnlyWithoutDepfile(call: ParsedCall, world: World): boolean {
  return DEVICE_DEPFILE_SHAPE(call) && !deviceDepfileWritten(call, world);
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
    when: (call) => call.offload && call.offloadCompress,
    why: 'sccache reads the --offload-compress preprocessor output as text (sccache #2762): missed includes or a crash',
  },
  {
    cache: 'ccache',
    fixedIn: [4, 11, 0],
    when: (call) => call.offload && call.offloadCompress,
    why: 'ccache before 4.11 keys --offload-compress compiles on a compressed preprocessor output (fixed in ccache 4.11)',
  },
  // Measured with sccache 0.10 (clang-15, C, C++ and HIP): -o /dev/null is stored as
  // an empty object under the compile's key, so a later -o k.o hit is 0 bytes;
  // -o - fails on a miss (exit 254) and writes a file named "-" on a hit.
  {
    cache: 'any',
    fixedIn: undefined,
    when: (_call, world) => world.outputs?.object === 'not-a-file',
    why: 'the output (-o) is not a regular file (-, /dev/null, a device or FIFO): nothing a cache can store or restore (sccache stores an empty object for later hits, or fails)',
  },
  // Measured with ccache 4.7.5: -MF /dev/stdout fails ("Failed to read /dev/stdout"); into a pipe it can hang.
  {
    cache: 'any',
    fixedIn: undefined,
    when: (_call, world) => world.outputs?.depfile === 'not-a-file',
    why: 'the depfile (-MF) is not a regular file: a cache reads it back after the compile to store it (ccache fails, or hangs on a pipe)',
  },
  // Measured with ccache 4.7.5 and sccache 0.10 (clang-15): a warm hit restores
  // <out>.dwo but not the device side's <out>_<arch>.dwo. C and C++ are right.
  {
    cache: 'any',
    fixedIn: undefined,
    when: (call) => call.offload && call.splitDwarf,
    why: 'a HIP -gsplit-dwarf compile writes a .dwo per device arch, which a hit does not restore',
  },
];

export const mishandledShapes: Rule = {
  name: 'mishandled-shape',
  summary: 'call shapes a cache version crashes on, fails, keys wrongly or cannot store compile directly',
  decide(call, world) {
    const cache = world.cache;
    if (!cache) return undefined;
    const { kind, version } = cache.facts;
    for (const shape of MISHANDLED_SHAPES) {
      if ((shape.cache !== kind && shape.cache !== 'any') || !shape.when(call, world)) continue;
      if (shape.fixedIn && version && compareVersions(version, shape.fixedIn) >= 0) continue;
      return { rule: this.name, route: 'direct', reason: `${kind}${version ? ` ${version.join('.')}` : ''}: ${shape.why}` };
    }
    return undefined;
  },
};

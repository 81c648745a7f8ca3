// Which compiler calls a cache can serve. The rest go straight to the
// compiler and save starting the cache at all (ccache and sccache would only
// pass them through): probes that print facts about the compiler, and calls
// that compile nothing to an object (links, preprocess-only runs).

// Flags whose presence makes the whole call a probe.
export const PROBE_FLAGS: readonly string[] = [
  '--version',
  '-v',
  '-dumpmachine',
  '-dumpversion',
  '-dumpfullversion',
  '-###',
  '--help',
  '-help',
  '--help-hidden',
];
export const PROBE_PREFIXES: readonly string[] = ['-print-', '--print-'];

// Flags that ask for a compiled (or assembled) output: only these are worth a cache look-up.
export const COMPILE_FLAGS: readonly string[] = ['-c', '-S'];

export type CallKind = 'compile' | 'probe' | 'other';

export function classifyCall(args: readonly string[]): CallKind {
  let compiles = false;
  for (const arg of args) {
    if (PROBE_FLAGS.includes(arg)) {
      // `-v` next to a compile is verbose output, not a probe.
      if (arg === '-v') continue;
      return 'probe';
    }
    if (PROBE_PREFIXES.some((prefix) => arg.startsWith(prefix))) return 'probe';
    if (COMPILE_FLAGS.includes(arg)) compiles = true;
    // A response file may hold -c: let the cache read it.
    if (arg.startsWith('@')) compiles = true;
  }
  if (!compiles && args.length === 1 && args[0] === '-v') return 'probe';
  return compiles ? 'compile' : 'other';
}

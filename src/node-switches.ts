import type * as FsModule from 'node:fs';
import type * as OsModule from 'node:os';
import type * as PathModule from 'node:path';

// Node reads some of its own switches from the environment before any of our
// code runs, and a build environment may carry them for another program:
// NODE_DEBUG made every spawn print the whole environment (CI secrets
// included) into the build log, and NODE_V8_COVERAGE made every call write a
// coverage file. They are undone here, first thing, with the internals the
// Linux executable runs with (--expose-internals, scripts/build.mjs); the
// environment itself is left as it is, so the compiler still receives them
// unchanged. NODE_OPTIONS never reaches our runtime (execArgvExtension
// "none"). NODE_COMPILE_CACHE: Node makes its directory before any
// JavaScript runs, and nothing is compiled through the module loader that
// would put a file there. Under plain Node (no internals) nothing is undone.

type Internal = { initializeDebugEnv?: (value: string | undefined) => void; internalBinding?: (name: string) => Record<string, unknown> };

// internal/test/binding warns on stderr when first loaded ("for internal
// testing only"), on the next tick: a call that spawns, and the admin CLI,
// would print it. Loaded once, quietly (the module is cached after that).
function internal(id: string): Internal | undefined {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return process.getBuiltinModule(id) as Internal | undefined;
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
}

export function undoNodeSwitches(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_DEBUG) internal('internal/util/debuglog')?.initializeDebugEnv?.(undefined);
  if (env.NODE_V8_COVERAGE) endCoverage();
}

// Node writes the coverage it collected at exit (an exec included). Ending it
// now writes it into a private directory, removed at once; nothing is written
// later. Only when the variable is set: about 8 ms.
function endCoverage(): void {
  const profiler = internal('internal/test/binding')?.internalBinding?.('profiler') as
    | { setCoverageDirectory?: (dir: string) => void; endCoverage?: () => void }
    | undefined;
  if (typeof profiler?.setCoverageDirectory !== 'function' || typeof profiler.endCoverage !== 'function') return;
  const fs = process.getBuiltinModule('node:fs') as typeof FsModule;
  const os = process.getBuiltinModule('node:os') as typeof OsModule;
  const path = process.getBuiltinModule('node:path') as typeof PathModule;
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hip-clang-launcher-coverage-'));
  } catch {
    return;
  }
  try {
    profiler.setCoverageDirectory(dir);
    profiler.endCoverage();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLabBuild, runLabBuildAsync, shimmedLlvm21, statsOf, symbolsOf, takeCallLog, type LabCache } from '../lab/lab-builds.js';
import { hcl, HIPCC_NAMES, makeTree } from '../shim/trees.js';
import { freePort, parseCcacheStats, parseSccacheStats } from './caches.js';
import { SHARED_MACHINE_CCACHE } from './hip-projects.js';
import { runAsync } from './run-built.js';
import { runOnce } from './run-once.js';
import { makeTempDir } from './temp-dir.js';
import { built, hipEnv, repoRoot, tools, toolsDir } from './tools.js';

// rocThrust's example programs (Debian sid's source, provisioned into the lab's
// sources) built by test/fixtures/rocthrust-examples/Makefile with plain `make`:
// every program is one compile-and-link call. With HIP_CLANG_LAUNCHER_SPLIT=on
// the launcher compiles each source through the cache, then links, so a
// `make clean && make` is all hits. A subset here (one single-source program,
// and the one that links host.cpp with device.cu); the full set is the bench's
// `makefile` group. Two toolchains: the sid lab (Debian's hipcc 7.0.2,
// clang-21) and the Debian 12 host (perl hipcc 5.2.3, clang-15).

const labSrc = join(toolsDir, 'lab-src');
const rocthrust = join(labSrc, 'rocthrust-6.4.4');
const rocprim = join(labSrc, 'rocPRIM-rocm-6.4.3');
export const SINGLE = 'saxpy';
export const MULTI = 'cpp_integration';
// Compile parts of one build: saxpy.cu, host.cpp and device.cu.
const COMPILES = 3;

export type Cache = LabCache;

export interface Toolchain {
  label: string;
  // clang++ for the launcher-directly route, and the directory the distribution's hipcc runs.
  clang: string;
  clangDir: string;
  // HIPFLAGS for that route: HIP by -x hip, and where clang finds ROCm.
  directFlags: string;
  // Installs the shim into a copy of the clang directory hipcc runs; returns that bin directory.
  shim(dir: string): string;
  // The environment hipcc needs to run the clang of `clangBin`.
  hipccEnv(clangBin: string): Record<string, string>;
  // Runs `body` (sh) in dir with $LAUNCHER set, the cache's server up and `stats NAME` defined;
  // `shared`: directories outside dir that the build uses (the shim's tree), which the lab binds.
  run(dir: string, cache: Cache, body: string, env?: Record<string, string>, shared?: string[]): void;
  // The same without blocking the test worker: the uncached build, while the routes build.
  start(dir: string, cache: Cache, body: string, env?: Record<string, string>): Promise<void>;
  stats(dir: string, cache: Cache, name: string): { hits: number; misses: number };
}

export const LAB: Toolchain = {
  label: 'lab',
  clang: '/usr/lib/llvm-21/bin/clang++',
  clangDir: '/usr/lib/llvm-21/bin',
  directFlags: '-x hip --offload-arch=gfx90a -O2 -std=c++17',
  shim: shimmedLlvm21,
  hipccEnv: (bin) => ({ HIP_CLANG_PATH: bin }),
  run: (dir, cache, body, env = {}, shared = []) => void runLabBuild(dir, cache, body, env, [labSrc], shared),
  start: async (dir, cache, body, env = {}) => void (await runLabBuildAsync(dir, cache, body, env, [labSrc])),
  stats: statsOf,
};

// A host build's script: `body` in dir with the cache's server up around it and `stats NAME` defined.
let nextScript = 0;
function hostScript(dir: string, cache: Cache, body: string): string {
  const sccache = tools.sccacheHip;
  const functions =
    cache === 'ccache'
      ? ['start_cache() { :; }', 'stop_cache() { :; }', 'stats() { ccache --print-stats > "$W/$1.stats"; }']
      : [
          `start_cache() { "${sccache}" --start-server >/dev/null; }`,
          `stop_cache() { "${sccache}" --stop-server >/dev/null 2>&1 || true; }`,
          `stats() { "${sccache}" --show-stats --stats-format json > "$W/$1.stats"; }`,
        ];
  const script = join(dir, `build-${Date.now()}-${nextScript++}.sh`);
  writeFileSync(script, ['set -e', ...functions, 'cd "$W"', 'start_cache', 'trap stop_cache EXIT', body, ''].join('\n'));
  return script;
}

function hostEnv(dir: string, cache: Cache, env: Record<string, string>): NodeJS.ProcessEnv {
  // Each script starts and stops its own server: a port the kernel just gave, never a fixed one.
  // A header whose ctime moves mid-compile leaves no manifest (SHARED_MACHINE_CCACHE).
  const cacheEnv = cache === 'ccache' ? { CCACHE_DIR: join(dir, 'ccache'), ...SHARED_MACHINE_CCACHE } : { SCCACHE_DIR: join(dir, 'sccache'), SCCACHE_SERVER_PORT: String(freePort()), SCCACHE_IDLE_TIMEOUT: '0' };
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HIP_PLATFORM: 'amd',
    W: dir,
    LAUNCHER: built.linux,
    HIP_CLANG_LAUNCHER_CACHE: cache === 'ccache' ? 'ccache' : tools.sccacheHip,
    HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'),
    HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.jsonl'),
    ...cacheEnv,
    ...env,
  };
}

// The host: ccache 4.7 (Debian 12) or the HIP-capable sccache 0.10 (Debian 13's, provisioned).
export const HOST: Toolchain = {
  label: 'host',
  clang: tools.clangxx,
  clangDir: '/usr/lib/llvm-15/bin',
  directFlags: `-x hip --offload-arch=gfx90a -O2 -std=c++17 --rocm-path=/usr --rocm-device-lib-path=${tools.deviceLibPath}`,
  shim(dir) {
    const tree = makeTree(dir, 'symlink-chain');
    const r = hcl(['install', tree.bin, '--names', HIPCC_NAMES]);
    expect(r.status, r.stderr).toBe(0);
    return tree.bin;
  },
  hipccEnv: (bin) => hipEnv(bin),
  run(dir, cache, body, env = {}) {
    const r = spawnSync('sh', [hostScript(dir, cache, body)], { cwd: dir, env: hostEnv(dir, cache, env), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  },
  async start(dir, cache, body, env = {}) {
    const r = await runAsync('sh', [hostScript(dir, cache, body)], { cwd: dir, env: hostEnv(dir, cache, env) });
    expect(r.status, `${r.stdout.toString()}\n${r.stderr}`).toBe(0);
  },
  stats(dir, cache, name) {
    const text = readFileSync(join(dir, `${name}.stats`), 'utf8');
    const { hits, misses } = cache === 'ccache' ? parseCcacheStats(text) : parseSccacheStats(text);
    return { hits, misses };
  },
};

const make = (hipcc: string, extra = '') =>
  `make -s ROCTHRUST=${rocthrust} ROCPRIM=${rocprim} PROGRAMS=${SINGLE} MULTI=${MULTI} HIPCC="${hipcc}" ${extra} >/dev/null 2>&1`;

// Each route as the Makefile's HIPCC (and flags); hipcc finds the shim as its clang (HIP_CLANG_PATH).
export const ROUTES = {
  // The shim installed in the clang directory the distribution's hipcc runs.
  'shim under hipcc': () => make('hipcc'),
  // hipcc behind the launcher: these hipccs ignore HIP_CLANG_LAUNCHER, so the launcher runs
  // hipcc directly and its clang calls reach the shim (the README's route for such a hipcc).
  'hipcc behind the launcher': () => make('$LAUNCHER hipcc'),
  // The launcher called directly with clang++, as a Makefile's CXX: the runtime by -l.
  'the launcher directly': (t: Toolchain) => make(`$LAUNCHER ${t.clang}`, `HIPFLAGS="${t.directFlags}" LDFLAGS=-lamdhip64`),
} as const;
export type Route = keyof typeof ROUTES;

interface Part {
  name: string;
  cuid?: string;
  route: string;
}
interface Call {
  compiler: string;
  route: string;
  reason: string;
  cwd: string;
  output?: string;
  args: string[];
  parts?: Part[];
}

// The host program's code and data: the same bytes whatever -cuid the sources had.
const HOST_SECTIONS = ['.text', '.rodata', '.data'];

function sectionOf(file: string, section: string): Buffer {
  const out = `${file}${section}.bin`;
  execFileSync('objcopy', ['-O', 'binary', `--only-section=${section}`, file, out]);
  try {
    return readFileSync(out);
  } finally {
    rmSync(out, { force: true });
  }
}

// nm's listing with the ids masked, in a fixed order (two masked ids sort by their old hex).
function sortedSymbols(file: string): string {
  return symbolsOf(file).split('\n').sort().join('\n');
}

export interface MakefileBuild {
  toolchain: Toolchain;
  dir: string;
  cache: Cache;
  // The shim's tree (shared by the toolchain's files: sharedShim) and its bin directory.
  shimRoot: string;
  shimBin: string;
  // The uncached build's directory, with the programs under uncached/ (awaited where compared).
  uncached: Promise<string>;
}

const progress = (t: Toolchain, text: string) => process.stdout.write(`makefile (${t.label}): ${text}\n`);

// The uncached build (the distribution's hipcc, no shim, no launcher, no cache) that every
// route is compared with: the same programs for both caches, so built once per toolchain and
// run (runOnce), by whichever of the toolchain's two files asks first, without blocking that
// file's worker (toolchain.start): its routes build meanwhile.
function uncachedBuild(toolchain: Toolchain): Promise<string> {
  return runOnce(`makefile-uncached-${toolchain.label}`, (dir) => {
    progress(toolchain, "uncached build (the distribution's hipcc), shared by this run's files for this toolchain");
    copyFileSync(join(repoRoot, 'test/fixtures/rocthrust-examples/Makefile'), join(dir, 'Makefile'));
    return toolchain.start(dir, 'ccache', [make('hipcc'), `mkdir -p uncached && mv ${SINGLE} ${MULTI} uncached/`].join('\n'), toolchain.hipccEnv(toolchain.clangDir));
  });
}

// The shim installed into a copy of the clang directory hipcc runs, once per toolchain and run
// (runOnce), for both caches' files: each file's builds run through it with the file's own
// cache, state directory and call log, as builds of two projects run through one installed shim.
// One tree also gives both files the same logged one-step calls (hipcc names the tree in them),
// so each one-step reference is compiled once (oneStepReference).
async function sharedShim(toolchain: Toolchain): Promise<{ root: string; bin: string }> {
  const root = await runOnce(`makefile-shim-${toolchain.label}`, (dir) => {
    progress(toolchain, "shim installed in a copy of hipcc's clang directory, shared by this run's files for this toolchain");
    writeFileSync(join(dir, 'bin.path'), toolchain.shim(dir));
  });
  return { root, bin: readFileSync(join(root, 'bin.path'), 'utf8') };
}

// The uncached build started (or found, when another file made it), and the shim installed (or
// found): the routes build meanwhile, and wait for the uncached build only to compare.
export async function prepareMakefileBuild(toolchain: Toolchain, root: string, cache: Cache): Promise<MakefileBuild> {
  const dir = mkdtempSync(join(root, `${cache}-`));
  copyFileSync(join(repoRoot, 'test/fixtures/rocthrust-examples/Makefile'), join(dir, 'Makefile'));
  const uncached = uncachedBuild(toolchain);
  // Awaited by each route's check; a failure is reported there, not as an unhandled rejection first.
  uncached.catch(() => {});
  const shim = await sharedShim(toolchain);
  takeCallLog(dir);
  return { toolchain, dir, cache, shimRoot: shim.root, shimBin: shim.bin, uncached };
}

// One route: `make clean`, `make` (cold for its own command lines), `make clean`, `make` (warm),
// the cache's statistics saved around each, the programs of both kept. Returns the call log.
export function buildRoute(build: MakefileBuild, route: Route): Call[] {
  const { toolchain, dir, cache } = build;
  const tag = route.replace(/ /g, '-');
  progress(toolchain, `${cache}, ${route}: make clean, make, make clean, make`);
  // ccache (the sid lab's, as the host's: hostEnv) stores no manifest for a compile during which
  // a header's ctime moved, and the warm build then misses it (SHARED_MACHINE_CCACHE). sccache ignores it.
  const env = { HIP_CLANG_LAUNCHER_SPLIT: 'on', ...SHARED_MACHINE_CCACHE, ...toolchain.hipccEnv(build.shimBin) };
  const command = ROUTES[route](toolchain);
  toolchain.run(
    dir,
    cache,
    ['make -s clean', `stats ${tag}-before`, command, `stats ${tag}-cold`, `mkdir -p ${tag}-cold && cp ${SINGLE} ${MULTI} ${tag}-cold/`, 'make -s clean', command, `stats ${tag}-warm`].join('\n'),
    env,
    [build.shimRoot],
  );
  return takeCallLog(dir) as Call[];
}

export async function checkRoute(build: MakefileBuild, route: Route, calls: Call[]): Promise<void> {
  const { toolchain, dir, cache } = build;
  const tag = route.replace(/ /g, '-');
  const stats = (name: string) => toolchain.stats(dir, cache, `${tag}-${name}`);
  const [before, cold, warm] = [stats('before'), stats('cold'), stats('warm')];
  // Warm: every compile part a hit, no miss. Cold: one lookup per source (a hit where an
  // earlier route compiled the same command line).
  expect(warm.hits - cold.hits, `${route}: warm hits`).toBe(COMPILES);
  expect(warm.misses - cold.misses, `${route}: warm misses`).toBe(0);
  expect(cold.hits + cold.misses - before.hits - before.misses, `${route}: cold lookups`).toBe(COMPILES);

  // The log: each program's call was split, each compile part went to the cache, the link
  // (a link of objects: no cache stores it) ran with that reason; nothing else ran uncached but
  // hipcc's probes of its clang (`--version` and the like: they compile nothing) and hipcc
  // itself, which the launcher runs directly and says why.
  const programs = calls.filter((c) => c.parts);
  expect(programs.map((c) => c.output).sort(), route).toEqual([MULTI, SINGLE, MULTI, SINGLE].sort());
  for (const c of programs) {
    expect(c.route, c.reason).toBe('split');
    expect(c.parts!.filter((p) => p.name.startsWith('compile ')).map((p) => p.route)).toEqual(c.output === MULTI ? ['cache', 'cache'] : ['cache']);
    expect(c.parts!.at(-1)).toMatchObject({ name: 'link', route: 'not-cacheable' });
  }
  for (const c of calls.filter((c) => !c.parts && c.route !== 'probe')) {
    expect(c.compiler, `${route}: an unsplit call ${JSON.stringify(c)}`).toBe(tools.hipccPerl);
    expect(c.reason).toContain('this hipcc ignores HIP_CLANG_LAUNCHER');
  }

  // The single-source program: clang's one-step call (the warm build's logged compiler and
  // command line, from its logged directory) given its compile part's -cuid writes the same
  // bytes as the cold and the warm build.
  const single = programs.filter((c) => c.output === SINGLE).at(-1)!;
  const cuid = single.parts![0]!.cuid!;
  expect(cuid).toMatch(/^[0-9a-f]{16}$/);
  const refBytes = await oneStepReference(build, single, cuid, tag);
  expect(readFileSync(join(dir, SINGLE)).equals(refBytes), `${route}: warm ${SINGLE} = one-step with -cuid`).toBe(true);
  expect(readFileSync(join(dir, `${tag}-cold`, SINGLE)).equals(refBytes), `${route}: cold ${SINGLE} = one-step with -cuid`).toBe(true);

  // Both programs against the uncached build: the same symbols at the same addresses (clang's
  // per-source id masked), the host code and data byte for byte, and an embedded device bundle
  // of the same size (its bytes hold the ids). Warm equals cold byte for byte (the same ids
  // from the same paths).
  const uncached = join(await build.uncached, 'uncached');
  for (const program of [SINGLE, MULTI]) {
    const [got, want] = [join(dir, program), join(uncached, program)];
    expect(sortedSymbols(got), `${route}: ${program} symbols`).toBe(sortedSymbols(want));
    for (const section of HOST_SECTIONS) expect(sectionOf(got, section).equals(sectionOf(want, section)), `${route}: ${program} ${section}`).toBe(true);
    expect(sectionOf(got, '.hip_fatbin').length, `${route}: ${program} .hip_fatbin size`).toBe(sectionOf(want, '.hip_fatbin').length);
    expect(readFileSync(got).equals(readFileSync(join(dir, `${tag}-cold`, program))), `${route}: ${program} warm = cold`).toBe(true);
  }
  progress(toolchain, `${cache}, ${route}: warm ${warm.hits - cold.hits} hits, 0 misses; ${SINGLE} = one-step -cuid=${cuid}; ${MULTI} symbols = uncached`);
}

// clang's one-step compile of the single-source program: the logged compiler and command line,
// from the logged directory, given the compile part's -cuid. Made once per command line and -cuid
// in a run (runOnce): the routes that log the same call (the shim under hipcc, hipcc behind the
// launcher) and the two caches' files share it. The directory is left out of the key: each file
// builds in a directory of its own, and the call's relative paths (-Igen, -o) name the same
// files in every one (gen/ made by the same rule from the same sources); a reference that did
// depend on the directory would fail the comparison, never pass it. It runs the real clang,
// no cache (so no cache server is started for it).
async function oneStepReference(build: MakefileBuild, single: Call, cuid: string, tag: string): Promise<Buffer> {
  const { toolchain, dir } = build;
  const key = createHash('md5').update(JSON.stringify([single.compiler, single.args, cuid])).digest('hex').slice(0, 16);
  const once = await runOnce(`makefile-one-step-${toolchain.label}-${key}`, (out) => {
    const ref = join(dir, `${tag}.ref`);
    const args = single.args.map((a) => (a === SINGLE ? ref : a));
    toolchain.run(dir, 'ccache', `cd ${single.cwd} && ${single.compiler} ${args.map((a) => `'${a}'`).join(' ')} -cuid=${cuid} >/dev/null 2>&1`, toolchain.hipccEnv(build.shimBin), [build.shimRoot]);
    copyFileSync(ref, join(out, SINGLE));
  });
  return readFileSync(join(once, SINGLE));
}

// One test file's suite: the uncached build, then each route made, cleaned and made again, checked.
export function describeMakefileRoutes(toolchain: Toolchain, cache: Cache, timeout: number): void {
  const root = makeTempDir(`hcl-${toolchain.label}-makefile-${cache}-`);
  describe(`rocThrust examples by plain make (${toolchain.label}), ${cache}, HIP_CLANG_LAUNCHER_SPLIT=on`, () => {
    let build: MakefileBuild;
    beforeAll(async () => {
      build = await prepareMakefileBuild(toolchain, root, cache);
    }, timeout);

    it.each(Object.keys(ROUTES) as Route[])('%s: warm make is all hits, programs as uncached', async (route) => {
      await checkRoute(build, route, buildRoute(build, route));
    }, timeout);
  });
}

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { repoRoot, toolsDir } from '../helpers/tools.js';
import { runLabBuild, shimmedLlvm21, statsOf, symbolsOf, takeCallLog, type LabCache } from './lab-builds.js';

// rocThrust's example programs (Debian sid's source, provisioned into the lab's
// sources) built by test/fixtures/rocthrust-examples/Makefile with plain `make`:
// every program is one compile-and-link call. With HIP_CLANG_LAUNCHER_SPLIT=on
// the launcher compiles each source through the cache, then links, so a
// `make clean && make` is all hits. A subset here (one single-source program,
// and the one that links host.cpp with device.cu); the full set is the bench's
// `makefile` group.

const labSrc = join(toolsDir, 'lab-src');
const rocthrust = join(labSrc, 'rocthrust-6.4.4');
const rocprim = join(labSrc, 'rocPRIM-rocm-6.4.3');
const CLANG = '/usr/lib/llvm-21/bin/clang++';
export const SINGLE = 'saxpy';
export const MULTI = 'cpp_integration';
// Compile parts of one build: saxpy.cu, host.cpp and device.cu.
const COMPILES = 3;

const make = (hipcc: string, extra = '') =>
  `make -s ROCTHRUST=${rocthrust} ROCPRIM=${rocprim} PROGRAMS=${SINGLE} MULTI=${MULTI} HIPCC="${hipcc}" ${extra} >/dev/null 2>&1`;

// Each route as the Makefile's HIPCC (and flags): hipcc finds the shim as its clang (HIP_CLANG_PATH).
export const ROUTES = {
  // The shim installed in the clang directory Debian's hipcc 7.0.2 runs.
  'shim under hipcc': make('hipcc'),
  // hipcc behind the launcher: this hipcc ignores HIP_CLANG_LAUNCHER, so the launcher runs it
  // directly and its clang calls reach the shim (the README's route for such a hipcc).
  'hipcc behind the launcher': make('$LAUNCHER hipcc'),
  // The launcher called directly with clang++, as a Makefile's CXX: HIP by -x hip, the runtime by -l.
  'the launcher directly': make(`$LAUNCHER ${CLANG}`, 'HIPFLAGS="-x hip --offload-arch=gfx90a -O2" LDFLAGS=-lamdhip64'),
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

export interface MakefileBuild {
  dir: string;
  cache: LabCache;
}

const progress = (text: string) => process.stdout.write(`makefile (lab): ${text}\n`);

// The uncached build (Debian's hipcc, no shim, no launcher) that every route is compared with.
export function prepareMakefileBuild(root: string, cache: LabCache): MakefileBuild {
  const dir = mkdtempSync(join(root, `${cache}-`));
  copyFileSync(join(repoRoot, 'test/fixtures/rocthrust-examples/Makefile'), join(dir, 'Makefile'));
  shimmedLlvm21(dir);
  progress(`${cache}: uncached build (Debian's hipcc 7.0.2, clang-21)`);
  runLabBuild(dir, cache, [make('hipcc'), `mkdir -p uncached && mv ${SINGLE} ${MULTI} uncached/`].join('\n'), { HIP_CLANG_LAUNCHER_SPLIT: 'on' }, [labSrc]);
  takeCallLog(dir);
  return { dir, cache };
}

// One route: `make` (cold for its own command lines), `make clean`, `make` (warm), the cache's
// statistics saved around each, the programs of both kept; then each single-source program
// replayed as clang's one-step call with the -cuid its compile part was given.
export function buildRoute(build: MakefileBuild, route: Route): Call[] {
  const { dir, cache } = build;
  const tag = route.replace(/ /g, '-');
  progress(`${cache}, ${route}: make, make clean, make`);
  const env = { HIP_CLANG_LAUNCHER_SPLIT: 'on', HIP_CLANG_PATH: join(dir, 'llvm-21/bin') };
  runLabBuild(
    dir,
    cache,
    [
      `stats ${tag}-before`,
      ROUTES[route],
      `stats ${tag}-cold`,
      `mkdir -p ${tag}-cold && cp ${SINGLE} ${MULTI} ${tag}-cold/`,
      'make -s clean',
      ROUTES[route],
      `stats ${tag}-warm`,
    ].join('\n'),
    env,
    [labSrc],
  );
  return takeCallLog(dir) as Call[];
}

// The calls of the cold and the warm make (make -s runs one at a time).
function splitLog(calls: Call[]): { cold: Call[]; warm: Call[] } {
  const links = calls.filter((c) => c.parts);
  const half = links.length / 2;
  const cutAt = calls.indexOf(links[half]!);
  return { cold: calls.slice(0, cutAt), warm: calls.slice(cutAt) };
}

export function checkRoute(build: MakefileBuild, route: Route, calls: Call[]): void {
  const { dir, cache } = build;
  const tag = route.replace(/ /g, '-');
  const before = statsOf(dir, cache, `${tag}-before`);
  const cold = statsOf(dir, cache, `${tag}-cold`);
  const warm = statsOf(dir, cache, `${tag}-warm`);
  // Warm: every compile part a hit, no miss.
  expect(warm.hits - cold.hits, `${route}: warm hits`).toBe(COMPILES);
  expect(warm.misses - cold.misses, `${route}: warm misses`).toBe(0);
  expect(cold.hits + cold.misses - before.hits - before.misses, `${route}: cold lookups`).toBe(COMPILES);

  // The log: each program's call was split, each compile part went to the cache, the link
  // (a link of objects: no cache stores it) ran with that reason; nothing else ran uncached but
  // hipcc itself, which the launcher runs directly and says why.
  const programs = calls.filter((c) => c.parts);
  expect(programs.map((c) => c.output).sort(), route).toEqual([MULTI, SINGLE, MULTI, SINGLE].sort());
  for (const c of programs) {
    expect(c.route, c.reason).toBe('split');
    expect(c.parts!.filter((p) => p.name.startsWith('compile ')).map((p) => p.route)).toEqual(c.output === MULTI ? ['cache', 'cache'] : ['cache']);
    expect(c.parts!.at(-1)).toMatchObject({ name: 'link', route: 'not-cacheable' });
  }
  for (const c of calls.filter((c) => !c.parts)) {
    expect(c.compiler, `${route}: an unsplit call ${JSON.stringify(c)}`).toBe('/usr/bin/hipcc');
    expect(c.reason).toContain('this hipcc ignores HIP_CLANG_LAUNCHER');
  }
  const { warm: warmCalls } = splitLog(calls);

  // The single-source program: clang's one-step call (the logged command line, from the logged
  // directory) given its compile part's -cuid writes the same bytes as the cold and warm builds.
  const single = warmCalls.find((c) => c.output === SINGLE)!;
  const cuid = single.parts![0]!.cuid!;
  expect(cuid).toMatch(/^[0-9a-f]{16}$/);
  const ref = join(dir, `${tag}.ref`);
  const args = single.args.map((a) => (a === SINGLE ? ref : a));
  runLabBuild(dir, cache, `cd ${single.cwd} && ${CLANG} ${args.map((a) => `'${a}'`).join(' ')} -cuid=${cuid} >/dev/null 2>&1`, {}, [labSrc]);
  const refBytes = readFileSync(ref);
  expect(readFileSync(join(dir, SINGLE)).equals(refBytes), `${route}: warm ${SINGLE} = one-step with -cuid`).toBe(true);
  expect(readFileSync(join(dir, `${tag}-cold`, SINGLE)).equals(refBytes), `${route}: cold ${SINGLE} = one-step with -cuid`).toBe(true);

  // Both programs: the uncached build's symbols (clang's per-source id masked), and the same
  // program warm as cold (same ids from the same paths).
  for (const program of [SINGLE, MULTI]) {
    expect(symbolsOf(join(dir, program)), `${route}: ${program} symbols`).toBe(symbolsOf(join(dir, 'uncached', program)));
    expect(readFileSync(join(dir, program)).equals(readFileSync(join(dir, `${tag}-cold`, program))), `${route}: ${program} warm = cold`).toBe(true);
  }
  progress(`${cache}, ${route}: warm ${warm.hits - cold.hits} hits, 0 misses; ${SINGLE} = one-step -cuid=${cuid}; ${MULTI} symbols = uncached`);
}

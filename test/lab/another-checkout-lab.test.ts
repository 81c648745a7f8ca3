import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectsUnder } from '../helpers/hip-objects.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { CACHED, CMAKE_SEED, DIRECT, LAB_BUILD_TIMEOUT, type LabCache, runLabBuild, statsOf, WHOLE_CALLS, writeCmakeHipProject } from './lab-builds.js';


const root = makeTempDir('hcl-lab-checkouts-');

// Another checkout of the lab's CMake HIP project, with the one setting the
// README gives (HIP_CLANG_LAUNCHER_BASEDIR), through each cache, in the
// layouts CI uses:
// - one: two checkouts under one base dir, one cache (one sccache server);
// - machines: each checkout at its own path under its own base dir, the
//   sccache server restarted in between (as on two machines);
// - outside: build directories beside the checkouts, not in them;
// - same-path: two machines checking out to the same path.
// The second checkout hits every compile a cache can store, with the first
// checkout's objects byte for byte; through sccache, the relocatable-device-
// code compiles (their device bitcode names the input as written) keep their
// absolute paths and hit only at the same path. A reference build of the first
// checkout compiles through the launcher with a pass-through "cache" (the same
// -cuid, the paths as written): the objects sccache gives equal it.
const CMAKE = 'cmake -G Ninja -DCMAKE_HIP_COMPILER=clang++-21 -DCMAKE_CXX_COMPILER=clang++-21 -DCMAKE_HIP_COMPILER_LAUNCHER="$LAUNCHER"';
const RDC = ['CMakeFiles/twice.dir/twice_device.hip.o', 'CMakeFiles/twice.dir/twice_kernel.hip.o', 'CMakeFiles/app.dir/main.hip.o'];

// [base dir, checkout, build dir] of a build, relative to the work directory.
type Place = [string, string, string];
interface Layout {
  name: string;
  first: Place;
  second: Place;
  // Shell run between the two builds (a new "machine").
  between?: string;
  // Where the first build's objects are read afterwards.
  firstObjects?: string;
}
const LAYOUTS: Layout[] = [
  { name: 'one', first: ['one', 'one/a', 'one/a/build'], second: ['one', 'one/b', 'one/b/build'] },
  { name: 'machines', first: ['m1', 'm1/proj', 'm1/proj/build'], second: ['m2/x/y', 'm2/x/y/proj', 'm2/x/y/proj/build'], between: 'stop_cache; start_cache' },
  { name: 'outside', first: ['out', 'out/a/proj', 'out/a/build'], second: ['out', 'out/b/proj', 'out/b/build'] },
  { name: 'same-path', first: ['same', 'same/proj', 'same/proj/build'], second: ['same', 'same/proj', 'same/proj/build'], between: 'stop_cache; mv same same-1; start_cache', firstObjects: 'same-1/proj/build' },
];

// The reference is built by the sccache run, at its own paths: its RDC objects name the input as
// written, so only a compile at those paths gives them. The ccache run compares with it only
// objects that name no path (its RDC and device-only objects are left out of that comparison), so
// it reads the sccache run's reference rather than compiling the same project a second time, or
// builds its own when the sccache run did not get that far (or was not run).
let sccacheReference: string | undefined;

describe.each<LabCache>(['sccache', 'ccache'])('another checkout under HIP_CLANG_LAUNCHER_BASEDIR, CMake HIP language, %s (lab)', (cache) => {
  it('hits in each layout with the first checkout\'s objects, and sccache\'s objects equal a compile with the paths as written', () => {
    const dir = join(root, cache);
    writeCmakeHipProject(join(dir, 'proj'));
    writeFileSync(join(dir, 'passthrough'), '#!/bin/sh\nexec "$@"\n');
    chmodSync(join(dir, 'passthrough'), 0o755);
    const lines = [
      CMAKE_SEED,
      // The first configure runs CMake's compiler checks; the others reuse them (lab-builds.ts CMAKE_SEED).
      `configure() { if [ -d "$W/seed" ]; then cmake_seeded "$W/seed" "$2" ${CMAKE} -S "$1" >/dev/null; else ${CMAKE} -S "$1" -B "$2" >/dev/null; cmake_seed "$2" "$W/seed"; fi; }`,
      'fresh() { stop_cache; export CCACHE_DIR="$W/cache-$1" SCCACHE_DIR="$W/cache-$1"; start_cache; }',
      'build() { [ -d "$W/$2" ] || { mkdir -p "$W/$2"; cp -r "$W/proj/." "$W/$2"; }; export HIP_CLANG_LAUNCHER_BASEDIR="$W/$1"; ' +
        'configure "$W/$2" "$W/$3"; stats "$4-before"; cmake --build "$W/$3" >/dev/null; stats "$4-after"; }',
    ];
    for (const { name, first, second, between } of LAYOUTS) {
      lines.push(`fresh ${name}`, `build ${first.join(' ')} ${name}-1`);
      if (between) lines.push(between);
      lines.push(`build ${second.join(' ')} ${name}-2`);
    }
    // The reference: the first checkout of `one` again, in a build dir of the same depth, no cache
    // (configured in both runs: its seeded configure is checked below; built where it is used).
    const buildReference = cache === 'sccache' || sccacheReference === undefined;
    lines.push(`(export HIP_CLANG_LAUNCHER_CACHE="$W/passthrough" HIP_CLANG_LAUNCHER_BASEDIR="$W/one"; configure "$W/one/a" "$W/one/a/ref"${buildReference ? '; cmake --build one/a/ref >/dev/null' : ''})`);
    // The reference was configured from the seed, `one`'s first checkout with CMake's own checks.
    lines.push('cmake_compiles "$W/one/a/build" > checked.compiles', 'cmake_compiles "$W/one/a/ref" > seeded.compiles');
    runLabBuild(dir, cache, lines.join('\n'), WHOLE_CALLS);

    const compiles = readFileSync(join(dir, 'checked.compiles'), 'utf8');
    expect(compiles.trim().split('\n')).toHaveLength(CACHED + DIRECT.length);
    expect(readFileSync(join(dir, 'seeded.compiles'), 'utf8'), 'a seeded configure compiles as one that ran the checks').toBe(compiles);

    const reference = objectsUnder(buildReference ? join(dir, 'one/a/ref') : sccacheReference!);
    expect(reference.size).toBe(CACHED + DIRECT.length);
    for (const { name, first, second, firstObjects } of LAYOUTS) {
      const delta = (step: string) => {
        const [before, after] = [statsOf(dir, cache, `${step}-before`), statsOf(dir, cache, `${step}-after`)];
        return { hits: after.hits - before.hits, misses: after.misses - before.misses };
      };
      const hits = cache === 'sccache' && name !== 'same-path' ? CACHED - RDC.length : CACHED;
      expect(delta(`${name}-1`), name).toEqual({ hits: 0, misses: CACHED });
      expect(delta(`${name}-2`), name).toEqual({ hits, misses: CACHED - hits });
      const a = objectsUnder(join(dir, firstObjects ?? first[2]));
      const b = objectsUnder(join(dir, second[2]));
      expect([...b.keys()].sort(), name).toEqual([...reference.keys()].sort());
      for (const [object, bytes] of b) {
        // sccache keeps the RDC compiles' paths, and the device-only compiles go straight
        // to clang (whose own -cuid hashes the input path): each checkout's own, as uncached.
        if ((hits < CACHED && RDC.includes(object)) || (name !== 'same-path' && DIRECT.includes(object))) continue;
        expect(bytes.equals(a.get(object)!), `${name}: ${object}`).toBe(true);
      }
    }
    // Compiled with relative paths, sccache's objects are the ones the paths as written give.
    // (ccache's base_dir makes the RDC compiles' paths relative too, and their device bitcode names the input so.
    // The device-only compiles went straight to clang in the cached builds, without the -cuid the pass-through got.)
    for (const [object, bytes] of objectsUnder(join(dir, 'one/a/build'))) {
      if ((cache === 'ccache' && RDC.includes(object)) || DIRECT.includes(object)) continue;
      expect(bytes.equals(reference.get(object)!), `${object} as the reference`).toBe(true);
    }
    const calls = readFileSync(join(dir, 'calls.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { route: string; cache: string | null; rules: { rule: string; reason: string }[] });
    const reasons = calls.filter((c) => c.route === 'cache' && !c.cache?.endsWith('passthrough')).map((c) => c.rules.find((r) => r.rule === 'base-dir')?.reason ?? '');
    expect(reasons).toHaveLength(2 * LAYOUTS.length * CACHED);
    if (cache === 'ccache') for (const reason of reasons) expect(reason).toMatch(/^CCACHE_BASEDIR=/);
    else {
      expect(reasons.filter((r) => /^1 path under .* handed to sccache relative to the working directory/.test(r))).toHaveLength(2 * LAYOUTS.length * (CACHED - RDC.length));
      expect(reasons.filter((r) => r === 'paths kept as written, so another checkout misses this call: -fgpu-rdc: the device bitcode records the input path as written')).toHaveLength(2 * LAYOUTS.length * RDC.length);
      sccacheReference = join(dir, 'one/a/ref');
    }
  }, LAB_BUILD_TIMEOUT);
});

// __FILE__ is in the source, where the launcher cannot see it: under a base dir
// it names the file relative to the build directory, through ccache (its
// base_dir) and through sccache (the launcher's rewrite) alike, so both caches
// give one object in both checkouts, and depfiles that name no other checkout.
it('__FILE__ under the base dir: relative through both caches, one object in both checkouts and both caches, and the second checkout hits (lab)', () => {
  const dir = join(root, 'file-macro');
  for (const checkout of ['a', 'b']) {
    mkdirSync(join(dir, checkout, 'src'), { recursive: true });
    mkdirSync(join(dir, checkout, 'build'));
    writeFileSync(join(dir, checkout, 'src', 'f.cpp'), '#include <cstdio>\nvoid where() { std::puts(__FILE__); }\n');
  }
  const objects: Buffer[] = [];
  for (const cache of ['ccache', 'sccache'] as const) {
    const compile = `for c in a b; do (cd "$W/$c/build" && "$LAUNCHER" clang++-21 -O2 -MD -MF f-${cache}.d -c "$W/$c/src/f.cpp" -o f-${cache}.o); stats ${cache}-$c; done`;
    runLabBuild(dir, cache, compile, { HIP_CLANG_LAUNCHER_BASEDIR: dir, ...WHOLE_CALLS });
    expect(statsOf(dir, cache, `${cache}-b`), cache).toEqual({ hits: 1, misses: 1 });
    for (const checkout of ['a', 'b']) {
      objects.push(readFileSync(join(dir, checkout, 'build', `f-${cache}.o`)));
      expect(readFileSync(join(dir, checkout, 'build', `f-${cache}.d`), 'utf8')).toMatch(/^f-\w+\.o: \.\.\/src\/f\.cpp/);
    }
  }
  for (const object of objects) {
    expect(object.equals(objects[0]!)).toBe(true);
    expect(object.includes('../src/f.cpp\0')).toBe(true);
    expect(object.includes(dir)).toBe(false);
  }
}, LAB_BUILD_TIMEOUT);

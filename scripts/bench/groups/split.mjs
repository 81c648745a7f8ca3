import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLabRound, toolsDir } from '../lab-round.mjs';
import { MissingPrerequisite, repoRoot } from '../prerequisites.mjs';
import { summarize } from '../stats.mjs';

// 6. The per-arch split (issue 19) on real code nobody here wrote: a slice of
// rocPRIM 6.4.3 (Debian sid's source: its two examples) built by its own
// CMake and Ninja in the sid lab (clang-21, ccache 4.14), all in one build
// directory (the -cuid, and so every key, depends on the paths), through the
// launcher. The sequence is the issue's: {A,B,C,D} uncached, cold whole (today)
// and cold split; warm whole and warm split; {A..E} uncached and split on the
// cache the split filled; {B} alone on it. Every object of every split build
// is compared with clang's one-step compile with the same -cuid (the
// launcher in front of a disabled ccache: it adds the id, ccache runs clang).

const TARGETS = ['example_temporary_storage', 'example_type_traits_interface'];
const OBJECTS = TARGETS.map((t) => `example/CMakeFiles/${t}.dir/${t}.cpp.o`);
const ARCHS = ['gfx90a', 'gfx942', 'gfx1030', 'gfx1100'];
const FIFTH = 'gfx1201';
const ONE = 'gfx942';
const CXX = '/usr/lib/llvm-21/bin/clang++';
// Blocks of whole/split/split/whole cold builds per round. A block's CPU ratio moves by about
// 6% (sd) on this shared 2-core machine, so 1 block a round over 3 rounds (the group before)
// gave a standard error of about 3.5% and figures from +3% to +8% for one build; 3 blocks a
// round give 9 blocks, about 2% (each block is about 25 s of the group's time).
const COLD_BLOCKS = 3;

// The cached builds ignore a change of an include file's ctime. Other work on
// this shared machine hard-links the lab's llvm-21 tree (`cp -al`: tests of
// the shim), which moves the ctime of clang's own headers, included by every
// HIP compile. ccache 4.14 then stores nothing for a compile that ran while it
// happened ("had status change near or after invocation", its counter
// modified_input_file) and runs the compiler again: for a split call, the
// launcher as its prefix, whose parts are by then hits. That is what left one
// round's cold split build without its whole-call entries (its warm rebuild
// then 10 hits and 2 misses). Contents and mtimes are still checked; the
// whole and the split builds get the same setting.
// (test/lab/split-include-changed.test.ts reproduces it.)
export const SHARED_MACHINE_CCACHE = 'CCACHE_SLOPPINESS=include_file_ctime';

// One round, as one shell script in the lab: `build NAME ENV...` cleans, times
// a build of the slice, keeps its objects under objs/NAME and the split
// cache's statistics after it as NAME.stats.
function script(dir, src) {
  const launcher = join(repoRoot, 'dist/linux-x64/hip-clang-launcher');
  const b = join(dir, 'build');
  return [
    'set -e',
    `cd ${dir}`,
    // A fresh configure each time (rocPRIM keeps its first target list in the CMake cache), the same directory.
    `conf() { rm -f ${b}/CMakeCache.txt; HIP_CLANG_LAUNCHER_CACHE=none cmake -G Ninja -S ${src} -B ${b} -DCMAKE_BUILD_TYPE=Release -DBUILD_EXAMPLE=ON "-DGPU_TARGETS=$1" -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_CXX_COMPILER_LAUNCHER=${launcher} >/dev/null; echo "$1: $(grep -o -- '--offload-arch=[a-z0-9]*' ${b}/build.ninja | sort -u | tr '\\n' ' ')" >> archs; }`,
    // bash's `time`: wall, and the CPU (user + system) of ninja and all it waited for.
    "TIMEFORMAT='%R %U %S'",
    'build() {',
    '  name=$1; shift',
    `  ninja -C ${b} -t clean >/dev/null`,
    `  t=$( { time env "$@" ninja -C ${b} ${TARGETS.join(' ')} >/dev/null; } 2>&1 )`,
    '  echo "$name $t" >> times',
    '  mkdir -p objs/$name',
    ...OBJECTS.map((o) => `  cp ${b}/${o} objs/$name/`),
    `  CCACHE_DIR=${dir}/split-cache ccache --print-stats > $name.stats`,
    '}',
    // The split is on by default: the reference and today's whole calls turn it off.
    `REF="HIP_CLANG_LAUNCHER_CACHE=ccache HIP_CLANG_LAUNCHER_SPLIT=off CCACHE_DISABLE=1"`,
    // Both with a call log (the launcher then waits for the cache instead of replacing itself): the same cost on both sides.
    `WHOLE="HIP_CLANG_LAUNCHER_CACHE=ccache HIP_CLANG_LAUNCHER_SPLIT=off ${SHARED_MACHINE_CCACHE} CCACHE_DIR=${dir}/whole-cache HIP_CLANG_LAUNCHER_LOG=${dir}/whole-calls.jsonl"`,
    `SPLIT="HIP_CLANG_LAUNCHER_CACHE=ccache HIP_CLANG_LAUNCHER_SPLIT=on ${SHARED_MACHINE_CCACHE} CCACHE_DIR=${dir}/split-cache HIP_CLANG_LAUNCHER_LOG=${dir}/split-calls.jsonl"`,
    `conf "${ARCHS.join(';')}"`,
    'build uncached-4 $REF',
    // The cold pair in COLD_BLOCKS blocks of whole, split, split, whole, every build with a cache
    // of its own (so all are cold): a load that drifts during a block weighs on both sides alike.
    // The first split build's cache is the one the later split builds start from.
    'build whole-cold-4 $WHOLE',
    'build split-cold-4 $SPLIT',
    `build split-cold-4-again $SPLIT CCACHE_DIR=${dir}/split-cache-again`,
    `build whole-cold-4-again $WHOLE CCACHE_DIR=${dir}/whole-cache-again`,
    ...Array.from({ length: COLD_BLOCKS - 1 }, (_, k) => [
      `build whole-cold-4-more${k}a $WHOLE CCACHE_DIR=${dir}/whole-cache-more${k}a`,
      `build split-cold-4-more${k}a $SPLIT CCACHE_DIR=${dir}/split-cache-more${k}a`,
      `build split-cold-4-more${k}b $SPLIT CCACHE_DIR=${dir}/split-cache-more${k}b`,
      `build whole-cold-4-more${k}b $WHOLE CCACHE_DIR=${dir}/whole-cache-more${k}b`,
    ]).flat(),
    'build whole-warm-4 $WHOLE',
    'build split-warm-4 $SPLIT',
    `conf "${[...ARCHS, FIFTH].join(';')}"`,
    'build uncached-5 $REF',
    'build split-add-5 $SPLIT',
    `conf "${ONE}"`,
    'build uncached-1 $REF',
    'build split-one $SPLIT',
    '',
  ].join('\n');
}

const CASES = [
  ['uncached-4', `{${ARCHS.join(',')}}: uncached (clang one-step, the launcher's -cuid)`],
  ['whole-cold-4', `{${ARCHS.join(',')}}: launcher → ccache, whole calls (today), cold`],
  ['split-cold-4', `{${ARCHS.join(',')}}: launcher → ccache, **split**, cold`],
  ['whole-warm-4', `{${ARCHS.join(',')}}: whole calls, warm (clean rebuild)`],
  ['split-warm-4', `{${ARCHS.join(',')}}: **split**, warm (clean rebuild)`],
  ['uncached-5', `{${[...ARCHS, FIFTH].join(',')}}: uncached`],
  ['split-add-5', `{${[...ARCHS, FIFTH].join(',')}}: **split**, on the {A,B,C,D} cache`],
  ['uncached-1', `{${ONE}}: uncached`],
  ['split-one', `{${ONE}}: **split**, on the same cache`],
];

// The issue's targets, each split build against its comparison in the same round.
const PAIRS = {
  'split-cold-4': ['whole-cold-4', 'vs', '<= 1.05x'],
  'split-warm-4': ['whole-warm-4', 'vs', '<= 1.25x'],
  'split-add-5': ['uncached-5', 'of', '<= 0.40x'],
  'split-one': ['uncached-1', 'of', 'every device part a hit'],
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Each cached build's objects against the uncached build of the same archs (every cold build too).
const SAME_AS = { 'whole-warm-4': 'uncached-4', 'split-warm-4': 'uncached-4', 'split-add-5': 'uncached-5', 'split-one': 'uncached-1' };
const sameAs = (name) => (/^(whole|split)-cold-4/.test(name) ? 'uncached-4' : SAME_AS[name]);
// A cold build's name: its case, and its block of whole/split/split/whole (`-again`: the first block's second half).
const COLD_RUN = /^((?:whole|split)-cold-4)(?:-again|-more(\d+)[ab])?$/;
const caseOf = (name) => COLD_RUN.exec(name)?.[1] ?? name;
const blockOf = (name) => COLD_RUN.exec(name)?.[2] ?? 'first';

// Mean and standard error of a list.
function meanAndError(values) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : NaN;
  return { mean, error: Math.sqrt(variance / values.length) };
}

export const splitGroup = {
  id: 'split',
  title: `The per-arch split on rocPRIM's examples (sid lab, clang-21, ccache 4.14, ${TARGETS.length} translation units, ninja)`,
  unit: 's',
  reference: 'uncached-4',
  runs: { full: 3, quick: 1 },
  warmup: { full: 0, quick: 0 },
  prepare(ctx) {
    const src = join(toolsDir(), 'lab-src/rocPRIM-rocm-6.4.3');
    const dir = join(ctx.work, 'split');
    return {
      notes: [
        `rocPRIM 6.4.3 (Debian sid's source), its ${TARGETS.length} examples (${TARGETS.join(', ')}), configured by its own CMake with GPU_TARGETS and built by Ninja (-j2) in the sid lab, every build in one build directory after a clean; A-D = ${ARCHS.join(', ')}, E = ${FIFTH}, the one-arch build ${ONE}.`,
        'uncached: the launcher in front of a disabled ccache (CCACHE_DISABLE=1), so clang compiles one step with the same -cuid the cached builds get: these objects are the reference every cached build is compared with, byte for byte (all of them).',
        'whole: the launcher with ccache and HIP_CLANG_LAUNCHER_SPLIT=off (every call whole, as before the split); split: HIP_CLANG_LAUNCHER_SPLIT=on with its own cache, filled by the split builds in order (cold, warm, +E, {B}).',
        `The cold pair runs in ${COLD_BLOCKS} blocks a round of whole, split, split, whole (every build with a cache of its own, so all cold): a load that rises or falls during a block weighs on both sides alike. The cold target is judged on the ratio of the sums of all cold builds of all rounds; the paired column gives the blocks' mean, standard error and range beside it (one block's CPU ratio moves by several percent on a shared machine).`+ ' Every cached build has a call log (the launcher waits for the cache then, on both sides) and ccache\'s include_file_ctime sloppiness (other work on this machine hard-links the lab\'s llvm-21 tree, moving the ctime of clang\'s headers; ccache then keeps no entry for a compile running meanwhile).',
        'Each round runs the whole sequence (it is stateful: each split build starts from the cache the one before left), with fresh caches. Wall times and CPU times (user + system of ninja and everything it waited for, from bash\'s `time`): on a machine shared with other work the wall times swing with its load, the CPU times much less. The targets are judged on the paired column\'s CPU ratio: each split build against its comparison minutes apart in the same round, the median over the rounds (the cold build: the sums of all rounds, above).',
      ],
      cases: CASES.map(([id, label]) => ({ id, label, command: () => ({}) })),
      async run() {
        if (!existsSync(join(src, 'CMakeLists.txt'))) throw new MissingPrerequisite(`missing ${src}: run \`npm run provision\``);
        return runLabRound({ dir, sources: [src], script: script(dir, src) });
      },
      // The work directory goes with the run (kept with --keep).
    };
  },
  async measure(cases, plan, prepared) {
    const samples = new Map(cases.map((c) => [c.id, []]));
    const cpu = new Map(cases.map((c) => [c.id, []]));
    // Each split build against its own comparison in the same round (minutes
    // apart, not rounds apart): wall and CPU ratios, medians over rounds.
    const ratios = new Map(Object.keys(PAIRS).map((id) => [id, { wall: [], cpu: [] }]));
    // The cold builds: every whole/split/split/whole block's CPU ratio, and the sums of all rounds.
    const cold = { blocks: [], split: { wall: 0, cpu: 0 }, whole: { wall: 0, cpu: 0 } };
    const checks = new Map();
    for (let round = 0; round < plan.runs; round++) {
      const dir = await prepared.run();
      // Each configure must have given the build its own arch list.
      for (const line of readFileSync(join(dir, 'archs'), 'utf8').trim().split('\n')) {
        const [wanted, got] = line.split(': ');
        const want = wanted.split(';').map((a) => `--offload-arch=${a}`).sort().join(' ');
        if ((got ?? '').trim() !== want) throw new Error(`GPU_TARGETS=${wanted} built with ${(got ?? '').trim() || 'no --offload-arch'}`);
      }
      const round = new Map();
      const blocks = new Map();
      const names = [];
      for (const line of readFileSync(join(dir, 'times'), 'utf8').trim().split('\n')) {
        const [name, wall, user, sys] = line.split(' ').map((v, i) => (i === 0 ? v : Number(v)));
        names.push(name);
        // Every cold build is one more sample of its case, and its round's pair sums them all.
        const id = caseOf(name);
        samples.get(id)?.push(wall);
        cpu.get(id)?.push(user + sys);
        const sum = round.get(id) ?? { wall: 0, cpu: 0 };
        round.set(id, { wall: sum.wall + wall, cpu: sum.cpu + user + sys });
        if (COLD_RUN.test(name)) {
          const side = id.startsWith('split') ? 'split' : 'whole';
          const block = blocks.get(blockOf(name)) ?? { split: 0, whole: 0 };
          block[side] += user + sys;
          blocks.set(blockOf(name), block);
          cold[side].cpu += user + sys;
          cold[side].wall += wall;
        }
      }
      for (const block of blocks.values()) cold.blocks.push(block.split / block.whole);
      for (const [id, [ref]] of Object.entries(PAIRS)) {
        ratios.get(id).wall.push(round.get(id).wall / round.get(ref).wall);
        ratios.get(id).cpu.push(round.get(id).cpu / round.get(ref).cpu);
      }
      for (const name of names) {
        const ref = sameAs(name);
        if (!ref) continue;
        const differ = OBJECTS.map((o) => o.split('/').pop()).filter((o) => !readFileSync(join(dir, 'objs', name, o)).equals(readFileSync(join(dir, 'objs', ref, o))));
        if (differ.length) checks.set(caseOf(name), `objects differ from the one-step compile${name !== caseOf(name) ? ` (its run ${name})` : ''}: ${differ.join(', ')}`);
      }
      const stats = (id) => {
        const out = readFileSync(join(dir, `${id}.stats`), 'utf8');
        const get = (key) => Number(new RegExp(`^${key}\\t(\\d+)$`, 'm').exec(out)?.[1] ?? 0);
        return { hits: get('direct_cache_hit') + get('preprocessed_cache_hit'), misses: get('cache_miss'), changed: get('modified_input_file') };
      };
      const delta = (a, b) => ({ hits: stats(b).hits - stats(a).hits, misses: stats(b).misses - stats(a).misses, changed: stats(b).changed - stats(a).changed });
      const n = OBJECTS.length;
      const counts = { 'split-warm-4': delta('split-cold-4', 'split-warm-4'), 'split-add-5': delta('split-warm-4', 'split-add-5'), 'split-one': delta('uncached-1', 'split-one') };
      // Warm: each whole call one hit. +E: the whole call, E's device part and the host part miss per unit, the four old archs hit.
      // {B}: the whole call and the host part miss, B's device part hits.
      const expected = { 'split-warm-4': { hits: n, misses: 0 }, 'split-add-5': { hits: 4 * n, misses: 3 * n }, 'split-one': { hits: n, misses: 2 * n } };
      // A warm rebuild finds the whole-call entries only if the cold build stored them: ccache
      // stores nothing for a call during which an include file changed (modified_input_file).
      const changedInCold = delta('whole-cold-4', 'split-cold-4').changed;
      for (const [id, got] of Object.entries(counts)) {
        const want = expected[id];
        const why = id === 'split-warm-4' && changedInCold > 0 ? ` (the cold split build had ${changedInCold} call(s) whose include files changed while they compiled: ccache's modified_input_file)` : '';
        if (got.hits !== want.hits || got.misses !== want.misses) checks.set(id, `${got.hits} hits and ${got.misses} misses in ccache, not ${want.hits} and ${want.misses}${why}`);
      }
      checks.set('counts', counts);
    }
    const counts = checks.get('counts') ?? {};
    return new Map(
      cases.map((c) => {
        const problem = checks.get(c.id);
        if (typeof problem === 'string') return [c.id, { error: problem }];
        const extra = { cpu: median(cpu.get(c.id)) };
        if (counts[c.id]) extra.ccache = `${counts[c.id].hits} hits, ${counts[c.id].misses} misses`;
        if (PAIRS[c.id]) {
          const [ref, what, target] = PAIRS[c.id];
          const r = ratios.get(c.id);
          extra.paired = `${what} ${ref}: wall ${median(r.wall).toFixed(2)}x, CPU ${median(r.cpu).toFixed(2)}x (target ${target})`;
          // What the targets judge (scripts/bench/targets.mjs): the paired CPU ratio. Wall times
          // of builds minutes apart swing with other work on a shared machine; CPU much less.
          extra.pairedRatio = median(r.cpu);
          if (c.id === 'split-cold-4' && cold.blocks.length) {
            // The cold target is judged on all the cold builds of all rounds (the ratio of the
            // sums); the blocks' spread says how far one such figure can be trusted.
            const { mean, error } = meanAndError(cold.blocks);
            const pct = (x) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`;
            extra.pairedRatio = cold.split.cpu / cold.whole.cpu;
            extra.paired = `${what} ${ref}, all ${cold.blocks.length} whole/split/split/whole blocks of all rounds: CPU ${pct(extra.pairedRatio)}, wall ${pct(cold.split.wall / cold.whole.wall)} (sums); blocks ${pct(mean)} mean, standard error ${(error * 100).toFixed(1)}%, range ${pct(Math.min(...cold.blocks))} to ${pct(Math.max(...cold.blocks))} (target ${target})`;
          }
        }
        return [c.id, { stats: summarize(samples.get(c.id)), extra }];
      }),
    );
  },
  columns: { cpu: 'CPU s (median)', ccache: 'split cache: hits, misses', paired: 'paired with (same round): median of rounds; cold: all blocks' },
};

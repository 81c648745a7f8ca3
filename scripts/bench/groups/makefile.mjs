import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runLabRound, toolsDir } from '../lab-round.mjs';
import { MissingPrerequisite, repoRoot } from '../prerequisites.mjs';
import { summarize } from '../stats.mjs';

// 7. A real HIP Makefile build (issue 20): rocThrust 6.4.4's example programs
// (Debian sid's source) built by test/fixtures/rocthrust-examples/Makefile
// with plain `make -j2` in the sid lab (clang-21), each program one
// compile-and-link call. Uncached (clang++ itself), then through the launcher
// with HIP_CLANG_LAUNCHER_SPLIT=on: cold and warm (`make clean && make`) with
// ccache 4.14, then with sccache 0.17. Each cached build's programs are
// checked against the uncached build's (symbols, clang's per-source id
// masked) and warm against cold (bytes), and the caches' counters are read.

const PROGRAMS = ['saxpy', 'sum', 'transform_iterator', 'sort', 'histogram', 'monte_carlo', 'word_count', 'set_operations', 'run_length_encoding', 'scan_by_key', 'summary_statistics', 'weld_vertices', 'cpp_integration'];
// One compile part per source: cpp_integration has two.
const COMPILES = PROGRAMS.length + 1;
const CXX = '/usr/lib/llvm-21/bin/clang++';

const CASES = [
  ['uncached', 'uncached: clang++ itself'],
  ['ccache-cold', 'launcher → ccache 4.14, cold (empty cache)'],
  ['ccache-warm', 'launcher → ccache 4.14, warm (`make clean && make`)'],
  ['sccache-cold', 'launcher → sccache 0.17, cold (empty cache)'],
  ['sccache-warm', 'launcher → sccache 0.17, warm (`make clean && make`)'],
];

function script(dir, src) {
  const launcher = join(repoRoot, 'dist/linux-x64/hip-clang-launcher');
  const flags = `ROCTHRUST=${src.rocthrust} ROCPRIM=${src.rocprim} HIPFLAGS="-x hip --offload-arch=gfx90a -O2" LDFLAGS=-lamdhip64`;
  return [
    'set -e',
    `cd ${dir}/w`,
    // Times the build after a clean; keeps its programs under progs/NAME.
    'build() {',
    '  name=$1; hipcc=$2',
    '  make -s clean',
    '  s=$(date +%s.%N)',
    `  make -s -j2 ${flags} HIPCC="$hipcc" >/dev/null 2>&1`,
    '  e=$(date +%s.%N)',
    '  echo "$name $(awk "BEGIN { print $e - $s }")" >> ../times',
    `  mkdir -p ../progs/$name && cp ${PROGRAMS.join(' ')} ../progs/$name/`,
    '}',
    // The version headers first, so every build times the programs only.
    `make -s ${flags} gen/rocprim_version.hpp gen/thrust/rocthrust_version.hpp`,
    `build uncached ${CXX}`,
    'export HIP_CLANG_LAUNCHER_SPLIT=on',
    `export HIP_CLANG_LAUNCHER_STATE_DIR=${dir}/state HIP_CLANG_LAUNCHER_LOG=${dir}/calls.jsonl`,
    `export CCACHE_DIR=${dir}/ccache HIP_CLANG_LAUNCHER_CACHE=ccache`,
    `build ccache-cold "${launcher} ${CXX}"`,
    'ccache --print-stats > ../ccache-cold.stats',
    `build ccache-warm "${launcher} ${CXX}"`,
    'ccache --print-stats > ../ccache-warm.stats',
    `export SCCACHE_DIR=${dir}/sccache SCCACHE_SERVER_PORT=24871 SCCACHE_IDLE_TIMEOUT=0 HIP_CLANG_LAUNCHER_CACHE=sccache`,
    'sccache --start-server >/dev/null',
    'trap "sccache --stop-server >/dev/null 2>&1 || true" EXIT',
    `build sccache-cold "${launcher} ${CXX}"`,
    'sccache --show-stats --stats-format json > ../sccache-cold.stats',
    `build sccache-warm "${launcher} ${CXX}"`,
    'sccache --show-stats --stats-format json > ../sccache-warm.stats',
    '',
  ].join('\n');
}

// A program's symbols with clang's per-source id masked (it follows the command line), sorted
// (two masked ids sort by their old hex), and its host code and data, which no id touches.
function hostView(file) {
  const nm = execFileSync('nm', ['--format=posix', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).replace(/(__hip_cuid_|__hip_gpubin_handle_|__hip_fatbin_)[0-9a-f]+/g, '$1');
  const sections = ['.text', '.rodata', '.data'].map((section) => {
    execFileSync('objcopy', ['-O', 'binary', `--only-section=${section}`, file, `${file}.section`]);
    const bytes = readFileSync(`${file}.section`).toString('base64');
    rmSync(`${file}.section`);
    return bytes;
  });
  return [nm.split('\n').sort().join('\n'), ...sections].join('\n');
}

function counters(dir, id) {
  const text = readFileSync(join(dir, `${id}.stats`), 'utf8');
  if (id.startsWith('sccache')) {
    const stats = JSON.parse(text).stats;
    const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
    return { hits: sum(stats.cache_hits?.counts), misses: sum(stats.cache_misses?.counts) };
  }
  const get = (key) => Number(new RegExp(`^${key}\\t(\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { hits: get('direct_cache_hit') + get('preprocessed_cache_hit'), misses: get('cache_miss') };
}

export const makefileGroup = {
  id: 'makefile',
  title: `A HIP Makefile build: rocThrust's examples by plain make (sid lab, clang-21, ${PROGRAMS.length} programs, make -j2)`,
  unit: 's',
  reference: 'uncached',
  runs: { full: 1, quick: 1 },
  warmup: { full: 0, quick: 0 },
  prepare(ctx) {
    const labSrc = join(toolsDir(), 'lab-src');
    const src = { rocthrust: join(labSrc, 'rocthrust-6.4.4'), rocprim: join(labSrc, 'rocPRIM-rocm-6.4.3') };
    const dir = join(ctx.work, 'makefile');
    return {
      notes: [
        `rocThrust 6.4.4's example programs (Debian sid's source): ${PROGRAMS.join(', ')} (cpp_integration links host.cpp with device.cu), built by test/fixtures/rocthrust-examples/Makefile, one \`clang++ -x hip --offload-arch=gfx90a -O2 -o prog prog.cu -lamdhip64\` per program, with \`make -s -j2\` after \`make clean\`.`,
        `Through the launcher with HIP_CLANG_LAUNCHER_SPLIT=on: each program's call compiled per source through the cache, then linked (${COMPILES} compiles and ${PROGRAMS.length} links a build). Each cache starts empty; warm is the next build after a clean.`,
        'Checked: warm builds have as many hits as compiles and no miss in the cache\'s own counters; every program of every cached build has the uncached build\'s symbols at the same addresses (clang\'s per-source id masked: clang\'s one step gets an id from its whole command line, the parts one per source) and its host code and data (.text, .rodata, .data) byte for byte, and warm programs equal cold ones byte for byte.',
        'One round, wall times, on a 2-core machine shared with other work (five other engineers building and testing): compare within the run.',
      ],
      cases: CASES.map(([id, label]) => ({ id, label, command: () => ({}) })),
      async run() {
        if (!existsSync(join(src.rocthrust, 'examples/saxpy.cu'))) throw new MissingPrerequisite(`missing ${src.rocthrust}: run \`npm run provision\``);
        const setup = (d) => {
          mkdirSync(join(d, 'w'));
          copyFileSync(join(repoRoot, 'test/fixtures/rocthrust-examples/Makefile'), join(d, 'w/Makefile'));
        };
        return runLabRound({ dir, sources: [labSrc], script: script(dir, src), setup });
      },
    };
  },
  async measure(cases, plan, prepared) {
    const samples = new Map(cases.map((c) => [c.id, []]));
    const problems = new Map();
    const extra = new Map();
    for (let round = 0; round < plan.runs; round++) {
      const dir = await prepared.run();
      for (const line of readFileSync(join(dir, 'times'), 'utf8').trim().split('\n')) {
        const [id, seconds] = line.split(' ');
        samples.get(id)?.push(Number(seconds));
      }
      for (const cache of ['ccache', 'sccache']) {
        const cold = counters(dir, `${cache}-cold`);
        const warm = counters(dir, `${cache}-warm`);
        const delta = { hits: warm.hits - cold.hits, misses: warm.misses - cold.misses };
        extra.set(`${cache}-cold`, { cache: `${cold.hits} hits, ${cold.misses} misses` });
        extra.set(`${cache}-warm`, { cache: `${delta.hits} hits, ${delta.misses} misses` });
        if (delta.hits !== COMPILES || delta.misses !== 0) problems.set(`${cache}-warm`, `${delta.hits} hits and ${delta.misses} misses, not ${COMPILES} and 0`);
        for (const program of PROGRAMS) {
          const at = (id) => join(dir, 'progs', id, program);
          if (!readFileSync(at(`${cache}-warm`)).equals(readFileSync(at(`${cache}-cold`)))) problems.set(`${cache}-warm`, `${program} differs from the cold build's`);
          for (const id of [`${cache}-cold`, `${cache}-warm`]) if (hostView(at(id)) !== hostView(at('uncached'))) problems.set(id, `${program}'s symbols or host code differ from the uncached build's`);
        }
      }
    }
    return new Map(
      cases.map((c) => {
        const problem = problems.get(c.id);
        if (problem) return [c.id, { error: problem }];
        return [c.id, { stats: summarize(samples.get(c.id)), ...(extra.has(c.id) ? { extra: extra.get(c.id) } : {}) }];
      }),
    );
  },
  columns: { cache: "the cache's counters: hits, misses (warm: this build's)" },
};

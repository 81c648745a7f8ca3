import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ccacheEnv, ccacheStats } from '../caches.mjs';
import { cleanEnv, hipEnv } from '../environment.mjs';
import { hipSource } from '../hip-source.mjs';
import { hipcc7, launcherPath } from '../prerequisites.mjs';
import { roundRobin, timeOnce } from '../timing.mjs';

const JOBS = 2;

// 4. A build of many small HIP translation units with make -j2, through hipcc
// 7 (patched) and the launcher: what caching costs when it misses and saves
// when it hits.
export const buildGroup = {
  id: 'build',
  title: 'A build: HIP translation units through hipcc 7 and the launcher, make -j2',
  unit: 's',
  reference: 'uncached',
  runs: { full: 5, quick: 1 },
  warmup: { full: 1, quick: 0 },
  prepare(ctx) {
    const units = ctx.quick ? 4 : 40;
    const dir = join(ctx.work, 'build');
    writeProject(dir, units);
    const base = { ...cleanEnv(), ...hipEnv() };
    let coldRound = 0;
    const warmDir = join(dir, 'warm-cache');
    const coldDirs = [];
    const make = (env, before) => () => {
      const command = {
        file: 'make',
        args: [`-j${JOBS}`, '-s', `HIPCC=${hipcc7('patched')}`],
        env: { ...base, ...env },
        cwd: dir,
        before: () => {
          rmSync(join(dir, 'obj'), { recursive: true, force: true });
          before?.(command.env);
        },
      };
      return command;
    };
    const viaLauncher = { HIP_CLANG_LAUNCHER: launcherPath() };
    const warmEnv = { ...viaLauncher, HIP_CLANG_LAUNCHER_CACHE: 'ccache', ...ccacheEnv(warmDir) };
    // Each cold build gets a new, empty cache directory.
    const cold = make({ ...viaLauncher, HIP_CLANG_LAUNCHER_CACHE: 'ccache' }, (env) => {
      env.CCACHE_DIR = join(dir, `cold-cache-${++coldRound}`, 'ccache');
      coldDirs.push(env.CCACHE_DIR);
    });
    return {
      units,
      notes: [
        `${units} distinct HIP translation units (two kernels and a launch function each), \`make -j${JOBS}\`, objects removed before every build; hipcc 7.0.2 with our HIP_CLANG_LAUNCHER backport.`,
        'uncached: the launcher with HIP_CLANG_LAUNCHER_CACHE=none. cold: ccache with a new empty cache directory for every build (every compile a miss). warm: ccache filled once before the rounds (every compile a hit; checked in its statistics).',
        'hipcc without a launcher is the floor: what a build cost before any of this.',
      ],
      cases: [
        { id: 'no-launcher', label: 'hipcc 7, no launcher, no cache', command: make({}) },
        { id: 'uncached', label: 'hipcc 7 → **launcher**, cache `none`', command: make({ ...viaLauncher, HIP_CLANG_LAUNCHER_CACHE: 'none' }) },
        { id: 'cold', label: 'hipcc 7 → **launcher** → ccache, cold cache', command: cold },
        { id: 'warm', label: 'hipcc 7 → **launcher** → ccache, warm cache', command: () => fillThen(make(warmEnv)()) },
      ],
      verify(ready, outcome) {
        const problems = [];
        const stats = (cacheDir) => ccacheStats({ ...base, CCACHE_DIR: cacheDir });
        const warm = stats(warmEnv.CCACHE_DIR);
        if (outcome.get('warm')?.stats && warm.misses !== units) problems.push(['warm', `the warm cache missed ${warm.misses - units} time(s) after it was filled`]);
        for (const d of coldDirs) {
          const s = stats(d);
          if (s.misses !== units || s.hits !== 0) problems.push(['cold', `a cold build had ${s.hits} hit(s) and ${s.misses} miss(es), not ${units} misses`]);
        }
        return problems;
      },
      teardown() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  async measure(cases, plan) {
    const inSeconds = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : v / 1000]));
    const measured = roundRobin(cases, plan);
    return new Map([...measured].map(([id, r]) => [id, r.stats ? { ...r, stats: inSeconds(r.stats) } : r]));
  },
};

// The warm case's cache is filled by one build before the rounds start.
function fillThen(command) {
  command.before();
  timeOnce(command);
  return command;
}

function writeProject(dir, units) {
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (let i = 0; i < units; i++) writeFileSync(join(dir, 'src', `unit${i}.hip`), hipSource(i));
  writeFileSync(
    join(dir, 'Makefile'),
    [
      'SRCS := $(wildcard src/*.hip)',
      'OBJS := $(SRCS:src/%.hip=obj/%.o)',
      'all: $(OBJS)',
      'obj/%.o: src/%.hip',
      '\t@mkdir -p obj',
      '\t$(HIPCC) --offload-arch=gfx90a -O3 -c $< -o $@',
      '',
    ].join('\n'),
  );
}

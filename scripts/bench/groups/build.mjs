import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ccacheStats, FILL_ENV, freePort, sccacheHipPath } from '../caches.mjs';
import { execFileSync } from 'node:child_process';
import { cleanEnv, hipEnv } from '../environment.mjs';
import { writeMakeProject } from '../hip-source.mjs';
import { hipcc7, launcherPath } from '../prerequisites.mjs';
import { summarize } from '../stats.mjs';
import { roundRobin, timeAndCpuOnce, timeOnce } from '../timing.mjs';

const JOBS = 2;

// 4. A build of many small HIP translation units with make -j2, through hipcc
// 7 (patched) and the launcher: what caching costs when it misses and saves
// when it hits.
export const buildGroup = {
  id: 'build',
  title: 'A build: HIP translation units through hipcc 7 and the launcher, make -j2',
  unit: 's',
  reference: 'uncached',
  columns: { cpuSeconds: 'CPU s (median)' },
  runs: { full: 5, quick: 1 },
  // Filling the warm caches has already built everything once: the page cache is warm.
  warmup: { full: 0, quick: 0 },
  async prepare(ctx) {
    // Quick mode only proves each case runs, hits or misses as it claims, and reports: one unit
    // per make job is enough for that (every build here compiles them all, nine builds in a run).
    const units = ctx.quick ? JOBS : 40;
    const dir = join(ctx.work, 'build');
    writeMakeProject(dir, units, '$(HIPCC) --offload-arch=gfx90a -O3 -MD -MF $@.d -c $< -o $@');
    // ccache turns direct mode, and with it depend mode, off for a compile during which an
    // include file's ctime moves; the tests' `cp -al` trees of Debian's llvm-15, made while
    // the bench runs beside them (CI's bench smoke test), move the ctime of clang's headers.
    const base = { ...cleanEnv(), ...hipEnv(), CCACHE_SLOPPINESS: 'include_file_ctime' };
    let builds = 0;
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
    const cacheDirs = { cold: [], warm: [] };
    // ccache with the launcher's defaults (depend mode for HIP compiles with -MD, which the build
    // passes: no preprocessor run on a miss), and with depend mode turned off by the user.
    const ccacheModes = [
      { suffix: '', label: 'ccache (defaults: depend mode)', env: {} },
      { suffix: '-nodepend', label: 'ccache `CCACHE_NODEPEND=1`', env: { CCACHE_NODEPEND: '1' } },
    ];
    const cacheCases = ccacheModes.flatMap((mode) => {
      const env = { ...viaLauncher, HIP_CLANG_LAUNCHER_CACHE: 'ccache', ...mode.env };
      const warmDir = join(dir, `warm-cache${mode.suffix}`, 'ccache');
      cacheDirs.warm.push([`warm${mode.suffix}`, warmDir]);
      return [
        {
          id: `cold${mode.suffix}`,
          label: `hipcc 7 → **launcher** → ${mode.label}, cold cache`,
          // Each cold build gets a new, empty cache directory.
          command: make(env, (commandEnv) => {
            commandEnv.CCACHE_DIR = join(dir, `cold-cache-${++builds}`, 'ccache');
            cacheDirs.cold.push([`cold${mode.suffix}`, commandEnv.CCACHE_DIR]);
          }),
        },
        { id: `warm${mode.suffix}`, label: `hipcc 7 → **launcher** → ${mode.label}, warm cache`, command: () => fillThen(make({ ...env, CCACHE_DIR: warmDir })()) },
      ];
    });
    const sccacheCases = await sccacheBuildCases(dir, base, make, viaLauncher, units);
    return {
      notes: [
        `${units} distinct HIP translation units (two kernels and a launch function each), \`make -j${JOBS}\`, each compiled with -MD (dependency files, as CMake and ninja builds do); objects removed before every build; hipcc 7.0.2 with our HIP_CLANG_LAUNCHER backport.`,
        'uncached: the launcher with HIP_CLANG_LAUNCHER_CACHE=none. cold: a new empty cache directory for every build (every compile a miss; checked in ccache\'s statistics). warm: a cache filled once before the rounds (every compile a hit; checked).',
        'On a miss ccache runs the preprocessor before compiling; for HIP that is a host and a device pass over the HIP headers. Its depend mode takes the headers from the -MD output instead; the launcher turns it on for HIP compiles with -MD unless CCACHE_DEPEND or CCACHE_NODEPEND is set.',
        'hipcc without a launcher is the floor: what a build cost before any of this.',
        'sccache is the HIP-capable one on the host (Debian 13\'s 0.10, HCL_SCCACHE_HIP; the lab\'s 0.17 needs the sid root and is not benched), through the launcher. Its server runs on its own port: cold, a server started (untimed) on a new, empty directory before each build; cold with server start, the same but the build\'s first compile starts it (through the launcher, as in CI); warm, a server on a cache filled once. Hits and misses checked in its statistics.',
        'On a miss sccache always runs the preprocessor first (it has no depend mode): for HIP, clang -E makes a host and a device pass over the HIP headers before the compile repeats them.',
        'CPU s is the user + system time of make and everything it ran: other load on a shared machine stretches wall times far more than it changes this. sccache compiles in its server, a daemon outside make\'s process tree, so its rows count only its clients\' CPU.',
      ],
      cases: [
        { id: 'no-launcher', label: 'hipcc 7, no launcher, no cache', command: make({}) },
        { id: 'uncached', label: 'hipcc 7 → **launcher**, cache `none`', command: make({ ...viaLauncher, HIP_CLANG_LAUNCHER_CACHE: 'none' }) },
        ...cacheCases,
        ...sccacheCases.cases,
      ],
      verify(ready, outcome) {
        const problems = sccacheCases.verify(outcome);
        const stats = (cacheDir) => ccacheStats({ ...base, CCACHE_DIR: cacheDir });
        // The misses one cold build leaves: one per compile, and with the split
        // (on by default) one per part too, so the same whole number per compile.
        const cold = [...cacheDirs.cold].map(([id, d]) => [id, stats(d)]);
        const perBuild = cold[0]?.[1].misses ?? units;
        for (const [id, d] of cacheDirs.warm) {
          const s = stats(d);
          if (outcome.get(id)?.stats && s.misses !== perBuild) problems.push([id, `the warm cache missed ${s.misses - perBuild} time(s) after it was filled`]);
        }
        for (const [id, s] of cold) {
          if (s.misses !== perBuild || perBuild % units !== 0 || perBuild === 0 || s.hits !== 0) problems.push([id, `a cold build had ${s.hits} hit(s) and ${s.misses} miss(es), not ${units} compiles missing alike`]);
        }
        return problems;
      },
      teardown() {
        sccacheCases.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  measure(cases, plan) {
    return roundRobin(cases, {
      ...plan,
      measureOnce: timeAndCpuOnce,
      toResult: (samples) => ({
        stats: summarize(samples.map((x) => x.ms / 1000)),
        extra: { cpuSeconds: summarize(samples.map((x) => x.cpuSeconds)).median },
      }),
    });
  },
};

// The warm case's cache is filled by one build before the rounds start
// (ccache told to store it whatever the headers' times: see FILL_ENV).
function fillThen(command) {
  command.before();
  timeOnce({ ...command, env: { ...command.env, ...FILL_ENV } });
  return command;
}

// sccache beside ccache: cold (a new server on an empty directory, started
// untimed), cold paying the server's start inside the build, and warm. Its
// directory is read when the server starts, so a cold build needs a new one.
async function sccacheBuildCases(dir, base, make, viaLauncher, units) {
  const sccache = sccacheHipPath();
  const servers = { cold: String(await freePort()), start: String(await freePort()), warm: String(await freePort()) };
  const envOf = (id, cacheDir) => ({ ...base, SCCACHE_DIR: cacheDir, SCCACHE_SERVER_PORT: servers[id], SCCACHE_IDLE_TIMEOUT: '600' });
  const run = (args, env) => execFileSync(sccache, args, { env, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' });
  const stop = (env) => {
    try {
      run(['--stop-server'], env);
    } catch {
      // Not running.
    }
  };
  const statsOf = (env) => {
    const stats = JSON.parse(run(['--show-stats', '--stats-format', 'json'], env)).stats;
    const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
    return { hits: sum(stats.cache_hits?.counts), misses: sum(stats.cache_misses?.counts) };
  };
  const problems = [];
  const last = {};
  let builds = 0;
  // Each cold build: the last one's statistics checked, its server stopped, a new directory.
  const coldCase = (id, label, startFirst) => ({
    id: `cold-sccache${id === 'start' ? '-start' : ''}`,
    label,
    command: make({ ...viaLauncher, HIP_CLANG_LAUNCHER_CACHE: sccache }, (commandEnv) => {
      if (last[id]) {
        const s = statsOf(last[id]);
        if (s.misses !== units || s.hits !== 0) problems.push([`cold-sccache-${id}`, `a cold build had ${s.hits} hit(s) and ${s.misses} miss(es), not ${units} misses`]);
        stop(last[id]);
      }
      last[id] = envOf(id, join(dir, `cold-sccache-${++builds}`));
      Object.assign(commandEnv, last[id]);
      if (startFirst) run(['--start-server'], last[id]);
    }),
  });
  const warmEnv = envOf('warm', join(dir, 'warm-sccache'));
  const warm = make({ ...viaLauncher, HIP_CLANG_LAUNCHER_CACHE: sccache, ...warmEnv })();
  let filled;
  return {
    cases: [
      coldCase('cold', 'hipcc 7 → **launcher** → sccache 0.10, cold cache (server started before)', true),
      coldCase('start', 'hipcc 7 → **launcher** → sccache 0.10, cold cache, the build starts the server', false),
      {
        id: 'warm-sccache',
        label: 'hipcc 7 → **launcher** → sccache 0.10, warm cache',
        command: () => {
          run(['--start-server'], warmEnv);
          warm.before();
          timeOnce(warm);
          filled = statsOf(warmEnv);
          return warm;
        },
      },
    ],
    verify(outcome) {
      for (const id of ['cold', 'start']) {
        if (!last[id]) continue;
        const s = statsOf(last[id]);
        if (s.misses !== units || s.hits !== 0) problems.push([`cold-sccache${id === 'start' ? '-start' : ''}`, `a cold build had ${s.hits} hit(s) and ${s.misses} miss(es), not ${units} misses`]);
      }
      if (filled && outcome.get('warm-sccache')?.stats) {
        const s = statsOf(warmEnv);
        if (s.misses !== filled.misses) problems.push(['warm-sccache', `the warm cache missed ${s.misses - filled.misses} time(s) after it was filled`]);
      }
      return problems;
    },
    stop() {
      for (const id of ['cold', 'start']) if (last[id]) stop(last[id]);
      stop(warmEnv);
    },
  };
}

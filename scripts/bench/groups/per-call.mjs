import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cleanEnv, hipEnv } from '../environment.mjs';
import { compilerWorkspace, peerCases } from '../fixtures.mjs';
import { hipcc7, installShim, launcherPath, repoRoot, requireFile, shimOver, uninstallShim } from '../prerequisites.mjs';
import { summarize } from '../stats.mjs';
import { roundRobin } from '../timing.mjs';
import { CLANG_ARGS, CLANGXX, HIPCC_ARGS, llvmTreeCopy, warmHits } from '../warm-hits.mjs';

// 1. What a call costs when the compiler itself costs nothing: every
// launcher style in front of a compiler that exits at once, and the floors.
// Then the paths users run: a real HIP warm hit through each cache, auto
// mode, and the shim under a real hipcc, each as the launcher's time over
// the same call without it (timed in the same round, so the difference is
// a pair), beside the same bare Node starts.
export const perCall = {
  id: 'per-call',
  title: 'Cost per call (a compiler that exits at once; the launcher\'s time over a real HIP warm hit)',
  reference: 'node-bare',
  // The targets are ratios within a few ms of each other: more rounds than the other groups, so machine noise moves the medians less.
  runs: { full: 150, quick: 3 },
  // For a row over another: the median over rounds of (its difference / that round's bare Node start).
  columns: { paired: 'per-round ratio to node-bare' },
  prepare(ctx) {
    const dir = join(ctx.work, 'per-call');
    const env = cleanEnv();
    const { compiler, call } = compilerWorkspace(dir, 'instant-compiler', env);
    const none = { HIP_CLANG_LAUNCHER_CACHE: 'none' };
    const hits = warmHits(join(dir, 'hip'), env);
    const hip = hipCases(hits, env);
    return {
      notes: [
        'Calling the compiler directly is the floor of the harness itself (a spawn and a wait from Node).',
        'Every call is compile-shaped (`<compiler> -c x.c`); calls without -c/-S would be routed straight to the compiler anyway.',
        'The single executable is the pkg-built SEA of the pinned Node; the diagnostic row runs the same bundle (build/main.cjs) on that Node without the SEA wrapper.',
        'The last column pairs each round\'s difference with the bare Node start of the same round: on a loaded machine it moves less than the ratio of the medians.',
        `The HIP rows compile a real kernel (clang++ ${CLANG_ARGS.join(' ')}, as hipcc 7 runs it) from a warm private cache; the bench FAILS a case whose timed calls were not all hits. A row "over" another is the difference of the two calls timed in the same round: the launcher's (or shim's) own time on that path, to set beside a bare Node start.`,
        'Through sccache the launcher execs a /bin/sh that waits for sccache and compiles directly after its exit 2 (a server that died mid-request: src/launcher/cache-failure.ts); its cost is in the sccache rows.',
        'Auto mode runs with the machine\'s PATH, where Debian 12 installs both caches: sccache 0.4 (which cannot cache HIP, so auto mode passes over it) and ccache.',
        'The shim row: hipcc 7 as shipped (it ignores HIP_CLANG_LAUNCHER) with HIP_CLANG_PATH at a hard-linked copy of llvm-15 where the shim is `install`ed; the call without it is the same hipcc with ccache in the shim\'s place (a link named clang++ to ccache, which finds llvm-15\'s clang++ on PATH), so the pair\'s difference is the shim\'s own time. hipcc 7 runs clang once per compile.',
      ],
      cases: [
        ...peerCases(dir, compiler, call),
        { id: 'node-bare', label: 'bare Node start: `node -e 0` (the Node the executable embeds)', command: () => ({ file: ctx.node, args: ['-e', '0'], env, cwd: dir }) },
        { id: 'node-empty-file', label: 'bare Node start: `node empty.js`', command: () => ({ file: ctx.node, args: [emptyScript(dir)], env, cwd: dir }) },
        { id: 'launcher', label: '**launcher**, cache `none`', command: () => call(launcherPath(), [compiler], none) },
        { id: 'shim', label: '**shim** (`install`ed as clang++), cache `none`', command: () => call(shimOver(dir, compiler, env), [], none) },
        { id: 'launcher-bundle', label: 'launcher bundle on plain Node, no SEA (diagnostic)', command: () => call(ctx.node, [bundleCopy(dir), compiler], none) },
        ...hip.cases,
      ],
      verify: hits.verify,
      teardown: hits.teardown,
    };
  },
  // The timed cases take turns round by round; a row over another is the per-round difference.
  async measure(cases, plan) {
    const timed = cases.filter((c) => !c.command.over);
    // Rotated: with a fixed order the first HIP case of every round (auto mode's) ran just after
    // the plain Node rows, and only it paid for whatever that left cold.
    const measured = await roundRobin(timed, { ...plan, rotate: true, toResult: (samples) => ({ stats: summarize(samples), samples }) });
    const outcome = new Map([...measured].map(([id, { samples, ...result }]) => [id, result]));
    for (const c of cases.filter((x) => x.command.over)) {
      const [of, over] = c.command.over.map((id) => measured.get(id));
      if (!of?.samples || !over?.samples) {
        outcome.set(c.id, { error: `needs ${c.command.over.join(' and ')}, and ${of?.samples ? c.command.over[1] : c.command.over[0]} did not run` });
        continue;
      }
      const diffs = of.samples.map((ms, i) => ms - over.samples[i]);
      // Paired with the bare Node start of the same round, which load slows alike.
      const node = measured.get('node-bare')?.samples;
      const pairedRatio = node ? summarize(diffs.map((ms, i) => ms / node[i])).median : undefined;
      outcome.set(c.id, { stats: summarize(diffs), ...(pairedRatio === undefined ? {} : { extra: { paired: `${pairedRatio.toFixed(2)}x`, pairedRatio } }) });
    }
    return outcome;
  },
};

// The HIP cases: each warm hit with and without the launcher (or shim), and a row for the difference.
function hipCases(hits, env) {
  const { cacheCase } = hits;
  // Each launcher case keeps its facts in a state directory of its own, filled by the call that fills its cache:
  // launchers of other versions on a shared machine (other checkouts' tests) cannot rewrite them between rounds.
  const state = (dir) => ({ HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state') });
  const withLauncher = (cache) => (dir, cacheFile) => ({ file: launcherPath(), args: [CLANGXX, ...CLANG_ARGS], env: { ...hipEnv(), ...state(dir), HIP_CLANG_LAUNCHER_CACHE: cache ?? cacheFile } });
  const direct = (dir, cacheFile) => ({ file: cacheFile, args: [CLANGXX, ...CLANG_ARGS], env: hipEnv() });
  const auto = (dir) => {
    for (const cache of ['/usr/bin/sccache', '/usr/bin/ccache']) requireFile(cache, 'run `npm run provision` (Debian 12\'s sccache and ccache)');
    return { file: launcherPath(), args: [CLANGXX, ...CLANG_ARGS], env: { ...hipEnv(), ...state(dir), HIP_CLANG_LAUNCHER_CACHE: 'auto' } };
  };
  const hipccWithCache = (dir, cacheFile) => ({ file: hipcc7('patched'), args: HIPCC_ARGS, env: { ...hipEnv(), HIP_CLANG_LAUNCHER: cacheFile } });
  const hipccShim = (dir) => {
    const bin = join(llvmTreeCopy(dir), 'bin');
    installShim(bin, env);
    hits.onTeardown(() => uninstallShim(bin, env));
    return { file: hipcc7('unpatched'), args: HIPCC_ARGS, env: { ...hipEnv(bin), ...state(dir), HIP_CLANG_LAUNCHER_CACHE: 'ccache' } };
  };
  // The same hipcc as shipped with ccache in the shim's place: a link named clang++ to ccache
  // (its masquerade mode), which finds the real clang++ on PATH, here llvm-15's. The shim's own
  // time is this pair's difference; hipcc as patched (hipcc-ccache) takes another path through
  // hipcc, about 0.8 ms shorter, which is hipcc's and not the shim's.
  const hipccMasquerade = (dir, cacheFile) => {
    const bin = join(dir, 'masquerade');
    mkdirSync(bin, { recursive: true });
    if (!existsSync(join(bin, 'clang++'))) symlinkSync(cacheFile, join(bin, 'clang++'));
    return { file: hipcc7('unpatched'), args: HIPCC_ARGS, env: { ...hipEnv(bin), PATH: `${dirname(CLANGXX)}:${env.PATH ?? process.env.PATH}` } };
  };
  const over = (of, without) => () => ({ over: [of, without] });
  return {
    cases: [
      // Each call with the launcher runs next to the same call without it: the pair sees the same load.
      { id: 'hip-launcher-auto', label: 'HIP warm hit: launcher, cache `auto` (sccache 0.4 and ccache installed) → ccache', command: cacheCase('hip-launcher-auto', 'ccache', auto) },
      { id: 'hip-ccache', label: 'HIP warm hit: ccache clang++ directly', command: cacheCase('hip-ccache', 'ccache', direct) },
      { id: 'hip-launcher-ccache', label: 'HIP warm hit: launcher → ccache', command: cacheCase('hip-launcher-ccache', 'ccache', withLauncher('ccache')) },
      { id: 'hip-sccache', label: 'HIP warm hit: sccache (HIP-capable) clang++ directly', command: cacheCase('hip-sccache', 'sccache', direct) },
      { id: 'hip-launcher-sccache', label: 'HIP warm hit: launcher → sccache (HIP-capable)', command: cacheCase('hip-launcher-sccache', 'sccache', withLauncher()) },
      { id: 'hipcc-ccache', label: 'HIP warm hit: hipcc 7 patched, HIP_CLANG_LAUNCHER=ccache', command: cacheCase('hipcc-ccache', 'ccache', hipccWithCache) },
      { id: 'hipcc-masquerade-ccache', label: 'HIP warm hit: hipcc 7 as shipped → ccache as clang++ (a link to it)', command: cacheCase('hipcc-masquerade-ccache', 'ccache', hipccMasquerade) },
      { id: 'hipcc-shim-ccache', label: 'HIP warm hit: hipcc 7 as shipped → shim → ccache', command: cacheCase('hipcc-shim-ccache', 'ccache', hipccShim) },
      { id: 'launcher-over-ccache', label: '**launcher** over ccache alone (HIP warm hit)', command: over('hip-launcher-ccache', 'hip-ccache') },
      { id: 'launcher-over-sccache', label: '**launcher** over sccache alone (HIP warm hit)', command: over('hip-launcher-sccache', 'hip-sccache') },
      { id: 'launcher-auto-over-ccache', label: '**launcher**, cache `auto`, over ccache alone (HIP warm hit)', command: over('hip-launcher-auto', 'hip-ccache') },
      { id: 'shim-over-hipcc', label: '**shim** under hipcc 7 over hipcc 7 → ccache alone (HIP warm hit)', command: over('hipcc-shim-ccache', 'hipcc-masquerade-ccache') },
    ],
  };
}

function emptyScript(dir) {
  const file = join(dir, 'empty.js');
  writeFileSync(file, '');
  return file;
}

// The bundle decides its mode by the name it runs under, so run a copy named like the executable.
function bundleCopy(dir) {
  const file = join(dir, 'bundle', 'hip-clang-launcher');
  mkdirSync(join(dir, 'bundle'), { recursive: true });
  copyFileSync(requireFile(join(repoRoot, 'build/main.cjs'), 'run `npm run build`'), file);
  return file;
}

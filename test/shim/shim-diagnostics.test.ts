import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, sccacheEnv, stopSccache } from '../helpers/caches.js';
import { runInLab } from '../helpers/lab.js';
import { freePort } from '../helpers/ports.js';
import { cleanEnv, run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';
import { runLabBuild, shimmedLlvm21, statsOf, takeCallLog, type LabCache } from '../lab/lab-builds.js';
import { makeTree, type TreeStyle } from './trees.js';

// Issue 18, item 10: what the compiler prints about itself through the shim
// is what the bare compiler prints. clang-21 names itself in its driver's
// diagnostics by its argv[0]; the shim ran the real compiler as
// <bin>/clang++-real, so a build log said `clang++-real: error:` where the
// bare compiler says `clang++: error:`. Run directly, the real compiler gets
// the invoked name as argv[0]; a cache is given a per-user link named as
// invoked that leads to <bin>/clang++-real (src/launcher/cache-name-link.ts).
// What stays different, as the README says: `-###` names the real binary's
// file for the -cc1 job, and clang-15 names itself after its real file.

const BARE21 = '/usr/lib/llvm-21/bin';

// Calls whose stderr names the driver: a driver warning in a compile that is
// cached and replayed (run twice: a miss, then a hit), a compile error, a driver error.
const CALLS = [
  ['-c', 'ok.cpp', '-o', 'ok.o', '-L/nowhere'],
  ['-c', 'bad.cpp', '-o', 'bad.o'],
  ['-c', 'ok.cpp', '-o', 'ok2.o', '-fno-such-flag'],
];

function writeSources(dir: string): void {
  writeFileSync(join(dir, 'ok.c'), 'int f(void) { return 1; }\n');
  // C++ for clang too: sccache 0.10 drops clang++'s warning about a .c input (its own rewrite of the call).
  writeFileSync(join(dir, 'ok.cpp'), 'int f() { return 1; }\n');
  writeFileSync(join(dir, 'bad.cpp'), 'int g() { return missing; }\n');
}

// `cmd > <tag>.out 2>&1`, its exit code in <tag>.rc (the script runs under set -e).
const captured = (tag: string, cmd: string) => `if ${cmd} > ${tag}.out 2>&1; then echo 0; else echo $?; fi > ${tag}.rc`;
const output = (dir: string, tag: string) => ({ out: readFileSync(join(dir, `${tag}.out`), 'utf8'), rc: readFileSync(join(dir, `${tag}.rc`), 'utf8') });

describe("shim diagnostics are the compiler's own (sid lab, clang-21)", () => {
  let dir: string;
  let shimBin: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-shim-diag-');
    shimBin = shimmedLlvm21(dir);
    writeSources(dir);
  }, 300_000);

  it("errors, --version and driver warnings run directly: byte for byte the bare compiler's, for clang and clang++", () => {
    const calls = [['-c', 'missing.cpp', '-o', 'x.o'], ['--version'], ['-fno-such-flag', '-E', 'ok.c'], ['-Wunused-command-line-argument', '-c', 'ok.cpp', '-o', 'ok.o', '-L/nowhere']];
    const script = ['cd "$W"'];
    for (const [i, args] of calls.entries()) {
      for (const name of ['clang', 'clang++']) {
        for (const [tag, bin] of [['bare', BARE21], ['shim', shimBin]]) {
          script.push(`HIP_CLANG_LAUNCHER_CACHE=none ${bin}/${name} ${args.join(' ')} > ${tag}-${name}-${i}.out 2>&1 || true`);
        }
      }
    }
    const r = runInLab(['sh', '-c', script.join('\n')], { binds: [{ host: join(repoRoot, 'dist/linux-x64'), readOnly: true }, dir], env: { W: dir } });
    expect(r.status, r.stderr).toBe(0);
    for (const i of calls.keys()) {
      for (const name of ['clang', 'clang++']) {
        const bare = readFileSync(join(dir, `bare-${name}-${i}.out`), 'utf8');
        const shim = readFileSync(join(dir, `shim-${name}-${i}.out`), 'utf8').replaceAll(shimBin, BARE21);
        expect(shim, `${name} ${calls[i]!.join(' ')}`).toBe(bare);
      }
    }
    expect(readFileSync(join(dir, 'shim-clang++-0.out'), 'utf8')).toContain("clang++: error: no such file or directory: 'missing.cpp'");
  }, 300_000);

  // ccache 4.14 and sccache 0.17 run the compiler by the path they are given.
  for (const cache of ['ccache', 'sccache'] as const satisfies readonly LabCache[]) {
    it(`compiles through ${cache}: stderr and exit code byte for byte the bare compiler's, on a miss and a hit, by the shim and by the launcher`, () => {
      const work = join(dir, cache);
      mkdirSync(work);
      writeSources(work);
      const body = [`cd ${work}`];
      for (const name of ['clang', 'clang++']) {
        for (const [i, args] of CALLS.entries()) {
          const call = args.join(' ');
          body.push(captured(`bare-${name}-${i}`, `${BARE21}/${name} ${call}`));
          body.push(captured(`shim-${name}-${i}`, `${shimBin}/${name} ${call}`));
          if (i === 0) {
            body.push(captured(`hit-${name}-${i}`, `${shimBin}/${name} ${call}`));
            body.push(captured(`launcher-${name}-${i}`, `"$LAUNCHER" ${shimBin}/${name} ${call}`));
          }
        }
      }
      body.push('stats after');
      takeCallLog(dir);
      runLabBuild(dir, cache, body.join('\n'), { HIP_CLANG_LAUNCHER_SPLIT: 'off' });
      for (const name of ['clang', 'clang++']) {
        for (const [i, args] of CALLS.entries()) {
          const bare = output(work, `bare-${name}-${i}`);
          for (const tag of i === 0 ? ['shim', 'hit', 'launcher'] : ['shim']) {
            expect(output(work, `${tag}-${name}-${i}`), `${tag}: ${name} ${args.join(' ')}`).toEqual(bare);
          }
        }
        expect(output(work, `bare-${name}-0`).out).toContain(`${name}: warning: argument unused during compilation: '-L/nowhere'`);
        expect(output(work, `bare-${name}-2`).out).toContain(`${name}: error: unknown argument: '-fno-such-flag'`);
      }
      // The compiles went through the cache, and the shim's and the launcher's calls share its entries.
      const log = takeCallLog(dir).filter((c) => JSON.stringify(c).includes('ok.o'));
      expect(log).toHaveLength(6);
      expect(log.map((c) => c.route)).toEqual(Array(6).fill('cache'));
      expect(statsOf(dir, cache, 'after').hits).toBe(4);
    }, 600_000);
  }

  it('planted state: a link made to lead elsewhere is made anew; a links directory another user owns or can write is not used (the cache gets <bin>/clang++-real)', () => {
    const work = join(dir, 'planted');
    mkdirSync(work);
    writeSources(work);
    const call = CALLS[2]!.join(' ');
    const step = (tag: string) => runLabBuild(dir, 'ccache', [`cd ${work}`, captured(`bare-${tag}`, `${BARE21}/clang++ ${call}`), captured(tag, `${shimBin}/clang++ ${call}`)].join('\n'));
    step('first');
    // compiler-names-<uid>: the lab's user.
    const mine = join(dir, 'state', readdirSync(join(dir, 'state')).find((f) => f.startsWith('compiler-names-'))!);
    const owner = statSync(mine).uid;
    const [hashed] = readdirSync(mine);
    const link = join(mine, hashed!, 'clang++');
    expect(readlinkSync(link)).toBe(join(shimBin, 'clang++-real'));
    rmSync(link);
    symlinkSync('/usr/bin/false', link);
    step('replanted');
    expect(readlinkSync(link)).toBe(join(shimBin, 'clang++-real'));
    expect(output(work, 'replanted')).toEqual(output(work, 'bare-replanted'));
    for (const [tag, spoil] of [['foreign', () => chownSync(mine, 65534, 65534)], ['writable', () => chmodSync(join(mine, hashed!), 0o777)]] as const) {
      symlinkSync('/usr/bin/false', `${link}.planted`);
      renameSync(`${link}.planted`, link);
      spoil();
      step(tag);
      expect(readlinkSync(link), tag).toBe('/usr/bin/false');
      expect(output(work, tag), tag).toEqual({ ...output(work, `bare-${tag}`), out: output(work, `bare-${tag}`).out.replace('clang++: ', 'clang++-real: ') });
      chownSync(mine, owner, owner);
      chmodSync(join(mine, hashed!), 0o700);
    }
  }, 300_000);

  it('what the cache is given: the link for a plain call; <bin>/clang++-real with -no-canonical-prefixes or an @file (clang then takes its dirs from argv[0])', () => {
    const work = join(dir, 'given');
    mkdirSync(work);
    writeSources(work);
    writeFileSync(join(work, 'args.rsp'), '-c ok.cpp -o ok3.o\n');
    // A stand-in named ccache that records the compiler it was handed, then runs the real ccache.
    mkdirSync(join(work, 'bin'));
    writeFileSync(join(work, 'bin', 'ccache'), `#!/bin/sh\necho "$1" >> ${work}/given.txt\nexec /usr/bin/ccache "$@"\n`, { mode: 0o755 });
    const calls = [['-c', 'ok.cpp', '-o', 'ok1.o'], ['-no-canonical-prefixes', '-c', 'ok.cpp', '-o', 'ok2.o'], ['@args.rsp']];
    runLabBuild(dir, 'ccache', [`cd ${work}`, ...calls.map((args) => `${shimBin}/clang++ ${args.join(' ')}`)].join('\n'), { HIP_CLANG_LAUNCHER_CACHE: join(work, 'bin', 'ccache') });
    const given = readFileSync(join(work, 'given.txt'), 'utf8').trim().split('\n');
    expect(given).toHaveLength(3);
    expect(given[0]).toMatch(/\/compiler-names-\d+\/[0-9a-f]{16}\/clang\+\+$/);
    expect(readlinkSync(given[0]!)).toBe(join(shimBin, 'clang++-real'));
    expect(given.slice(1)).toEqual([join(shimBin, 'clang++-real'), join(shimBin, 'clang++-real')]);
  }, 300_000);

  it('-### differs only where clang names its own binary: the -cc1 job runs <bin>/clang-real (the README says why)', () => {
    const script = ['cd "$W"', `${BARE21}/clang++ -### -c ok.cpp -o ok.o > bare-hash.out 2>&1`, `HIP_CLANG_LAUNCHER_CACHE=ccache ${shimBin}/clang++ -### -c ok.cpp -o ok.o > shim-hash.out 2>&1`];
    const r = runInLab(['sh', '-c', script.join('\n')], { binds: [{ host: join(repoRoot, 'dist/linux-x64'), readOnly: true }, dir], env: { W: dir, HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state') } });
    expect(r.status, r.stderr).toBe(0);
    const bare = readFileSync(join(dir, 'bare-hash.out'), 'utf8');
    const shim = readFileSync(join(dir, 'shim-hash.out'), 'utf8');
    expect(bare).toContain(`"${BARE21}/clang" "-cc1"`);
    expect(shim).toContain(`"${shimBin}/clang-real" "-cc1"`);
    // The shim's tree is a copy of llvm-21 (its lib/ a link to the lab's): its own paths, as any copy's.
    expect(shim.replaceAll(`"${shimBin}/clang-real" "-cc1"`, `"${BARE21}/clang" "-cc1"`).replaceAll(dirname(shimBin), dirname(BARE21))).toBe(bare);
  }, 300_000);
});

// Debian 12's clang-15 names itself after its real binary's file, whatever
// argv[0] or the path it was run by says (`-no-canonical-prefixes` aside), and
// takes its InstalledDir from argv[0]'s directory, so no link elsewhere is
// made for it: a tree whose real binary keeps its name (ROCm's chain:
// clang -> clang-15) prints what it printed before install; one whose real
// binary was a wrapped name (clang is the file) says `clang-real:`.
describe("shim diagnostics with clang-15 (host: ccache 4.7, sccache 0.10)", () => {
  const stops: (() => void)[] = [];
  afterAll(() => stops.forEach((stop) => stop()));

  const caches = [
    ['ccache 4.7', async (dir: string) => ({ cache: tools.ccache, env: ccacheEnv(dir) })],
    ['sccache 0.10', async (dir: string) => {
      const env = sccacheEnv(dir, await freePort());
      stops.push(() => stopSccache(tools.sccacheHip, env));
      return { cache: tools.sccacheHip, env };
    }],
  ] as const;
  for (const style of ['symlink-chain', 'real-files'] as const satisfies readonly TreeStyle[]) {
    for (const [title, cacheEnvOf] of caches) {
      it(`${style} tree through ${title}: ${style === 'symlink-chain' ? 'the same bytes as before install' : 'the bytes before install, with clang-real: for clang:'}`, async () => {
        const dir = makeTempDir('hcl-shim-diag15-');
        writeSources(dir);
        const { bin } = makeTree(dir, style);
        const { cache, env: cacheVars } = await cacheEnvOf(dir);
        const state = join(dir, 'state');
        const env = cleanEnv({ ...cacheVars, HIP_CLANG_LAUNCHER_CACHE: cache, HIP_CLANG_LAUNCHER_STATE_DIR: state, HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.jsonl'), HIP_CLANG_LAUNCHER_SPLIT: 'off' });
        const runAll = () => ['clang', 'clang++'].flatMap((name) => CALLS.map((args) => run(join(bin, name), args, { cwd: dir, env })).map((r) => ({ out: r.stderr, rc: r.status })));
        const before = runAll();
        const install = run(built.linux, ['install', bin], { env: cleanEnv() });
        expect(install.status, install.stderr).toBe(0);
        const after = runAll();
        const expected = style === 'symlink-chain' ? before : before.map((r) => ({ ...r, out: r.out.replace(/^clang(\+\+)?: /gm, 'clang$1-real: ') }));
        expect(after).toEqual(expected);
        expect(before[2]!.out).toMatch(/^clang(-15)?: error: unknown argument: '-fno-such-flag'$/m);
        const log = readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { route: string; args: string[] });
        expect(log.filter((c) => c.args.includes('ok.o')).map((c) => c.route)).toEqual(['cache', 'cache']);
        // No per-user link for a clang that takes its dirs from argv[0].
        expect(existsSync(state) ? readdirSync(state).filter((f) => f.startsWith('compiler-names')) : []).toEqual([]);
      }, 120_000);
    }
  }
});

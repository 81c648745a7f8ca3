import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv } from '../helpers/caches.js';
import { labRoot, requireLab, runInLabAsync } from '../helpers/lab.js';
import { cleanEnv, runAsync, type RunResult } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';
import { listingDiff, makeTree, ownCopy, treeListing, type Tree } from './trees.js';
import { linkLlvmTree } from '../../scripts/llvm-tree.mjs';

// A shared ROCm tree while builds run: compiles of C, C++ and real HIP
// (gfx90a) run in parallel through clang, clang++ and the versioned name a
// hipcc runs, with ccache behind the shim, while install and
// uninstall alternate, an upgrade is simulated and repaired, and installs are
// SIGKILLed mid-way and recovered. Not one compile may fail, every object must
// equal the uncached one, and the tree must end byte for byte as it began.
// Bounded by cycles, not timed: it prints its counts, how long it took and the
// seconds each admin command took. An uninstall waits for every compile running
// the tree's real compiler (in-flight.ts matches the file, so compiles that never
// went through the shim too), and a worker starts its next compile as the last
// one ends, so a cycle lasts about one HIP compile (measured: in about 3 cycles of
// 4 the wait ended with a compile that had not gone through the shim), and the
// file's CPU is that of its compiles. Run on Debian 12's llvm-15 layout (ROCm's
// clang++ -> clang -> clang-15 chain) and in the sid lab on Debian's llvm-21
// (clang the real binary, clang++ and clang-21 links to it), where every
// compile and admin command runs inside the lab. One test file per toolchain
// (stress-while-installing-host, -lab), so the suite can run the two side by side.

const CYCLES = 30;
const WORKERS = 2;
const FAULT = 'HIP_CLANG_LAUNCHER_TEST_FAULT';

// A run's result with its output as text.
type Outcome = Omit<RunResult, 'stdout'> & { stdout: string };
const asOutcome = (r: RunResult): Outcome => ({ ...r, stdout: r.stdout.toString('utf8') });

interface Job {
  tag: string;
  name: string;
  args: (out: string) => string[];
}

// One toolchain's tree and how to run things against it.
interface Setup {
  tree: Tree;
  jobs: Job[];
  // Runs a program (a compiler in the tree, or the launcher) with only `env` added to the usual environment.
  run(file: string, args: string[], env?: Record<string, string>): Promise<Outcome>;
  // The real binary an upgrade replaces, and the original to put back.
  realName: string;
  original: string;
  // The drift an upgrade of `realName` shows: the real binary changed, or (where the real binary is itself a wrapped name) the shim replaced.
  upgradeDrift: string;
  repairedLine: string;
}

export function hostSetup(dir: string): Setup {
  const tree = makeTree(dir, 'symlink-chain');
  // The real compiler as the tree has it (its own file: see ownCopy), to put back after an upgrade.
  const original = join(dir, 'clang-15.original');
  fs.linkSync(join(tree.bin, 'clang-15'), original);
  fs.writeFileSync(join(dir, 'add.c'), 'int add(int a, int b) { return a + b; }\n');
  const hip = ['-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-O2', '-c', join(repoRoot, 'test/fixtures/hip/saxpy.hip')];
  return {
    tree,
    jobs: [
      { tag: 'hip', name: 'clang++', args: (out) => [...hip, '-o', out] },
      { tag: 'cpp', name: 'clang++', args: (out) => ['-O2', '-c', join(repoRoot, 'test/fixtures/plain.cpp'), '-o', out] },
      { tag: 'c', name: 'clang', args: (out) => ['-O2', '-c', join(dir, 'add.c'), '-o', out] },
      { tag: 'hip15', name: 'clang++-15', args: (out) => [...hip, '-o', out] },
    ],
    // Async, so compiles keep starting while an install or uninstall runs.
    run: async (file, args, env = {}) => asOutcome(await runAsync(file, args, { env: cleanEnv(env), cwd: dir })),
    realName: 'clang-15',
    original,
    upgradeDrift: 'real-changed',
    repairedLine: 'repaired: the real compiler',
  };
}

// Debian sid's llvm-21, hard-linked from the lab root into a host directory bound into the lab at its own path.
export function labSetup(dir: string): Setup {
  requireLab();
  const llvm21 = join(labRoot, 'usr/lib/llvm-21');
  const root = join(dir, 'rocm');
  fs.mkdirSync(root);
  linkLlvmTree(llvm21, join(root, 'llvm'), (path) => path.slice(labRoot.length));
  const tree = { root, bin: join(root, 'llvm/bin') };
  ownCopy(join(tree.bin, 'clang'));
  const original = join(dir, 'clang.original');
  fs.linkSync(join(tree.bin, 'clang'), original);
  fs.writeFileSync(join(dir, 'add.c'), 'int add(int a, int b) { return a + b; }\n');
  fs.copyFileSync(join(repoRoot, 'test/fixtures/hip/saxpy.hip'), join(dir, 'saxpy.hip'));
  fs.copyFileSync(join(repoRoot, 'test/fixtures/plain.cpp'), join(dir, 'plain.cpp'));
  // clang-21 puts a __hip_cuid_ symbol in every HIP object, and the launcher adds a per-object
  // -cuid on its way to a cache: an explicit one (kept as given) makes every route's object comparable.
  const hip = ['-x', 'hip', '--offload-arch=gfx90a', '-cuid=stress', '-Wno-unused-value', '-O2', '-c', 'saxpy.hip'];
  const binds = [dir, { host: dirname(built.linux), readOnly: true }];
  // Each lab command gets a fresh /root: without a cache directory that lasts, as every user's
  // does, each compile hashed the toolchain again and each install the 127 MB executable.
  const cacheHome = join(dir, 'user-cache');
  fs.mkdirSync(cacheHome, { mode: 0o700 });
  return {
    tree,
    jobs: [
      { tag: 'hip', name: 'clang++', args: (out) => [...hip, '-o', out] },
      { tag: 'cpp', name: 'clang++', args: (out) => ['-O2', '-c', 'plain.cpp', '-o', out] },
      { tag: 'c', name: 'clang', args: (out) => ['-O2', '-c', 'add.c', '-o', out] },
      { tag: 'hip21', name: 'clang-21', args: (out) => [...hip, '-o', out] },
    ],
    run: async (file, args, env = {}) => asOutcome(await runInLabAsync([file, ...args], { binds, env: { XDG_CACHE_HOME: cacheHome, ...env }, cwd: dir })),
    realName: 'clang',
    original,
    // clang is both the real binary and a wrapped name: a package upgrade writes it over the shim.
    upgradeDrift: 'shim-replaced',
    repairedLine: 'repaired',
  };
}

export function stressTest(title: string, makeSetup: (dir: string) => Setup) {
  describe(title, () => {
    let dir: string;
    let setup: Setup;
    const reference = new Map<string, Buffer>();

    beforeAll(() => {
      dir = makeTempDir('hcl-stress-');
      setup = makeSetup(dir);
    });

    it(`${CYCLES} install/uninstall cycles with drift repairs and kill -9: 0 failed compiles, every object right, tree restored`, async () => {
      const { tree, jobs } = setup;
      const pristine = treeListing(tree.root);
      // Seconds spent in each admin command, printed with the counts: where a cycle's time goes.
      const spent = new Map<string, number>();
      const hcl = async (args: string[], env: Record<string, string> = {}) => {
        const started = performance.now();
        const r = await setup.run(built.linux, args, env);
        spent.set(args[0]!, (spent.get(args[0]!) ?? 0) + (performance.now() - started) / 1000);
        return r;
      };
      const compileEnv = { ...ccacheEnv(dir), HIP_CLANG_LAUNCHER_CACHE: 'ccache' };
      // Uncached, through the untouched tree: what every compile must give. All at once
      // (nothing else runs yet): one after another they left a core idle for seconds.
      await Promise.all(
        jobs.map(async (job) => {
          const out = join(dir, `${job.tag}-ref.o`);
          const r = await setup.run(join(tree.bin, job.name), job.args(out));
          expect(r.stderr).toBe('');
          expect(r.status).toBe(0);
          reference.set(job.tag, fs.readFileSync(out));
        }),
      );

      const failures: string[] = [];
      const count = new Map<string, number>(jobs.map((j) => [j.tag, 0]));
      let stop = false;
      const worker = async (w: number) => {
        for (let n = 0; !stop; n += 1) {
          const job = jobs[(n + w) % jobs.length]!;
          const out = join(dir, `w${w}-${n}-${job.tag}.o`);
          const r = await setup.run(join(tree.bin, job.name), job.args(out), compileEnv);
          count.set(job.tag, count.get(job.tag)! + 1);
          if (r.status !== 0 || r.stderr !== '') failures.push(`${job.name} ${job.tag}: exit ${r.status} ${r.signal ?? ''} ${r.stderr.trim()}`);
          else if (!fs.readFileSync(out).equals(reference.get(job.tag)!)) failures.push(`${job.name} ${job.tag}: object differs from the uncached one`);
          fs.rmSync(out, { force: true });
        }
      };

      const expectOk = async (args: string[], env: Record<string, string> = {}) => {
        const r = await hcl(args, env);
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        return r;
      };
      const driftOf = async () => JSON.parse((await hcl(['status', tree.root, '--json'])).stdout).drift.map((d: { kind: string }) => d.kind) as string[];
      // An upgrade the way dpkg does it: the new file under a temp name, renamed over the old.
      const replaceAtomically = (name: string, make: (tmp: string) => void) => {
        const tmp = join(tree.bin, `${name}.dpkg-new`);
        make(tmp);
        fs.renameSync(tmp, join(tree.bin, name));
      };

      const started = performance.now();
      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      let kills = 0;
      let repairs = 0;
      try {
        for (let cycle = 1; cycle <= CYCLES; cycle += 1) {
          if (cycle % 10 === 5) {
            // kill -9 of an install mid-way; the next command finishes or undoes it.
            const killed = await hcl(['install', tree.root], { [FAULT]: `kill-at=${8 + cycle}` });
            expect(killed.signal ?? (killed.status === 137 ? 'SIGKILL' : killed.status)).toBe('SIGKILL');
            kills += 1;
            if (cycle % 20 === 5) {
              await expectOk(['uninstall', tree.root]);
            }
          }
          await expectOk(['install', tree.root]);
          if (cycle % 10 === 0) {
            // An upgrade replaces the real binary: status shows it, one install repairs it.
            replaceAtomically(setup.realName, (tmp) => {
              fs.copyFileSync(setup.original, tmp);
              fs.appendFileSync(tmp, `upgrade ${cycle}`);
            });
            expect(await driftOf()).toContain(setup.upgradeDrift);
            expect((await expectOk(['install', tree.root])).stdout).toContain(setup.repairedLine);
            expect(await driftOf()).toEqual([]);
            // And a package rewrites a wrapped name's original link over the shim.
            replaceAtomically('clang++', (tmp) => fs.symlinkSync('clang', tmp));
            expect(await driftOf()).toContain('shim-replaced');
            await expectOk(['install', tree.root]);
            expect(await driftOf()).toEqual([]);
            // The original binary back (a hard link, so the tree ends as it began), repaired again.
            replaceAtomically(setup.realName, (tmp) => fs.linkSync(setup.original, tmp));
            await expectOk(['install', tree.root]);
            expect(await driftOf()).toEqual([]);
            repairs += 3;
          }
          await expectOk(['uninstall', tree.root]);
        }
      } finally {
        stop = true;
        await Promise.all(workers);
      }
      const seconds = (performance.now() - started) / 1000;
      const compiles = [...count.values()].reduce((a, b) => a + b, 0);
      console.log(
        `stress (${title}): ${compiles} compiles (${[...count].map(([t, n]) => `${t} ${n}`).join(', ')}), ${CYCLES} install/uninstall cycles, ` +
          `${repairs} drift repairs, ${kills} installs killed, ${failures.length} failed, ${seconds.toFixed(1)} s ` +
          `(${[...spent].map(([command, s]) => `${command} ${s.toFixed(1)} s`).join(', ')})`,
      );
      expect(failures).toEqual([]);
      expect(compiles).toBeGreaterThanOrEqual(CYCLES);
      for (const n of count.values()) expect(n).toBeGreaterThan(0);
      expect(listingDiff(pristine, treeListing(tree.root))).toEqual([]);
    }, 1_200_000);
  });
}

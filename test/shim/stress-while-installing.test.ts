import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv } from '../helpers/caches.js';
import { cleanEnv } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';
import { LLVM15, listingDiff, makeTree, treeListing, type Tree } from './trees.js';

// A shared ROCm tree while builds run: compiles of C, C++ and real HIP
// (clang-15, gfx90a) run in parallel through clang, clang++ and clang++-15
// (Debian hipcc's name), with ccache behind the shim, while install and
// uninstall alternate, an upgrade is simulated and repaired, and installs are
// SIGKILLed mid-way and recovered. Not one compile may fail, every object must
// equal the uncached one, and the tree must end byte for byte as it began.
// Bounded by cycles, not timed: it prints its counts and how long it took. An
// uninstall waits for the compiles still using what it removes, so each cycle
// costs about one compile.

const CYCLES = 30;
const WORKERS = 2;
const FAULT = 'HIP_CLANG_LAUNCHER_TEST_FAULT';

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// Async, so compiles keep starting while an install or uninstall runs.
function runAsync(file: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

interface Job {
  tag: string;
  name: string;
  args: (out: string) => string[];
}

describe('compiles while the shim is installed, uninstalled, repaired and killed (Debian llvm-15 layout)', () => {
  let dir: string;
  let tree: Tree;
  let jobs: Job[];
  const reference = new Map<string, Buffer>();

  beforeAll(() => {
    dir = makeTempDir('hcl-stress-');
    tree = makeTree(dir, 'symlink-chain');
    fs.writeFileSync(join(dir, 'add.c'), 'int add(int a, int b) { return a + b; }\n');
    const hip = ['-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-O2', '-c', join(repoRoot, 'test/fixtures/hip/saxpy.hip')];
    jobs = [
      { tag: 'hip', name: 'clang++', args: (out) => [...hip, '-o', out] },
      { tag: 'cpp', name: 'clang++', args: (out) => ['-O2', '-c', join(repoRoot, 'test/fixtures/plain.cpp'), '-o', out] },
      { tag: 'c', name: 'clang', args: (out) => ['-O2', '-c', join(dir, 'add.c'), '-o', out] },
      { tag: 'hip15', name: 'clang++-15', args: (out) => [...hip, '-o', out] },
    ];
  });

  it(`${CYCLES} install/uninstall cycles with drift repairs and kill -9: 0 failed compiles, every object right, tree restored`, async () => {
    const pristine = treeListing(tree.root);
    const hcl = (args: string[], env: Record<string, string> = {}) => runAsync(built.linux, args, cleanEnv(env));
    const compileEnv = cleanEnv({ ...ccacheEnv(dir), HIP_CLANG_LAUNCHER_CACHE: 'ccache' });
    for (const job of jobs) {
      // Uncached, through the untouched tree: what every compile must give.
      const out = join(dir, `${job.tag}-ref.o`);
      const r = await runAsync(join(tree.bin, job.name), job.args(out), cleanEnv(), dir);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      reference.set(job.tag, fs.readFileSync(out));
    }

    const failures: string[] = [];
    const count = new Map<string, number>(jobs.map((j) => [j.tag, 0]));
    let stop = false;
    const worker = async (w: number) => {
      for (let n = 0; !stop; n += 1) {
        const job = jobs[(n + w) % jobs.length]!;
        const out = join(dir, `w${w}-${n}-${job.tag}.o`);
        const r = await runAsync(join(tree.bin, job.name), job.args(out), compileEnv, dir);
        count.set(job.tag, count.get(job.tag)! + 1);
        if (r.status !== 0 || r.stderr !== '') failures.push(`${job.name} ${job.tag}: exit ${r.status} ${r.signal ?? ''} ${r.stderr.trim()}`);
        else if (!fs.readFileSync(out).equals(reference.get(job.tag)!)) failures.push(`${job.name} ${job.tag}: object differs from the uncached one`);
        fs.rmSync(out, { force: true });
      }
    };

    const admin: string[] = [];
    const expectOk = async (args: string[], env: Record<string, string> = {}) => {
      const r = await hcl(args, env);
      admin.push(`${args[0]} -> ${r.status}`);
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
          expect(killed.signal).toBe('SIGKILL');
          kills += 1;
          if (cycle % 20 === 5) {
            await expectOk(['uninstall', tree.root]);
          }
        }
        await expectOk(['install', tree.root]);
        if (cycle % 10 === 0) {
          // An upgrade replaces the real binary: status shows it, one install repairs it.
          replaceAtomically('clang-15', (tmp) => {
            fs.copyFileSync(join(LLVM15, 'bin/clang'), tmp);
            fs.appendFileSync(tmp, `upgrade ${cycle}`);
          });
          expect(await driftOf()).toContain('real-changed');
          expect((await expectOk(['install', tree.root])).stdout).toContain('repaired: the real compiler');
          expect(await driftOf()).toEqual([]);
          // And a package rewrites a wrapped name's original link over the shim.
          replaceAtomically('clang++', (tmp) => fs.symlinkSync('clang', tmp));
          expect(await driftOf()).toContain('shim-replaced');
          await expectOk(['install', tree.root]);
          expect(await driftOf()).toEqual([]);
          // The original binary back (a hard link, so the tree ends as it began), repaired again.
          replaceAtomically('clang-15', (tmp) => fs.linkSync(join(LLVM15, 'bin/clang'), tmp));
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
      `stress: ${compiles} compiles (${[...count].map(([t, n]) => `${t} ${n}`).join(', ')}), ${CYCLES} install/uninstall cycles, ` +
        `${repairs} drift repairs, ${kills} installs killed, ${failures.length} failed, ${seconds.toFixed(1)} s`,
    );
    expect(failures).toEqual([]);
    expect(compiles).toBeGreaterThanOrEqual(CYCLES);
    for (const n of count.values()) expect(n).toBeGreaterThan(0);
    expect(listingDiff(pristine, treeListing(tree.root))).toEqual([]);
  }, 900_000);
});

import { execFileSync } from 'node:child_process';
import { closeSync, constants, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sccacheServerPid } from '../../src/launcher/sccache-server.js';
import { hostSccaches, sccacheEnv, stopSccache } from '../helpers/caches.js';
import { runInLabAsync } from '../helpers/lab.js';
import { freePort } from '../helpers/ports.js';
import { cleanEnv, runAsync, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// An sccache server killed while a 32-way build has compiles in flight:
// bare sccache fails them (exit 2, "Failed to read response header"; its
// SCCACHE_IGNORE_SERVER_IO_ERROR does not cover a request already sent).
// Through the launcher each compiles directly instead, on the exec path (a
// shell waits in the launcher's place) and on the spawn path (a log is set),
// and every object equals the uncached build's.
//
// The kill point is controlled, not left to luck. The failure is in sccache's
// window between taking a request and answering that the compile started
// (its client then exits 2, "Failed to read response header"; after that
// answer, SCCACHE_IGNORE_SERVER_IO_ERROR makes it compile locally): the
// server reads `@file` arguments there. Each compile names @gate.rsp, at
// first a FIFO, so the server blocks on every request until all 32 clients
// (and 2 bare sccache ones) hold a connection; then gate.rsp becomes a
// regular file and the server is killed by its own pid
// (found from its private port: other sccache servers on the machine are not
// touched). The same in the sid lab (sccache 0.17, clang 21) is a shell
// script there (test/fixtures/cache-dies-lab.sh). HCL_CACHE_DEATH_RUNS=<n> adds n builds with the server killed at
// a random moment instead (the issue's proof asks for 20), printing progress.

const UNITS = 32;
const GATE = '-DGATE=7\n';
// A few random kills in every run (no test is skipped); the issue's 20 with HCL_CACHE_DEATH_RUNS=20.
const RANDOM_RUNS = Number.parseInt(process.env.HCL_CACHE_DEATH_RUNS ?? '3', 10) || 3;

// Server-side connections to 127.0.0.1:port that are established.
function connectionsTo(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'latin1').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '01' && fields[1]?.endsWith(hexPort)) n++;
    }
  }
  return n;
}

const until = async (what: string, ok: () => boolean, timeoutMs = 300_000) => {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const sccaches = hostSccaches;

describe('an sccache server killed mid-build fails no compile (built executable)', () => {
  let dir: string;
  const reference = new Map<number, Buffer>();
  const compileArgs = (i: number, out: string, extra: string[] = [], compiler = tools.clangxx) => [compiler, '-O2', '@gate.rsp', ...extra, '-c', `u${i}.cpp`, '-o', join(out, `u${i}.o`)];
  // Every other pair names the compiler as PATH finds it: its argv[0] is then not its path, which
  // the exec path's shell can give only as bash (`exec -a`), not dash.
  const launcherArgs = (i: number, out: string, extra: string[] = []) => compileArgs(i, out, extra, i % 4 >= 2 ? basename(tools.clangxx) : tools.clangxx);

  beforeAll(async () => {
    dir = makeTempDir('hcl-cache-dies-');
    for (let i = 0; i < UNITS; i++) writeFileSync(join(dir, `u${i}.cpp`), `int unit_${i}(int x) { return x * GATE + ${i}; }\n`);
    writeFileSync(join(dir, 'warm.cpp'), 'int warm() { return 1; }\n');
    writeFileSync(join(dir, 'gate.rsp'), GATE);
    mkdirSync(join(dir, 'ref'));
    // The uncached objects, compiled side by side as a parallel build would (one after another,
    // each waited for, they took 20 s of a loaded run); each is its own call and object.
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' });
    const refs = await Promise.all(Array.from({ length: UNITS }, (_, i) => runAsync(built.linux, compileArgs(i, join(dir, 'ref')), { env, cwd: dir })));
    refs.forEach((r, i) => {
      expect(r.status, r.stderr).toBe(0);
      reference.set(i, readFileSync(join(dir, 'ref', `u${i}.o`)));
    });
  });

  const expectObjects = (out: string) => {
    for (const [i, bytes] of reference) expect(readFileSync(join(out, `u${i}.o`)).equals(bytes), `u${i}.o`).toBe(true);
  };

  for (const [version, sccache] of sccaches) {
    it(`${version}: 32 compiles in flight when the server is killed all succeed, on the exec and the spawn path`, async () => {
      const port = await freePort();
      const name = `gated-${port}`;
      const out = join(dir, name);
      mkdirSync(out);
      const server = sccacheEnv(join(dir, name), port);
      const env = { ...cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: sccache(), XDG_CACHE_HOME: join(dir, `state-${port}`) }), ...server };
      try {
        // The launcher starts the server (and remembers it) on its first call.
        const warm = runLauncher([tools.clangxx, '-c', 'warm.cpp', '-o', join(out, 'warm.o')], { cwd: dir, env, timeout: 120_000 });
        expect(warm.status, warm.stderr).toBe(0);
        const pid = sccacheServerPid(port);
        expect(pid).toBeGreaterThan(0);

        rmSync(join(dir, 'gate.rsp'));
        rmSync(join(dir, 'gate-fifo'), { force: true });
        execFileSync('mkfifo', [join(dir, 'gate-fifo')]);
        linkSync(join(dir, 'gate-fifo'), join(dir, 'gate.rsp'));
        const log = join(out, 'calls.jsonl');
        const calls = Array.from({ length: UNITS }, (_, i) => runAsync(built.linux, launcherArgs(i, out), { env: i % 2 ? { ...env, HIP_CLANG_LAUNCHER_LOG: log } : env, cwd: dir }));
        // The defect itself: bare sccache, its requests in flight at the kill.
        mkdirSync(join(out, 'bare'));
        const bare = [0, 1].map((i) => runAsync(sccache(), compileArgs(i, join(out, 'bare')), { env: { ...env, SCCACHE_IGNORE_SERVER_IO_ERROR: '1' }, cwd: dir }));
        await until('34 requests in flight', () => connectionsTo(port) >= UNITS + 2);

        writeFileSync(join(dir, 'gate.tmp'), GATE);
        renameSync(join(dir, 'gate.tmp'), join(dir, 'gate.rsp'));
        process.kill(pid!, 'SIGKILL');
        const results = await Promise.all(calls);
        const bareResults = await Promise.all(bare);
        // Anything that still waits on the FIFO (none should): let it go.
        for (let tries = 0; tries < 1000; tries++) {
          try {
            closeSync(openSync(join(dir, 'gate-fifo'), constants.O_WRONLY | constants.O_NONBLOCK));
          } catch {
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }

        expect(bareResults.map((r) => r.status)).toEqual([2, 2]);
        expect(bareResults[0]!.stderr).toMatch(/sccache: error/);
        expect(results.filter((r) => r.status !== 0).map((r) => r.stderr)).toEqual([]);
        expectObjects(out);
        // The calls met the dead server: sccache's own error line, then the direct compile. A
        // request that read the gate between its swap and the kill may have been answered
        // first and compiled locally, as sccache does by itself: so most calls, not all.
        expect(results.filter((r) => /sccache: error/.test(r.stderr)).length).toBeGreaterThan(UNITS / 2);
        const records = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
        expect(records.map((r) => r.exitCode)).toEqual(Array.from({ length: UNITS / 2 }, () => 0));
        const failed = records.filter((r) => r.route === 'cache-failed');
        expect(failed.length).toBeGreaterThan(0);
        expect(failed[0].fallback).toMatch(/failed \(exit 2/);
      } finally {
        rmSync(join(dir, 'gate.rsp'), { force: true });
        writeFileSync(join(dir, 'gate.rsp'), GATE);
        stopSccache(sccache(), server);
        const left = sccacheServerPid(port);
        if (left) process.kill(left, 'SIGKILL');
      }
    }, 600_000);
  }

  it('sccache 0.17 and clang 21 (sid lab): 32 compiles in flight at the kill all succeed, every object right', async () => {
    const lab = join(dir, 'lab');
    mkdirSync(lab);
    for (let i = 0; i < UNITS; i++) writeFileSync(join(lab, `u${i}.cpp`), `int unit_${i}(int x) { return x * GATE + ${i}; }\n`);
    writeFileSync(join(lab, 'warm.cpp'), 'int warm() { return 1; }\n');
    const port = String(await freePort());
    const r = await runInLabAsync(['sh', join(repoRoot, 'test/fixtures/cache-dies-lab.sh'), built.linux, 'clang++-21'], {
      binds: [{ host: join(built.linux, '..'), readOnly: true }, { host: join(repoRoot, 'test/fixtures'), readOnly: true }, lab],
      cwd: lab,
      env: { HIP_CLANG_LAUNCHER_CACHE: 'sccache', SCCACHE_SERVER_PORT: port, SCCACHE_DIR: join(lab, 'sccache'), HIP_CLANG_LAUNCHER_STATE_DIR: join(lab, 'state'), XDG_CACHE_HOME: join(lab, 'xdg') },
      timeout: 600_000,
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    // As on the host: no call failed, every object right, and the calls met the dead server (most of them: see above).
    const m = /^in flight (\d+), failed 0, wrong objects 0, logged cache-failed (\d+), calls with sccache's error (\d+)\n$/.exec(r.stdout.toString());
    expect(m, r.stdout.toString()).not.toBeNull();
    expect(Number(m![1])).toBe(UNITS);
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(Number(m![3])).toBeGreaterThan(UNITS / 2);
  }, 600_000);

  it(`${RANDOM_RUNS} builds of 32 with the server killed at a random moment: 0 failed compiles, every object right`, async () => {
    const port = await freePort();
    const server = sccacheEnv(join(dir, `random-${port}`), port);
    const env = { ...cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, XDG_CACHE_HOME: join(dir, `state-${port}`) }), ...server };
    // The kill lands somewhere within the length of the previous build.
    let lastBuild = 2000;
    let fellBack = 0;
    // The launcher's facts about this compiler and cache (its and its libraries' digests, the
    // cache's config: memo.ts), learned by one call through a server of its own, stopped at
    // once: every run then starts alike, as a user's next build does, instead of each run's 32
    // launchers learning them again at once (about 0.15 CPU-s each: clang's libraries hashed).
    const memo = join(dir, `random-${port}-memo`);
    const warmPort = await freePort();
    const warmServer = sccacheEnv(join(dir, `random-warm-${warmPort}`), warmPort);
    try {
      const warm = runLauncher([tools.clangxx, '-c', 'warm.cpp', '-o', join(dir, `random-warm-${warmPort}.o`)], {
        cwd: dir,
        env: { ...env, ...warmServer, XDG_CACHE_HOME: join(dir, `random-warm-${warmPort}`, 'state'), HIP_CLANG_LAUNCHER_STATE_DIR: memo },
        timeout: 120_000,
      });
      expect(warm.status, warm.stderr).toBe(0);
    } finally {
      stopSccache(tools.sccacheHip, warmServer);
    }
    try {
      for (let run = 0; run < RANDOM_RUNS; run++) {
        const out = join(dir, `random-${port}-${run}`);
        mkdirSync(out);
        const log = join(out, 'calls.jsonl');
        const began = Date.now();
        // -DRUN changes sccache's key (a miss per run) but not the object.
        // A state directory per run: a kill that lands while a launcher starts the server is
        // remembered there as a failure (30 s of direct compiles), which would leave later runs no server to kill.
        // The facts learned once (memo.ts) are in HIP_CLANG_LAUNCHER_STATE_DIR, which never
        // holds the server's state (sccache-server.ts): one for all runs, learned before them.
        const runEnv = { ...env, XDG_CACHE_HOME: join(out, 'state'), HIP_CLANG_LAUNCHER_STATE_DIR: memo };
        const calls = Array.from({ length: UNITS }, (_, i) => runAsync(built.linux, launcherArgs(i, out, [`-DRUN=${port}x${run}`]), { env: i % 2 ? { ...runEnv, HIP_CLANG_LAUNCHER_LOG: log } : runEnv, cwd: dir }));
        const delay = Math.floor(Math.random() * lastBuild);
        const killer = (async () => {
          await new Promise((resolve) => setTimeout(resolve, delay));
          const pid = sccacheServerPid(port);
          if (pid) process.kill(pid, 'SIGKILL');
          return pid;
        })();
        const results = await Promise.all(calls);
        const killed = await killer;
        lastBuild = Date.now() - began;
        const failed = results.filter((r) => r.status !== 0);
        const viaShell = results.filter((r, i) => i % 2 === 0 && /sccache: error/.test(r.stderr)).length;
        const logged = readFileSync(log, 'utf8').trim().split('\n').filter((line) => JSON.parse(line).route === 'cache-failed').length;
        fellBack += viaShell + logged;
        console.log(`run ${run + 1}/${RANDOM_RUNS}: kill at ${delay} ms (${killed ? `pid ${killed}` : 'no server up'}), ${failed.length} failed, ${viaShell + logged} compiled directly after the cache failed (${viaShell} exec, ${logged} spawn)`);
        expect(failed.map((r) => r.stderr)).toEqual([]);
        expectObjects(out);
      }
      console.log(`${RANDOM_RUNS} runs: ${fellBack} compiles fell back, 0 failed`);
    } finally {
      stopSccache(tools.sccacheHip, server);
      const left = sccacheServerPid(port);
      if (left) process.kill(left, 'SIGKILL');
    }
  }, 3_600_000);
});

import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheStats } from '../helpers/caches.js';
import { cmakeHipBuild, debianRocmRoot, gatedBuildMiddle, SHARED_MACHINE_CCACHE, writeHipProject, writeParallelProject } from '../helpers/hip-projects.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, startSlowProxy, type Redis } from '../helpers/redis.js';
import { cleanEnv } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, tools } from '../helpers/tools.js';

// A team's shared cache on a real redis-server (127.0.0.1, a free port).
// Machine A and machine B are two local cache directories and two checkouts;
// the launcher passes each cache's own remote settings through untouched.
// ccache only here: Debian 13's sccache 0.10 (the HIP-capable one on Debian
// 12 hosts) is built without remote storage, and ignores SCCACHE_REDIS_ENDPOINT
// for its local disk; sccache 0.17 (the sid lab) has Redis.

function remoteHits(env: NodeJS.ProcessEnv): number {
  const out = execFileSync(tools.ccache, ['--print-stats'], { env, encoding: 'utf8' });
  return Number(/^remote_storage_hit\t(\d+)$/m.exec(out)?.[1] ?? 0);
}

describe('machine B is served from Redis after machine A', () => {
  let dir: string;
  let rocmRoot: string;
  let redis: Redis;
  beforeAll(async () => {
    dir = makeTempDir('hcl-redis-');
    rocmRoot = debianRocmRoot(dir);
    redis = await startRedis(dir);
  });

  it('ccache (CCACHE_REMOTE_STORAGE): B\'s first build is all hits, from Redis', () => {
    const machine = (name: string) => {
      const checkout = join(dir, 'ccache', name, 'proj');
      writeHipProject(checkout);
      const env = cleanEnv({
        HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_BASEDIR: join(dir, 'ccache', name), HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, name, 'state'),
        CCACHE_DIR: join(dir, 'ccache', name, 'cache'), CCACHE_REMOTE_STORAGE: redis.url, ...SHARED_MACHINE_CCACHE,
      });
      cmakeHipBuild(checkout, rocmRoot, env);
      return env;
    };
    const a = machine('a');
    // A's build missed (split per arch by default: its parts too).
    const cold = ccacheStats(a as Record<string, string>);
    expect(cold.hits).toBe(0);
    expect(cold.misses).toBeGreaterThanOrEqual(2);
    expect(redis.keyCount()).toBeGreaterThan(0);
    const b = machine('b');
    expect(ccacheStats(b as Record<string, string>)).toEqual({ hits: 2, misses: 0 });
    expect(remoteHits(b)).toBe(2);
  });
});

// Outages: every compile of a -j8 build succeeds with the object an uncached
// build gives. (What an outage costs in time is measured by the benchmark.)
// The outages run concurrently: each has its own Redis (or closed port), cache
// directory and objects, and waits only on events (the gate, the build's end),
// so none depends on another's pace; the slow Redis's waits (300 ms a chunk)
// no longer hold the others back.
const UNITS = 8;

describe.concurrent('a Redis outage never fails a build', () => {
  let dir: string;
  let reference: Map<string, Buffer>;
  const objects = (out: string) => new Map(readdirSync(out).filter((f) => f.endsWith('.o')).map((f) => [f, readFileSync(join(out, f))]));
  const make = (out: string, env: NodeJS.ProcessEnv, gate?: string) =>
    new Promise<number | null>((resolve) => {
      const args = ['-s', `-j${UNITS}`, `LAUNCHER=${built.linux}`, `OUT=${out}`, ...(gate ? [`GATE=${gate}`] : [])];
      const child = spawn('make', args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('exit', (code) => resolve(code));
    });
  const expectSameObjects = (out: string) => {
    const got = objects(out);
    expect([...got.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [name, bytes] of reference) expect(got.get(name)!.equals(bytes), name).toBe(true);
  };

  beforeAll(async () => {
    dir = makeTempDir('hcl-outage-');
    writeParallelProject(dir, UNITS);
    expect(await make(join(dir, 'ref'), cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' }))).toBe(0);
    reference = objects(join(dir, 'ref'));
    expect(reference.size).toBe(UNITS);
  });

  const ccache = (name: string, url: string) =>
    cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), CCACHE_DIR: join(dir, name, 'cache'), CCACHE_REMOTE_STORAGE: url, ...SHARED_MACHINE_CCACHE });

  it('ccache, Redis down before the build', async () => {
    const out = join(dir, 'cc-down');
    expect(await make(out, ccache('cc-down', `redis://127.0.0.1:${await freePort()}`))).toBe(0);
    expectSameObjects(out);
  });

  it('ccache, Redis killed in the middle of a -j8 build', async () => {
    const redis = await startRedis(dir);
    const out = join(dir, 'cc-killed');
    // Killed once the first objects exist, with half the build held until then (by a gate, not a timer).
    const gate = join(dir, 'cc-killed.gate');
    const build = make(out, ccache('cc-killed', redis.url), gate);
    expect(await gatedBuildMiddle(out, gate, build, () => redis.stop())).toBeLessThan(UNITS);
    expect(await build).toBe(0);
    expectSameObjects(out);
  });

  it('ccache, Redis answering slowly (every chunk held 300 ms each way)', async () => {
    const redis = await startRedis(dir);
    const proxy = await startSlowProxy(redis.port, 300);
    const out = join(dir, 'cc-slow');
    expect(await make(out, ccache('cc-slow', `redis://127.0.0.1:${proxy.port}`))).toBe(0);
    expectSameObjects(out);
    expect(redis.keyCount()).toBeGreaterThan(0);
    proxy.stop();
  });
});

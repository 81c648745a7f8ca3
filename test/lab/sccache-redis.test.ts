import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatedBuildMiddle, writeParallelProject } from '../helpers/hip-projects.js';
import { labReference, labSccacheBuild, sccacheHitsOf } from '../helpers/lab-sccache-build.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, startSlowProxy, type Redis } from '../helpers/redis.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// sccache's shared cache on a real Redis, with the sid lab's sccache 0.17
// (Debian 13's 0.10 is built without remote storage). redis-server runs on
// the host's 127.0.0.1, which the lab shares. Each build runs in one lab call
// that starts sccache's server (private port), builds with make -j8 through
// the launcher, reads the stats and stops the server.
//
// The tests run concurrently: each has its own Redis, its own sccache server
// (private port and directory) and its own objects, and none depends on how
// long another takes (the paused Redis waits on an event, the start that
// cannot succeed gets 1 s from sccache's own setting). Most of this file's
// time is waiting (the killed Redis below, the paused Redis's 10 s), which
// the other builds' compiles now fill.
const UNITS = 8;

describe.concurrent('sccache 0.17 on a real Redis (sid lab)', () => {
  let dir: string;
  let expectSameObjects: (out: string) => void;
  const build = (name: string, env: Record<string, string>, startServer = true, beforeRun?: (port: string) => Promise<void>) =>
    labSccacheBuild(dir, name, env, { units: UNITS, startServer, beforeRun });
  const hitsOf = sccacheHitsOf;

  // Once Redis is killed, each compile that reaches sccache waits 30 s for its read and another
  // 30 s for its write (measured: one compile after the kill took 60.1 s; `--stop-server` then
  // returned at once). opendal's Redis service takes its connections from a bb8 pool, whose
  // get() retries a refused connection until bb8's default 30 s connection time-out; sccache
  // 0.17 has no setting for it (its SCCACHE_REDIS_* set the endpoint, cluster, user, password,
  // db, key prefix, TTL and read/write mode), and a stopped (SIGSTOP) Redis is no quicker (the
  // same 30 s bounds the wait on its silent connections). So that build starts first, before the
  // uncached reference it is compared with, and the reference and the other tests run meanwhile;
  // its test waits for it and asserts as before.
  let killed: Promise<{ objectsAtKill: number; status: number | null; out: string }>;

  beforeAll(async () => {
    dir = makeTempDir('hcl-lab-redis-');
    writeParallelProject(dir, UNITS, 'clang++-21', []);
    killed = (async () => {
      const redis: Redis = await startRedis(dir);
      // Killed once the first objects exist, with half the build held until then (by a gate, not a timer).
      const gate = join(dir, 'killed.gate');
      const b = await build('killed', { SCCACHE_REDIS_ENDPOINT: redis.url, GATE: gate });
      const objectsAtKill = await gatedBuildMiddle(b.out, gate, b.run, () => redis.stop());
      return { objectsAtKill, status: (await b.run).status, out: b.out };
    })();
    // Awaited by its test; a failure is reported there, not first as an unhandled rejection.
    killed.catch(() => {});
    expectSameObjects = (await labReference(UNITS)).expectSame;
  }, 900_000);
  // Never ends the file with that build still running (its test filtered out, or failed early).
  afterAll(() => killed?.then(() => undefined, () => undefined), 900_000);

  it('machine B\'s first build is all hits, from Redis (SCCACHE_REDIS_ENDPOINT)', async () => {
    const redis = await startRedis(dir);
    const a = await build('machine-a', { SCCACHE_REDIS_ENDPOINT: redis.url });
    expect((await a.run).status).toBe(0);
    expect(redis.keyCount()).toBeGreaterThan(0);
    const b = await build('machine-b', { SCCACHE_REDIS_ENDPOINT: redis.url });
    expect((await b.run).status).toBe(0);
    expect(hitsOf(b.stats())).toBe(UNITS);
    expectSameObjects(b.out);
    redis.stop();
  }, 900_000);

  it('Redis answering slowly (every chunk held 300 ms each way): every compile succeeds, objects as uncached', async () => {
    const redis = await startRedis(dir);
    const proxy = await startSlowProxy(redis.port, 300);
    const b = await build('slow', { SCCACHE_REDIS_ENDPOINT: `redis://127.0.0.1:${proxy.port}` });
    expect((await b.run).status).toBe(0);
    expectSameObjects(b.out);
    proxy.stop();
    redis.stop();
  }, 900_000);

  // sccache 0.17 checks its storage before its server listens, and its
  // client gives the server 10 s; a server that misses that exits. A Redis
  // that answers only after that (paused until the first start has given
  // up, as under load: an event, not a timer, so a busy machine cannot let
  // the first start succeed) makes the first start time out; the launcher
  // tries once more, so the build is still cached. Before that retry every
  // compile went direct.
  it('Redis answering only after the first start gave up as the build starts: sccache\'s first start times out, the launcher\'s second start serves the whole build', async () => {
    const redis = await startRedis(dir);
    const b = await build('paused', { SCCACHE_REDIS_ENDPOINT: redis.url }, false, (port) => redis.pauseUntilFirstStartEnds(port));
    const r = await b.run;
    expect(r.status, r.stderr).toBe(0);
    expectSameObjects(b.out);
    const stats = b.stats();
    expect(Object.values(stats.cache_misses?.counts ?? {}).reduce((a: number, n) => a + (n as number), 0), JSON.stringify(stats)).toBe(UNITS);
    expect(redis.keyCount()).toBeGreaterThan(0);
    redis.stop();
  }, 900_000);

  // sccache's server will not start when its storage check fails ("Timed out
  // waiting for server startup"): the launcher must then compile directly.
  // Needs issue 13's fallback (replace-process.ts); fails before it. The
  // delay is the test's to set: sccache's own 10 s for each of the
  // launcher's three starts was 30 s of waiting for a start that cannot
  // succeed; its config gives it 1 s (a start here never succeeds, so a
  // busy machine cannot change the outcome).
  it('Redis down before the build: sccache\'s server cannot start, every compile succeeds directly', async () => {
    const conf = join(dir, 'down-sccache.conf');
    writeFileSync(conf, 'server_startup_timeout_ms = 1000\n');
    const b = await build('down', { SCCACHE_REDIS_ENDPOINT: `redis://127.0.0.1:${await freePort()}`, SCCACHE_CONF: conf }, false);
    const r = await b.run;
    expect(r.status, r.stderr).toBe(0);
    expectSameObjects(b.out);
  }, 900_000);

  // Started in beforeAll (see `killed`).
  it('Redis killed in the middle of a -j8 build: every compile succeeds, objects as uncached', async () => {
    const b = await killed;
    expect(b.objectsAtKill).toBeLessThan(UNITS);
    expect(b.status).toBe(0);
    expectSameObjects(b.out);
  }, 900_000);
});

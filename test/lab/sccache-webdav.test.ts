import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeParallelProject } from '../helpers/hip-projects.js';
import { startHttpCache } from '../helpers/http-cache.js';
import { labReference, labSccacheBuild, sccacheHitsOf } from '../helpers/lab-sccache-build.js';
import { freePort } from '../helpers/ports.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// sccache's WebDAV storage (SCCACHE_WEBDAV_ENDPOINT, and the same storage
// named in sccache's own config file) on a real HTTP server: Debian's nginx
// with WebDAV on the host's 127.0.0.1, which the lab shares. sccache 0.17
// from the sid lab, through the built launcher; Debian 13's 0.10 has no
// remote storage.
const UNITS = 4;

describe('sccache 0.17 on a real WebDAV server (sid lab)', () => {
  let dir: string;
  let expectSameObjects: (out: string) => void;
  const build = (name: string, env: Record<string, string>, options: { startServer?: boolean; afterMake?: string } = {}) => labSccacheBuild(dir, name, env, { units: UNITS, ...options });

  beforeAll(async () => {
    dir = makeTempDir('hcl-lab-webdav-');
    writeParallelProject(dir, UNITS, 'clang++-21', []);
    expectSameObjects = (await labReference(UNITS)).expectSame;
  }, 900_000);

  it('machine B\'s first build is all hits from machine A (SCCACHE_WEBDAV_ENDPOINT), objects as uncached', async () => {
    const server = await startHttpCache(dir);
    const endpoint = `${server.url}/sccache/`;
    const a = await build('machine-a', { SCCACHE_WEBDAV_ENDPOINT: endpoint });
    expect((await a.run).status).toBe(0);
    expect(server.storedCount()).toBeGreaterThanOrEqual(UNITS);
    const b = await build('machine-b', { SCCACHE_WEBDAV_ENDPOINT: endpoint });
    expect((await b.run).status).toBe(0);
    expect(sccacheHitsOf(b.stats())).toBe(UNITS);
    expectSameObjects(b.out);
    server.stop();
  }, 900_000);

  // The storage and basedirs in sccache's own config file (SCCACHE_CONF):
  // no SCCACHE_BASEDIRS of the launcher's reaches the server it starts, the
  // log says the config's basedirs apply too, and the build is served from
  // the config's WebDAV store.
  it('sccache\'s config file names the store and basedirs: the launcher keeps them, B hits', async () => {
    const server = await startHttpCache(dir);
    const conf = join(dir, 'sccache.conf');
    writeFileSync(conf, `basedirs = ["${dir}"]\n\n[cache.webdav]\nendpoint = "${server.url}/from-conf/"\n`);
    const env = { SCCACHE_CONF: conf, HIP_CLANG_LAUNCHER_BASEDIR: dir, HIP_CLANG_LAUNCHER_LOG: join(dir, 'conf-calls.jsonl') };
    const serverEnv = join(dir, 'server-env.txt');
    // The environment of the sccache server the launcher's first call started.
    // Only this build's server (its SCCACHE_CONF): other sccache servers may run on the machine meanwhile.
    const afterMake = `for p in /proc/[0-9]*; do grep -q sccache $p/cmdline 2>/dev/null && tr '\\0' '\\n' < $p/environ 2>/dev/null | grep -qx 'SCCACHE_CONF=${conf}' && tr '\\0' '\\n' < $p/environ | grep '^SCCACHE_' ; done > ${serverEnv}; true`;
    const a = await build('conf-a', env, { startServer: false, afterMake });
    expect((await a.run).status).toBe(0);
    const started = readFileSync(serverEnv, 'utf8');
    expect(started).toContain(`SCCACHE_CONF=${conf}`);
    expect(started).not.toContain('SCCACHE_BASEDIRS=');
    const records = readFileSync(env.HIP_CLANG_LAUNCHER_LOG, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(UNITS);
    for (const r of records) {
      // The launcher makes paths under the base dir relative for sccache (hip-rules/base-dir.ts), and says the config's basedirs apply too.
      expect(r.rules.find((x: { rule: string }) => x.rule === 'base-dir').reason).toMatch(/sccache's own basedirs, which you set, apply too\)$/);
    }
    expect(server.storedCount()).toBeGreaterThanOrEqual(UNITS);
    const b = await build('conf-b', env);
    expect((await b.run).status).toBe(0);
    expect(sccacheHitsOf(b.stats())).toBe(UNITS);
    expectSameObjects(b.out);
    server.stop();
  }, 900_000);

  it('the WebDAV server down before the build: every compile succeeds, objects as uncached', async () => {
    const b = await build('down', { SCCACHE_WEBDAV_ENDPOINT: `http://127.0.0.1:${await freePort()}/sccache/` }, { startServer: false });
    const r = await b.run;
    expect(r.status, r.stderr).toBe(0);
    expectSameObjects(b.out);
  }, 900_000);
});

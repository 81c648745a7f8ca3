import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { built } from '../helpers/tools.js';

// A launcher that would end up calling itself must stop, never loop.
describe('recursion (built executable)', () => {
  let dir: string;
  let compiler: string;
  let record: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-recursion-');
    compiler = buildTestCompiler(dir);
    record = join(dir, 'record');
  });

  it('refuses a compiler that is the launcher itself', () => {
    const link = join(dir, 'clang++');
    symlinkSync(built.linux, link);
    const r = runLauncher([link, '-c', 'x.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' }) });
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/^hip-clang-launcher: error: compiler .*clang\+\+ is hip-clang-launcher itself; .+\n$/);
  });

  it('stops a wrapper that calls the launcher with itself, instead of looping', () => {
    const wrapper = join(dir, 'wrapper-cc');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${built.linux}" "$0" "$@"\n`, { mode: 0o755 });
    // A loop would run until the spawn's time-out (status null); no bound on elapsed time, which load would move.
    const r = runLauncher([wrapper, '-c', 'x.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' }), timeout: 300_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('leads back to hip-clang-launcher');
  });

  it('goes straight to the compiler when already under a caching launcher (the outer cache holds the call)', () => {
    const bin = join(dir, 'cachebin');
    mkdirSync(bin);
    const cache = buildTestCompiler(bin, 'ccache');
    runLauncher([compiler, '-c', 'x.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, TC_RECORD: record, HIP_CLANG_LAUNCHER_DEPTH: '1', HIP_CLANG_LAUNCHER_OUTER_CACHE: '1' }) });
    expect(readRecord(record).argv[0]).toBe(compiler);
    // The cache was handed the marker, so what it runs goes direct.
    runLauncher([compiler, '-c', 'x.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, TC_RECORD: record, TC_SHOW_ENV: 'HIP_CLANG_LAUNCHER_OUTER_CACHE' }) });
    expect(readRecord(record).env.HIP_CLANG_LAUNCHER_OUTER_CACHE).toBe('1');
    // Under a launcher that did not cache (it ran hipcc, say), this one does its own job.
    runLauncher([compiler, '-c', 'x.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, TC_RECORD: record, HIP_CLANG_LAUNCHER_DEPTH: '1' }) });
    expect(readRecord(record).argv[0]).toBe(cache);
    runLauncher([compiler, '-c', 'x.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, TC_RECORD: record }) });
    expect(readRecord(record).argv[0]).toBe(cache);
    runLauncher([compiler, '-c', 'x.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, TC_RECORD: record, HIP_CLANG_LAUNCHER_BYPASS: '1' }) });
    expect(readRecord(record).argv[0]).toBe(compiler);
  });
});

describe('renamed executable (built executable)', () => {
  it('says it is a shim under any other name, and how to use it as the launcher', () => {
    const dir = makeTempDir('hcl-renamed-');
    const renamed = join(dir, 'hcl');
    symlinkSync(built.linux, renamed);
    const r = runLauncher([], { env: cleanEnv() });
    expect(r.status).toBe(2);
    const viaName = spawnSync(renamed, ['which-cache'], { env: cleanEnv(), encoding: 'utf8' });
    expect(viaName.status).toBe(2);
    expect(viaName.stderr).toMatch(/^hip-clang-launcher: error: invoked as 'hcl', .* no shim is installed in .*; rename it to hip-clang-launcher to use the launcher and its commands\n$/);
  });
});

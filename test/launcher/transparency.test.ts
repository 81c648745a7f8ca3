import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { built } from '../helpers/tools.js';

// The built launcher between a caller and our test compiler must be invisible:
// argv, stdio bytes, exit status, signals, environment and working directory.
// Routes covered: direct (cache none) and through a cache program (the test
// compiler standing in as the cache records exactly what it was handed).
describe('launcher transparency (built executable)', () => {
  let dir: string;
  let compiler: string;
  let record: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-transparency-');
    compiler = buildTestCompiler(dir);
    record = join(dir, 'record');
  });

  const env = (extra: Record<string, string> = {}) => cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', TC_RECORD: record, ...extra });

  const awkwardArgs = ['-c', 'a b.hip', '', 'say "hi"', "it's", 'tab\there', 'line\nbreak', 'ünïcødé-🚀', '$HOME', '*.hip', '\\back\\slash', '@resp.rsp', '--', '-o', 'out dir/a.o'];

  it('passes argv through exactly on the direct route', () => {
    const r = runLauncher([compiler, ...awkwardArgs], { env: env() });
    expect(r.status).toBe(0);
    expect(readRecord(record).argv).toEqual([compiler, ...awkwardArgs]);
  });

  it('hands the cache exactly [cache, compiler, args...] on the cache route', () => {
    const cache = buildTestCompiler(dir, 'fake-ccache');
    const r = runLauncher([compiler, ...awkwardArgs], { env: env({ HIP_CLANG_LAUNCHER_CACHE: cache }) });
    expect(r.status).toBe(0);
    expect(readRecord(record).argv).toEqual([cache, compiler, ...awkwardArgs]);
  });

  it('passes over 100 KB of arguments', () => {
    const many = Array.from({ length: 3000 }, (_, i) => `-DMACRO_${i}=${'x'.repeat(40)}`);
    const r = runLauncher([compiler, '-c', ...many], { env: env() });
    expect(r.status).toBe(0);
    const argv = readRecord(record).argv;
    expect(argv.join(' ').length).toBeGreaterThan(100_000);
    expect(argv).toEqual([compiler, '-c', ...many]);
  });

  it('gives the compiler stdin and returns stdout and stderr byte for byte', () => {
    const input = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const r = runLauncher([compiler, '-c', '-'], { env: env({ TC_CAT: '1', TC_STDERR: 'warn: ✓\n' }), input });
    expect(r.status).toBe(0);
    expect(Buffer.compare(r.stdout, input)).toBe(0);
    expect(r.stderr).toBe('warn: ✓\n');
    const bytes = runLauncher([compiler, '-c', 'x'], { env: env({ TC_BYTES: '1' }) });
    expect([...bytes.stdout]).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  it('exits with the compiler exit code', () => {
    for (const code of [0, 1, 2, 42, 255]) {
      expect(runLauncher([compiler, '-c', 'x'], { env: env({ TC_EXIT: String(code) }) }).status).toBe(code);
    }
  });

  it('dies by the same signal, and a shell reports 128+N as for the compiler itself', () => {
    const r = runLauncher([compiler, '-c', 'x'], { env: env({ TC_SIGNAL: '11' }) });
    expect(r.signal).toBe('SIGSEGV');
    const viaShell = run('/bin/sh', ['-c', `"${built.linux}" "${compiler}" -c x`], { env: env({ TC_SIGNAL: '11' }) });
    expect(viaShell.status).toBe(139);
    const abort = runLauncher([compiler, '-c', 'x'], { env: env({ TC_SIGNAL: '6' }) });
    expect(abort.signal).toBe('SIGABRT');
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`delivers ${signal} to the compiler`, async () => {
      // The compiler waits long enough for any machine; the signal goes once it says it is ready (or it ended), not at a deadline.
      const marker = `${record}.signal`;
      writeFileSync(marker, '');
      const child = spawn(built.linux, [compiler, '-c', 'x'], { env: env({ TC_WAIT_MS: '300000' }), stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      let ended = false;
      void exited.then(() => (ended = true));
      while (readFileSync(marker, 'utf8') !== 'ready' && !ended) await new Promise((r) => setTimeout(r, 20));
      child.kill(signal);
      const code = await exited;
      expect(readFileSync(marker, 'utf8')).toBe(signal);
      expect(code).toBe(100 + (signal === 'SIGINT' ? 2 : 15));
    });
  }

  // With a log the launcher spawns the compiler and waits: the child inherits
  // the launcher's own environment with the changes set around the spawn
  // (spawn-inheriting.ts); a variable the caller set to the marker's name is replaced, not doubled.
  for (const log of [false, true]) {
    it(`keeps the environment and working directory, adding only the documented depth marker (${log ? 'spawn and wait, with a log' : 'exec'})`, () => {
      const cwd = makeTempDir('hcl-cwd-');
      const r = runLauncher([compiler, '-c', 'x'], {
        cwd,
        env: env({
          TC_SHOW_ENV: 'PATH,MY_VAR,HIP_CLANG_LAUNCHER_DEPTH,SCCACHE_IGNORE_SERVER_IO_ERROR,HIP_CLANG_LAUNCHER_OUTER_CACHE',
          MY_VAR: 'a b=c',
          HIP_CLANG_LAUNCHER_OUTER_CACHE: '',
          ...(log ? { HIP_CLANG_LAUNCHER_LOG: join(cwd, 'calls.jsonl') } : {}),
        }),
      });
      expect(r.status).toBe(0);
      const rec = readRecord(record);
      expect(rec.cwd).toBe(cwd);
      expect(rec.env).toEqual({
        PATH: process.env.PATH,
        MY_VAR: 'a b=c',
        HIP_CLANG_LAUNCHER_DEPTH: '1',
        SCCACHE_IGNORE_SERVER_IO_ERROR: '<unset>',
        HIP_CLANG_LAUNCHER_OUTER_CACHE: '<unset>',
      });
      if (log) expect(readFileSync(join(cwd, 'calls.jsonl'), 'utf8')).toContain('"exitCode":0');
    });
  }

  it('sets SCCACHE_IGNORE_SERVER_IO_ERROR=1 for sccache unless the user set it', () => {
    const sccache = buildTestCompiler(dir, 'sccache');
    const show = { TC_SHOW_ENV: 'SCCACHE_IGNORE_SERVER_IO_ERROR' };
    runLauncher([compiler, '-c', 'x'], { env: env({ HIP_CLANG_LAUNCHER_CACHE: sccache, ...show }) });
    expect(readRecord(record).env.SCCACHE_IGNORE_SERVER_IO_ERROR).toBe('1');
    runLauncher([compiler, '-c', 'x'], { env: env({ HIP_CLANG_LAUNCHER_CACHE: sccache, SCCACHE_IGNORE_SERVER_IO_ERROR: '0', ...show }) });
    expect(readRecord(record).env.SCCACHE_IGNORE_SERVER_IO_ERROR).toBe('0');
  });

  it('sends probes and link-only calls straight to the compiler, not to the cache', () => {
    const cache = buildTestCompiler(dir, 'probe-ccache');
    for (const args of [['--version'], ['-print-resource-dir'], ['-dumpmachine'], ['-###', '-c', 'a.c'], ['a.o', 'b.o', '-o', 'app'], ['-E', 'a.c']]) {
      runLauncher([compiler, ...args], { env: env({ HIP_CLANG_LAUNCHER_CACHE: cache }) });
      expect(readRecord(record).argv).toEqual([compiler, ...args]);
    }
    runLauncher([compiler, '-c', 'a.c'], { env: env({ HIP_CLANG_LAUNCHER_CACHE: cache }) });
    expect(readRecord(record).argv[0]).toBe(cache);
  });

  it('compiles directly when the cache cannot be started', () => {
    const broken = join(dir, 'broken-cache');
    writeFileSync(broken, 'not a program', { mode: 0o755 });
    const r = runLauncher([compiler, '-c', 'x'], { env: env({ HIP_CLANG_LAUNCHER_CACHE: broken }) });
    expect(r.status).toBe(0);
    expect(readRecord(record).argv[0]).toBe(compiler);
    expect(existsSync(record)).toBe(true);
  });
});

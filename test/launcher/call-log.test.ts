import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler } from '../helpers/test-compiler.js';
import { built } from '../helpers/tools.js';

// HIP_CLANG_LAUNCHER_LOG: one JSON line per call, safe under parallel builds.
describe('opt-in call log (built executable)', () => {
  let dir: string;
  let compiler: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-log-');
    compiler = buildTestCompiler(dir);
  });

  it('appends one whole JSON line per call from 24 parallel processes', async () => {
    const log = join(dir, 'calls.jsonl');
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_LOG: log });
    const started = Date.now();
    const codes = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(built.linux, [compiler, '-c', `unit-${i}.c`], { env: { ...env, TC_EXIT: String(i % 3) }, stdio: 'ignore' });
          child.once('exit', (code) => resolve(code));
        }),
      ),
    );
    expect(codes).toEqual(Array.from({ length: 24 }, (_, i) => i % 3));
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(24);
    const records = lines.map((l) => JSON.parse(l));
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(['args', 'cache', 'compiler', 'cuid', 'cwd', 'durationMs', 'exitCode', 'language', 'launcherMs', 'output', 'pid', 'reason', 'route', 'rules', 'signal', 'time'].sort());
      expect(r.compiler).toBe(compiler);
      expect(r.route).toBe('no-cache');
      expect(r.cache).toBeNull();
      expect(Number.isNaN(Date.parse(r.time))).toBe(false);
      expect(r.durationMs).toBeGreaterThan(0);
      // From process start to hand-over: a start-up's worth, never the whole run of the test.
      expect(r.launcherMs).toBeGreaterThan(0);
      expect(r.launcherMs).toBeLessThan(Date.now() - started);
    }
    expect(records.map((r) => r.exitCode).sort()).toEqual(codes.map(Number).sort());
    expect(new Set(records.map((r) => r.pid)).size).toBe(24);
  });

  it('records the route and cache, and a signal death', () => {
    const log = join(dir, 'one.jsonl');
    const cache = buildTestCompiler(dir, 'ccache');
    runLauncher([compiler, '-c', 'a.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, HIP_CLANG_LAUNCHER_LOG: log }) });
    runLauncher([compiler, '--version'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, HIP_CLANG_LAUNCHER_LOG: log }) });
    const killed = runLauncher([compiler, '-c', 'a.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_LOG: log, TC_SIGNAL: '15' }) });
    expect(killed.signal).toBe('SIGTERM');
    const [viaCache, probe, signalled] = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(viaCache).toMatchObject({ route: 'cache', cache, exitCode: 0 });
    expect(probe).toMatchObject({ route: 'probe', cache: null });
    expect(signalled).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
  });

  it('never fails a compile because the log cannot be written', () => {
    const r = runLauncher([compiler, '-c', 'a.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_LOG: join(dir, 'no', 'such', 'dir', 'log') }) });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^hip-clang-launcher: warning: cannot append to log /);
  });

  // The log's name may sit in a directory others can write (a shared build
  // tree, /tmp): whatever is planted there, the launcher only ever appends to
  // a regular file, never blocks, and the compile is never affected.
  describe('a hostile log path', () => {
    const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    const compileWithLog = (log: string) =>
      runLauncher([compiler, '-c', 'a.c'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_LOG: log, TC_EXIT: '5' }), timeout: 20_000 });
    const expectWarnedOnly = (r: ReturnType<typeof compileWithLog>, log: string) => {
      expect(r.signal).toBeNull();
      expect(r.status).toBe(5);
      expect(r.stderr).toBe(r.stderr.split('\n')[0] + '\n');
      expect(r.stderr).toContain(`hip-clang-launcher: warning: cannot append to log ${log}: `);
    };

    it('never follows a planted symlink: its target keeps its bytes, a dangling one creates nothing', () => {
      const victim = join(dir, 'victim-file');
      writeFileSync(victim, 'the builder\'s own file\n');
      const before = sha256(victim);
      const missing = join(dir, 'would-be-created');
      for (const [target, link] of [[victim, join(dir, 'planted.jsonl')], [missing, join(dir, 'dangling.jsonl')]] as const) {
        symlinkSync(target, link);
        expectWarnedOnly(compileWithLog(link), link);
      }
      expect(sha256(victim)).toBe(before);
      expect(existsSync(missing)).toBe(false);
    });

    it('does not block on a FIFO with no reader', () => {
      const fifo = join(dir, 'fifo.jsonl');
      execFileSync('mkfifo', [fifo]);
      expectWarnedOnly(compileWithLog(fifo), fifo);
    });

    it('refuses a directory and a device', () => {
      const sub = join(dir, 'a-directory');
      mkdirSync(sub);
      expectWarnedOnly(compileWithLog(sub), sub);
      expectWarnedOnly(compileWithLog('/dev/null'), '/dev/null');
    });
  });
});

import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { built } from '../helpers/tools.js';

// HIP_CLANG_LAUNCHER_CACHE and the auto search, on the built executable.
// Stand-in caches are copies of our recording test compiler named like the
// real ones, in PATH directories made per test.
describe('choosing the cache (built executable)', () => {
  let dir: string;
  let compiler: string;
  let record: string;
  let binA: string;
  let binB: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-select-');
    compiler = buildTestCompiler(dir);
    record = join(dir, 'record');
    binA = join(dir, 'a');
    binB = join(dir, 'b');
    mkdirSync(binA);
    mkdirSync(binB);
    buildTestCompiler(binA, 'ccache');
    buildTestCompiler(binB, 'sccache');
  });
  // The usual install places (with the machine's real caches) are searched
  // after PATH, so each test puts its stand-ins first.
  const env = (path: string, extra: Record<string, string> = {}) => cleanEnv({ PATH: path, TC_RECORD: record, ...extra });
  // The cache a call went to, from its log line. A stand-in named sccache
  // starts no server, so the launcher passes it over for a direct compile and
  // names it in the line's fallback.
  const log = () => join(dir, 'calls.jsonl');
  const cacheTried = (): string | undefined => {
    const line = JSON.parse(readFileSync(log(), 'utf8').trimEnd().split('\n').pop()!);
    return line.route === 'cache' ? line.cache : /^cache (\S+) cannot be used: /.exec(line.fallback ?? '')?.[1];
  };

  it('auto prefers sccache over ccache, from PATH', () => {
    runLauncher([compiler, '-c', 'x.c'], { env: env(`${binA}:${binB}:/usr/bin:/bin`, { HIP_CLANG_LAUNCHER_LOG: log() }) });
    expect(cacheTried()).toBe(join(binB, 'sccache'));
  });

  it('ccache / sccache by name pick that one', () => {
    runLauncher([compiler, '-c', 'x.c'], { env: env(`${binA}:${binB}:/usr/bin:/bin`, { HIP_CLANG_LAUNCHER_CACHE: 'ccache' }) });
    expect(readRecord(record).argv[0]).toBe(join(binA, 'ccache'));
  });

  it('never runs a cache from the current directory or a relative PATH entry', () => {
    const work = join(dir, 'work');
    mkdirSync(join(work, 'tools'), { recursive: true });
    const planted = buildTestCompiler(work, 'sccache');
    buildTestCompiler(join(work, 'tools'), 'ccache');
    const plantedRecord = join(dir, 'planted-record');
    // Empty entry, '.', and a relative one: each would reach the planted programs.
    const r = runLauncher([compiler, '-c', 'x.c'], {
      cwd: work,
      env: env(`:.:tools:${binB}:/usr/bin:/bin`, { HIP_CLANG_LAUNCHER_CACHE: 'auto', TC_RECORD: plantedRecord, HIP_CLANG_LAUNCHER_LOG: log() }),
    });
    expect(r.status).toBe(0);
    expect(readRecord(plantedRecord).argv[0]).not.toBe(planted);
    expect(cacheTried()).toBe(join(binB, 'sccache'));
  });

  it('an explicitly chosen cache that is missing is a one-line error and a non-zero exit', () => {
    const r = runLauncher([compiler, '-c', 'x.c'], { env: env('/nonexistent', { HIP_CLANG_LAUNCHER_CACHE: '/opt/none/sccache' }) });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^hip-clang-launcher: error: HIP_CLANG_LAUNCHER_CACHE=\/opt\/none\/sccache is not an executable file; .+\n$/);
    const relative = runLauncher([compiler, '-c', 'x.c'], { env: env('/usr/bin', { HIP_CLANG_LAUNCHER_CACHE: 'tools/sccache' }) });
    expect(relative.status).toBe(2);
    expect(relative.stderr.split('\n')).toHaveLength(2);
    const unknown = runLauncher([compiler, '-c', 'x.c'], { env: env('/usr/bin', { HIP_CLANG_LAUNCHER_CACHE: 'buildcache' }) });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('use auto, sccache, ccache, none, or an absolute path');
  });

  it('none compiles directly', () => {
    runLauncher([compiler, '-c', 'x.c'], { env: env(`${binB}:/usr/bin`, { HIP_CLANG_LAUNCHER_CACHE: 'none' }) });
    expect(readRecord(record).argv[0]).toBe(compiler);
  });

  it('which-cache prints the choice and why, as JSON too', () => {
    const r = runLauncher(['which-cache', '--json'], { env: env(`${binA}:${binB}:/usr/bin:/bin`) });
    expect(r.status).toBe(0);
    const choice = JSON.parse(r.stdout.toString());
    expect(choice['c/c++']).toMatchObject({ file: join(binB, 'sccache'), kind: 'sccache', setting: 'auto' });
    expect(choice['c/c++'].reason).toContain('auto');
    const text = runLauncher(['which-cache'], { env: env(`${binA}:/usr/bin`, { HIP_CLANG_LAUNCHER_CACHE: 'ccache' }) });
    expect(text.stdout.toString()).toContain(`c/c++:  ${join(binA, 'ccache')}`);
    expect(text.stdout.toString()).toContain(`hip:    ${join(binA, 'ccache')}`);
  });

  it('skips a cache that is really this launcher, and refuses one named explicitly', () => {
    const loopBin = join(dir, 'loop');
    mkdirSync(loopBin);
    symlinkSync(built.linux, join(loopBin, 'sccache'));
    const r = runLauncher([compiler, '-c', 'x.c'], { env: env(`${loopBin}:${binB}:/usr/bin`, { HIP_CLANG_LAUNCHER_LOG: log() }) });
    expect(r.status).toBe(0);
    expect(cacheTried()).toBe(join(binB, 'sccache'));
    const explicit = runLauncher([compiler, '-c', 'x.c'], { env: env(`${binA}:/usr/bin`, { HIP_CLANG_LAUNCHER_CACHE: join(loopBin, 'sccache') }) });
    expect(explicit.status).toBe(4);
    expect(explicit.stderr).toContain('is hip-clang-launcher itself');
  });

  it('reports a missing compiler in one line', () => {
    writeFileSync(join(dir, 'not-exec'), '');
    for (const c of ['no-such-compiler-xyz', join(dir, 'not-exec'), join(dir, 'missing', 'clang++')]) {
      const r = runLauncher([c, '-c', 'x.c'], { env: env('/usr/bin', { HIP_CLANG_LAUNCHER_CACHE: 'none' }) });
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/^hip-clang-launcher: error: compiler .+; pass the full path of clang or clang\+\+\n$/);
    }
  });
});

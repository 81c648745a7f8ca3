import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, freePort, sccacheEnv, stopSccache } from '../helpers/caches.js';
import { cleanEnv, runLauncher, type RunResult } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// A cache that cannot be started is never the reason a compile fails: the
// compile runs directly, with or without a call log (which changes execve
// into spawn-and-wait), and the log says why.
describe('a cache that cannot be started (built executable)', () => {
  let dir: string;
  let compiler: string;
  const broken: Record<string, string> = {};
  beforeAll(() => {
    dir = makeTempDir('hcl-fallback-');
    compiler = buildTestCompiler(dir);
    const write = (name: string, body: string | Buffer) => {
      const file = join(dir, name);
      writeFileSync(file, body);
      chmodSync(file, 0o755);
      return file;
    };
    broken['a script whose #! interpreter is missing'] = write('sccache-no-interp', '#!/nonexistent/bin/python9\nprint("never")\n');
    // One level down: its interpreter is a script whose own interpreter is missing.
    const middle = write('middle-interp', '#!/nonexistent/bin/sh9\n');
    broken['a script whose interpreter is a script with a missing interpreter'] = write('sccache-nested-interp', `#!${middle}\n`);
    broken['a script whose interpreter is not executable'] = write('sccache-noexec-interp', `#!${join(repoRoot, 'package.json')}\n`);
    // A real program whose ELF loader (PT_INTERP) is gone: same-length rename of the path.
    const elf = readFileSync('/bin/true');
    const loader = Buffer.from('/lib64/ld-linux-x86-64.so.2\0');
    const at = elf.indexOf(loader);
    expect(at).toBeGreaterThan(0);
    Buffer.from('/lib64/ld-missing-x86-64.so\0').copy(elf, at);
    broken['an ELF whose loader is missing'] = write('ccache-no-loader', elf);
    broken['an executable file of garbage bytes'] = write('ccache-garbage', Buffer.from('\x01\x02garbage that is no program\n'.repeat(8)));
    broken['an empty executable file'] = write('ccache-empty', '');
  });

  const compileWith = (cache: string, log?: string): RunResult => {
    const record = join(dir, 'record');
    rmSync(record, { force: true });
    return runLauncher([compiler, '-c', 'a.c', '-o', 'a.o'], {
      env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, HIP_CLANG_LAUNCHER_LOG: log, TC_RECORD: record, TC_EXIT: '7' }),
      cwd: dir,
    });
  };

  for (const withLog of [false, true]) {
    it(`${withLog ? 'with' : 'without'} a log, each broken cache means a direct compile`, () => {
      for (const [what, cache] of Object.entries(broken)) {
        const log = withLog ? join(dir, `calls-${Object.keys(broken).indexOf(what)}.jsonl`) : undefined;
        const r = compileWith(cache, log);
        expect({ what, status: r.status, stderr: r.stderr }).toEqual({ what, status: 7, stderr: '' });
        // The compiler itself ran, as argv[0] with the caller's arguments: not the cache.
        expect(readRecord(join(dir, 'record')).argv).toEqual([compiler, '-c', 'a.c', '-o', 'a.o']);
        if (log) {
          const [line] = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
          expect(line).toMatchObject({ route: 'cache-unavailable', cache: null, exitCode: 7 });
          expect(line.fallback).toContain(cache);
        }
      }
    });
  }
});

// A copy of the launcher (not a link, which is caught by its real path) named
// like a cache and first on PATH is recognised by its content and skipped.
describe('a copy of the launcher named sccache or ccache first on PATH (built executable)', () => {
  let dir: string;
  let copies: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-selfcopy-');
    copies = join(dir, 'bin');
    mkdirSync(copies);
    for (const name of ['sccache', 'ccache']) copyFileSync(built.linux, join(copies, name));
    copyFileSync(join(repoRoot, 'test/fixtures/plain.cpp'), join(dir, 'plain.cpp'));
  });

  it('which-cache passes over each copy and names why', () => {
    for (const [setting, real] of [['auto', tools.sccacheDebian], ['ccache', tools.ccache]] as const) {
      const r = runLauncher(['which-cache', '--json'], { env: cleanEnv({ PATH: `${copies}:/usr/bin:/bin`, HIP_CLANG_LAUNCHER_CACHE: setting }) });
      expect(r.status).toBe(0);
      const report = JSON.parse(r.stdout.toString('utf8'));
      expect(report['c/c++'].file).toBe(real);
      expect(report['c/c++'].considered).toContainEqual({ file: join(copies, basename(real)), skipped: 'it is hip-clang-launcher itself' });
    }
  });

  it('HIP_CLANG_LAUNCHER_CACHE=ccache compiles through the real ccache behind the copy', () => {
    const log = join(dir, 'calls.jsonl');
    const env = cleanEnv({ PATH: `${copies}:/usr/bin:/bin`, HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_LOG: log, ...ccacheEnv(dir) });
    const r = runLauncher([tools.clangxx, '-O2', '-c', 'plain.cpp', '-o', 'plain.o'], { env, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'plain.o'))).toBe(true);
    expect(JSON.parse(readFileSync(log, 'utf8').trimEnd())).toMatchObject({ route: 'cache', cache: tools.ccache, exitCode: 0 });
  });

  it('in auto mode compiles through the real sccache behind the copy', () => {
    const log = join(dir, 'auto.jsonl');
    const env = cleanEnv({ PATH: `${copies}:/usr/bin:/bin`, HIP_CLANG_LAUNCHER_LOG: log, XDG_CACHE_HOME: join(dir, 'state'), ...sccacheEnv(dir, freePort()) });
    try {
      const r = runLauncher([tools.clangxx, '-O2', '-c', 'plain.cpp', '-o', 'auto.o'], { env, cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(existsSync(join(dir, 'auto.o'))).toBe(true);
      expect(JSON.parse(readFileSync(log, 'utf8').trimEnd())).toMatchObject({ route: 'cache', cache: tools.sccacheDebian, exitCode: 0 });
    } finally {
      stopSccache(tools.sccacheDebian, env as Record<string, string>);
    }
  });
});

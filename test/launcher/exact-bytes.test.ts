import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, freePort, sccacheEnv, sccacheStats, stopSccache } from '../helpers/caches.js';
import { envPairs, runBytes, type Bytes } from '../helpers/run-bytes.js';
import { cleanEnv } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler } from '../helpers/test-compiler.js';
import { built, tools } from '../helpers/tools.js';

// Bytes that are not UTF-8 (Node would decode \xff to U+FFFD and re-encode it
// as \xef\xbf\xbd): in an argument they reach the cache and the compiler byte
// for byte; where no route keeps them (an environment entry, the compiler's
// path) the launcher stops before running anything, naming them.
const raw = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('bytes that are not UTF-8 (built executable)', () => {
  let dir: string;
  const port = freePort();
  beforeAll(() => {
    dir = makeTempDir('hcl-bytes-');
    // Compiles only where NAME has SIZE bytes: through U+FFFD each \xff would be 3.
    writeFileSync(join(dir, 'name.c'), '_Static_assert(sizeof(NAME) == SIZE, "NAME has the wrong size");\nconst char name[] = NAME;\n');
    writeFileSync(raw(`${dir}/`, [0xff], '.c'), 'int from_ff(void) { return 0xff; }\n');
  });
  afterAll(() => stopSccache(tools.sccacheHip, sccacheEnv(dir, port)));

  const defineArg = raw('-DNAME="a', [0xff], 'b"');
  // Spaces, quotes and a backslash too: the response file's quoting must keep them for clang and ccache alike.
  const hardDefineArg = raw('-DNAME="a \'', [0xff], '\\\\b"');
  const compile = (args: Bytes[], env: NodeJS.ProcessEnv, out: string) => {
    const r = runBytes(built.linux, [built.linux, tools.clang, ...args, '-o', out], envPairs(env), { cwd: dir, timeout: 120_000 });
    return { ...r, object: existsSync(join(dir, out)) ? readFileSync(join(dir, out)) : undefined };
  };
  const direct = (args: Bytes[], out: string) => {
    const r = runBytes(tools.clang, [tools.clang, ...args, '-o', out], envPairs(cleanEnv()), { cwd: dir });
    expect(r.status).toBe(0);
    // clang warns about the byte in a string literal: the launcher must show the same.
    return { object: readFileSync(join(dir, out)), stderr: r.stderr };
  };

  for (const [what, args] of [
    ['a -D value', ['-c', defineArg, '-DSIZE=4', 'name.c']],
    ['a -D value with spaces, quotes and a backslash', ['-c', hardDefineArg, '-DSIZE=7', 'name.c']],
    ['a file name', ['-c', raw([0xff], '.c')]],
  ] as const) {
    it(`${what}: the same object as a direct clang compile, uncached, through ccache and through sccache`, () => {
      const tag = what.replace(/\W/g, '');
      const reference = direct([...args], `${tag}-direct.o`);
      // A cache hit replays the stored diagnostics, with the cache's own temporary object name in them.
      const stderrOf = (text: string) => text.replace(/\S+\.o\b/g, '<obj>');
      const settings: Array<[string, NodeJS.ProcessEnv]> = [
        ['none', cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' })],
        ['none, logged', cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.jsonl') })],
        ['ccache', cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', ...ccacheEnv(dir) })],
        ['sccache', cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, XDG_CACHE_HOME: join(dir, 'state'), ...sccacheEnv(dir, port) })],
      ];
      for (const [setting, env] of settings) {
        for (const n of [1, 2]) {
          const r = compile([...args], env, `${tag}-${setting.replace(/\W/g, '')}-${n}.o`);
          expect({ setting, n, stderr: stderrOf(r.stderr), status: r.status }).toEqual({ setting, n, stderr: stderrOf(reference.stderr), status: 0 });
          expect({ setting, n, same: r.object?.equals(reference.object) }).toEqual({ setting, n, same: true });
        }
      }
      // ccache read the response file: the second compile was a hit. sccache
      // reads only UTF-8 response files and passes the call to clang uncached.
      expect(ccacheStats(ccacheEnv(dir)).hits).toBeGreaterThan(0);
      expect(sccacheStats(tools.sccacheHip, sccacheEnv(dir, port)).notCachedReasons['@']).toBeGreaterThan(0);
      // No response file is left behind.
      expect(readFileSync(join(dir, 'calls.jsonl'), 'utf8')).not.toContain('.rsp');
    });
  }

  it('clang sees each argument exactly as a direct call does (-###)', () => {
    const args = ['-###', '-c', 'name.c', raw('-DV=a b\t"c\'d\\e\nf', [0xff, 0x80], 'g h'), raw('-I', [0xc3], ' x')];
    const direct = runBytes(tools.clang, [tools.clang, ...args], envPairs(cleanEnv()), { cwd: dir });
    const through = runBytes(built.linux, [built.linux, tools.clang, ...args], envPairs(cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' })), { cwd: dir });
    expect(direct.status).toBe(0);
    expect(through.status).toBe(0);
    expect(through.stderr).toBe(direct.stderr);
    expect(direct.stderr).toContain('g h');
  });

  it('an environment entry: stops before running anything, naming the variable', () => {
    const compiler = buildTestCompiler(dir);
    const record = join(dir, 'env-record');
    const env: Array<[Bytes, Bytes]> = [...envPairs(cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', TC_RECORD: record })), ['HCL_RAW_VALUE', raw('x', [0xff], 'y')]];
    const r = runBytes(built.linux, [built.linux, compiler, '-c', 'a.c'], env, { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^hip-clang-launcher: error: environment variable HCL_RAW_VALUE is not valid UTF-8 \(HCL_RAW_VALUE=x\\xffy\)[^\n]*\n$/);
    expect(existsSync(record)).toBe(false);
    // A U+FFFD that was really there is no loss: it passes.
    const real: Array<[Bytes, Bytes]> = [...envPairs(cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', TC_RECORD: record })), ['HCL_REAL_FFFD', 'x\uFFFDy']];
    const ok = runBytes(built.linux, [built.linux, compiler, '-c', 'a.c'], real, { cwd: dir });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(existsSync(record)).toBe(true);
  });

  it('the compiler path: stops before running anything, naming it', () => {
    const compiler = raw(join(dir, 'cc-'), [0xff]);
    copyFileSync(buildTestCompiler(dir, 'plain-cc'), compiler);
    chmodSync(compiler, 0o755);
    const record = join(dir, 'path-record');
    const r = runBytes(built.linux, [built.linux, compiler, '-c', 'a.c'], envPairs(cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', TC_RECORD: record })), { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`hip-clang-launcher: error: the compiler path ${join(dir, 'cc-')}\\xff is not valid UTF-8, and it cannot be run by that name byte for byte; give a path that is valid UTF-8 (a symbolic link to it will do)\n`);
    expect(existsSync(record)).toBe(false);
  });
});

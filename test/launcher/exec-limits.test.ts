import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { built } from '../helpers/tools.js';

// Issue 18, item 6: an exec that would fail. The launcher adds a few
// variables and arguments for the cache, so a call that reached it within a
// few bytes of the kernel's limit on arguments plus environment failed its
// process.execve, which aborts (SIGABRT and a dump of minified source) where
// the bare compiler runs. Now such a call is spawned, and when even the cache
// and the planned compile cannot start (E2BIG), the compiler runs as the call
// was given. The stack limit is set to 1 MiB (prlimit) so the kernel's limit
// is 256 KiB; the padding is found by bisection: the largest environment with
// which the launcher itself still starts.

const STACK = 1024 * 1024;

describe('an environment at the kernel limit (built executable)', () => {
  let dir: string;
  let launcher: string;
  let compiler: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-e2big-');
    launcher = join(dir, 'hip-clang-launcher');
    copyFileSync(built.linux, launcher);
    compiler = buildTestCompiler(dir, 'cc');
  });

  const call = (padding: number, record: string) => {
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', CCACHE_DIR: join(dir, 'ccache'), TC_RECORD: record, TC_SHOW_ENV: 'HIP_CLANG_LAUNCHER_DEPTH' });
    // Whole variables of 100 KiB (below the 128 KiB a single string may have), then the rest.
    for (let i = 0, left = padding; left > 0; i++, left -= 100_000) env[`PAD${i}`] = 'x'.repeat(Math.min(left, 100_000));
    return run('prlimit', [`--stack=${STACK}:${STACK}`, launcher, compiler, '-c', 'x.c'], { cwd: dir, env });
  };
  const started = (r: ReturnType<typeof call>) => !r.stderr.startsWith('prlimit: failed to execute');

  it('compiles, uncached, where the launcher itself only just started', () => {
    let low = 0;
    let high = STACK / 4;
    const record = join(dir, 'record');
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (started(call(mid, record))) low = mid;
      else high = mid;
    }
    expect(low).toBeGreaterThan(200_000);
    rmSync(record, { force: true });
    const r = call(low, record);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(record)).toBe(true);
    expect(readRecord(record).argv.slice(1)).toEqual(['-c', 'x.c']);
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { built } from '../helpers/tools.js';

// Ctrl-C (or a SIGTERM) during a split compile-and-link: the launcher passes the signal to the
// part that runs, then must leave by it. Before, a part that ended that way counted as a failed
// split and the launcher started the whole call uncached, so make's Ctrl-C did not stop the build.
// The stand-in compiler (test/fixtures/test-compiler.c) says when it is ready and notes the
// signal it got. The cache is a stand-in too, a script named ccache that runs the compile as
// given: a real ccache would first run the stand-in as a preprocessor, and with CCACHE_DISABLE
// (ccache keeps nothing) the launcher splits nothing.
describe('a split call sent a signal while a part runs', () => {
  const dir = makeTempDir('hcl-split-interrupt-');
  let compiler: string;
  const record = join(dir, 'record');
  const marker = `${record}.signal`;
  const tmp = join(dir, 'tmp');
  const cache = join(dir, 'cache-bin', 'ccache');
  beforeAll(() => {
    compiler = buildTestCompiler(dir);
    mkdirSync(join(dir, 'cache-bin'));
    writeFileSync(cache, '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    writeFileSync(join(dir, 'a.c'), 'int main(void) { return 0; }\n');
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: the part gets it, the launcher dies by it, nothing else runs, no temporary is left`, async () => {
      writeFileSync(marker, '');
      mkdirSync(tmp, { recursive: true });
      const env = cleanEnv({
        HIP_CLANG_LAUNCHER_CACHE: cache,
        HIP_CLANG_LAUNCHER_SPLIT: 'on',
        HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'),
        TC_RECORD: record,
        TC_WAIT_MS: '300000',
        TMPDIR: tmp,
      });
      const child = spawn(built.linux, [compiler, '-O2', '-o', 'prog', 'a.c'], { cwd: dir, env, stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, s) => resolve(s)));
      let ended = false;
      void exited.then(() => (ended = true));
      // The signal goes once the part says it is ready (or the launcher ended), not at a deadline.
      while (readFileSync(marker, 'utf8') !== 'ready' && !ended) await new Promise((r) => setTimeout(r, 20));
      child.kill(signal);
      expect(await exited).toBe(signal);
      // The part got the signal, and it was the last thing that ran: the compile part, not the whole call.
      expect(readFileSync(marker, 'utf8')).toBe(signal);
      const argv = readRecord(record).argv;
      expect(argv).toContain('-c');
      expect(argv).not.toContain('prog');
      expect(existsSync(join(dir, 'prog'))).toBe(false);
      expect(readdirSync(tmp).filter((f) => f.startsWith('hcl-split-'))).toEqual([]);
    }, 60_000);
  }
});

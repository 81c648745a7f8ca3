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
  // The same stand-in cache, but it first sends the launcher a SIGTERM: the
  // signal lands while the launcher is still starting the part (in spawn).
  const earlyCache = join(dir, 'early-bin', 'ccache');
  beforeAll(() => {
    compiler = buildTestCompiler(dir);
    mkdirSync(join(dir, 'cache-bin'));
    writeFileSync(cache, '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    mkdirSync(join(dir, 'early-bin'));
    writeFileSync(earlyCache, '#!/bin/sh\nkill -s TERM $PPID\nexec "$@"\n', { mode: 0o755 });
    writeFileSync(join(dir, 'a.c'), 'int main(void) { return 0; }\n');
  });

  const launch = (cacheFile: string, recordFile: string) => {
    mkdirSync(tmp, { recursive: true });
    const env = cleanEnv({
      HIP_CLANG_LAUNCHER_CACHE: cacheFile,
      HIP_CLANG_LAUNCHER_SPLIT: 'on',
      HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'),
      TC_RECORD: recordFile,
      TC_WAIT_MS: '300000',
      TMPDIR: tmp,
    });
    const child = spawn(built.linux, [compiler, '-O2', '-o', 'prog', 'a.c'], { cwd: dir, env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, s) => resolve(s)));
    return { child, exited };
  };

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: the part gets it, the launcher dies by it, nothing else runs, no temporary is left`, async () => {
      writeFileSync(marker, '');
      const { child, exited } = launch(cache, record);
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

  // Before, the launcher listened for signals only once spawn had returned, so one sent while the
  // part was starting met the default action (76 and 82 of 100 runs here): the launcher died at once, its
  // part kept running and its temporary stayed. Now the outcome is the same at any moment.
  it('SIGTERM while the part is being started: the part gets it, the launcher dies by it, nothing else runs, no temporary is left', async () => {
    const earlyRecord = join(dir, 'early-record');
    const { exited } = launch(earlyCache, earlyRecord);
    expect(await exited).toBe('SIGTERM');
    // The launcher waited for its part: the temporary is gone, and the part ended by the signal,
    // before its handler was set (nothing noted) or in it. A part still waiting noted "ready".
    expect(readdirSync(tmp).filter((f) => f.startsWith('hcl-split-'))).toEqual([]);
    expect(['', 'SIGTERM']).toContain(existsSync(`${earlyRecord}.signal`) ? readFileSync(`${earlyRecord}.signal`, 'utf8') : '');
    // Only the compile part could have started. The stand-in records its argv first, and the signal
    // may cut that short (or come before it): the link's `prog` is in no record, whole or cut.
    const recorded = existsSync(earlyRecord) ? readFileSync(earlyRecord, 'utf8') : '';
    expect(recorded.split('\0')).not.toContain('prog');
    if (recorded.includes('\0\n')) expect(readRecord(earlyRecord).argv).toContain('-c');
    expect(existsSync(join(dir, 'prog'))).toBe(false);
  }, 60_000);
});

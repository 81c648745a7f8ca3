import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Issue 18, item 6: 100,000 environment variables. The launcher used to list
// them for execve in JavaScript (75 s a call at first, then twice the bare
// compiler's time) and, with a log, build and normalise an object of them for
// spawn. Above 256 KiB it now spawns the compiler inheriting its own
// environment, the few changes set around the spawn, and waits
// (src/launcher/spawn-inheriting.ts); the time is the benchmark's (env-size).
// Here: the compiler gets exactly the caller's environment plus the depth
// marker, and its exit status, with and without a log.

const VARIABLES = 100_000;

describe('a large environment (built executable)', () => {
  let dir: string;
  let compiler: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dir = makeTempDir('hcl-large-env-');
    compiler = join(dir, 'cc');
    // Records its environment (less the launcher's marker, sorted) and the marker, and exits 3.
    writeFileSync(compiler, '#!/bin/sh\nenv | grep -v "^HIP_CLANG_LAUNCHER_DEPTH=" | LC_ALL=C sort > "$OUT.env"\necho "depth=${HIP_CLANG_LAUNCHER_DEPTH-unset}" > "$OUT.depth"\nexit 3\n', { mode: 0o755 });
    env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', SPACED: 'a b=c \u00e9' });
    for (let i = 0; i < VARIABLES; i++) env[`V${i}`] = i % 1000 === 0 ? `value ${i}` : '';
  });

  for (const log of [false, true]) {
    it(`the compiler gets the caller's ${VARIABLES.toLocaleString('en')} variables and the depth marker, and its exit status comes back (${log ? 'with a log' : 'no log'})`, () => {
      // The same OUT for both: the compiler's own files are read back after each run.
      const out = join(dir, 'out');
      const read = () => ({ env: readFileSync(`${out}.env`, 'utf8'), depth: readFileSync(`${out}.depth`, 'utf8') });
      const direct = run(compiler, ['-c', 'x.c'], { cwd: dir, env: { ...env, OUT: out } });
      expect(direct.status).toBe(3);
      const bare = read();
      const extra = log ? { HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.jsonl') } : {};
      const through = runLauncher([compiler, '-c', 'x.c'], { cwd: dir, env: { ...env, ...extra, OUT: out } });
      expect(through.stderr).toBe('');
      expect(through.status).toBe(3);
      const launched = read();
      expect(bare.env.split('\n').length).toBeGreaterThan(VARIABLES);
      // The log's own variable is the one difference the call itself made.
      expect(launched.env.replace(/^HIP_CLANG_LAUNCHER_LOG=.*\n/m, '')).toBe(bare.env);
      expect(bare.depth).toBe('depth=unset\n');
      expect(launched.depth).toBe('depth=1\n');
      if (log) expect(readFileSync(join(dir, 'calls.jsonl'), 'utf8')).toContain('"exitCode":3');
    }, 120_000);
  }
});

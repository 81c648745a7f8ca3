import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';

// A NODE_OPTIONS meant for another program in the build must not reach our
// embedded runtime (the SEA is built with execArgvExtension "none"), and must
// reach the compiler unchanged.
describe('NODE_OPTIONS (built executable)', () => {
  let dir: string;
  let compiler: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-nodeopts-');
    compiler = buildTestCompiler(dir);
  });

  for (const value of ['--require=/nonexistent', '--import=/nonexistent.mjs', '--max-old-space-size=1 --stack-size=1', '--no-such-flag']) {
    it(`compiles with NODE_OPTIONS=${value} and hands it on unchanged`, () => {
      const record = join(dir, 'record');
      const r = runLauncher([compiler, '-c', 'x.c'], {
        env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', NODE_OPTIONS: value, TC_RECORD: record, TC_SHOW_ENV: 'NODE_OPTIONS' }),
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(readRecord(record).env.NODE_OPTIONS).toBe(value);
      const cli = runLauncher(['--version'], { env: cleanEnv({ NODE_OPTIONS: value }) });
      expect(cli.status).toBe(0);
    });
  }
});

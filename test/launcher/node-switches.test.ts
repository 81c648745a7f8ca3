import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildTestCompiler, readRecord } from '../helpers/test-compiler.js';
import { hcl, makeDebianTree } from '../shim/trees.js';

// Issue 18, item 7: Node's own switches, set in a build's environment for
// another program, have no effect on the launcher, the shim or the admin CLI:
// NODE_DEBUG=child_process printed the whole environment (secrets included)
// into the build log on every spawn, NODE_DEBUG=module traced the CLI's loads,
// NODE_V8_COVERAGE wrote a coverage file per call (an exec included). The
// compiler still receives them unchanged.

const SWITCHES = (dir: string) => ({
  NODE_DEBUG: 'child_process,module,fs,net,esm,vm',
  NODE_V8_COVERAGE: join(dir, 'coverage'),
  NODE_DEBUG_NATIVE: 'all',
  NODE_PENDING_DEPRECATION: '1',
  NODE_REDIRECT_WARNINGS: join(dir, 'warnings'),
  CI_SECRET: 'do-not-print-me',
});

describe("Node's own switches (built executable)", () => {
  let dir: string;
  let compiler: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-node-switches-');
    compiler = buildTestCompiler(dir);
  });

  const leftBehind = () => ['coverage', 'warnings'].filter((name) => existsSync(join(dir, name)));

  for (const log of [false, true]) {
    it(`launcher (${log ? 'spawn and wait, with a log' : 'exec'}): nothing printed or written, the compiler gets them unchanged`, () => {
      const record = join(dir, 'record');
      const switches = SWITCHES(dir);
      const r = runLauncher([compiler, '-c', 'x.c'], {
        cwd: dir,
        env: cleanEnv({
          ...switches, HIP_CLANG_LAUNCHER_CACHE: 'none', TC_RECORD: record, TC_SHOW_ENV: Object.keys(switches).join(','),
          ...(log ? { HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.log') } : {}),
        }),
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.toString()).toBe('');
      expect(r.status).toBe(0);
      expect(leftBehind()).toEqual([]);
      expect(readRecord(record).env).toEqual(switches);
    });
  }

  it('admin CLI and shim: nothing printed or written', () => {
    const switches = SWITCHES(dir);
    const cli = runLauncher(['--version'], { env: cleanEnv(switches) });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const tree = makeDebianTree('hcl-node-switches-tree-');
    expect(hcl(['install', tree.bin]).status).toBe(0);
    const shim = run(join(tree.bin, 'clang++'), ['--version'], { env: cleanEnv({ ...switches, HIP_CLANG_LAUNCHER_CACHE: 'none' }) });
    expect(shim.stderr).toBe('');
    expect(shim.stdout.toString()).toContain('clang version');
    expect(shim.status).toBe(0);
    const status = run(join(tree.bin, 'hip-clang-launcher'), ['status', tree.bin], { env: cleanEnv(switches) });
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
    expect(leftBehind()).toEqual([]);
    expect(readdirSync(dir).filter((name) => name.startsWith('hip-clang-launcher-coverage'))).toEqual([]);
  });
});

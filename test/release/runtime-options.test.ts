import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The Linux executable runs its Node with one V8 worker thread
// (--v8-pool-size=1 in the blob, scripts/build.mjs): Node's start waits for
// every worker to start, so fewer of them is a shorter start. Seen from the
// compiler the launcher runs and waits for (a call log makes it wait): a
// script that lists its parent's threads by name. NODE_OPTIONS cannot change
// it (execArgvExtension "none").
describe('the Linux executable\'s own Node options', () => {
  const dir = makeTempDir('hcl-runtime-options-');
  const compiler = join(dir, 'threads-compiler');
  writeFileSync(compiler, '#!/bin/sh\ncat /proc/$PPID/task/*/comm > "$TC_THREADS"\n');
  chmodSync(compiler, 0o755);

  const workerThreads = (nodeOptions?: string) => {
    const record = join(dir, `threads-${nodeOptions ?? 'none'}`);
    const r = runLauncher([compiler, '-c', 'x.c'], {
      cwd: dir,
      env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.jsonl'), TC_THREADS: record, NODE_OPTIONS: nodeOptions }),
    });
    expect(r.status, r.stderr).toBe(0);
    const names = readFileSync(record, 'utf8').trim().split('\n');
    expect(names).toContain('MainThread');
    return names.filter((name) => name === 'V8Worker').length;
  };

  it('starts one V8 worker thread, whatever NODE_OPTIONS says', () => {
    expect(workerThreads()).toBe(1);
    expect(workerThreads('--v8-pool-size=4')).toBe(1);
  });
});

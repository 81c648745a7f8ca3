import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheStats, statsSince } from '../helpers/caches.js';
import { hipDeviceFlags, SHARED_MACHINE_CCACHE, writeHipProject } from '../helpers/hip-projects.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { tools } from '../helpers/tools.js';

// HIP compiles that write a depfile go to ccache in depend mode (the headers
// come from clang's -MD output, no extra preprocessor pass). A header change
// must still miss, and give what an uncached compile gives.
describe('ccache depend mode for HIP compiles with -MD', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-depend-');
    writeHipProject(dir);
  });

  it('is on by default, keys on the depfile\'s headers: a header change misses, changing it back hits, every object as uncached', () => {
    const log = join(dir, 'calls.log');
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_LOG: log, HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), CCACHE_DIR: join(dir, 'ccache'), ...SHARED_MACHINE_CCACHE });
    const args = ['-x', 'hip', '--offload-arch=gfx90a', ...hipDeviceFlags, '-Iinc', '-O2', '-MD', '-MF', 'scale.d', '-c', 'scale.hip', '-o', 'scale.o', '-cuid=5ca1e'];
    const compile = (cache: NodeJS.ProcessEnv) => {
      const r = runLauncher([tools.clangxx, ...args], { env: cache, cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return readFileSync(join(dir, 'scale.o'));
    };
    const uncached = () => compile(cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' }));
    const setScale = (value: string) => writeFileSync(join(dir, 'inc', 'scale.h'), `#pragma once\n#define SCALE ${value}\n`);
    // What one compile did in ccache: a miss (split per arch by default, so its
    // three parts missed too: the whole call, the device part, the host part), or one hit.
    let last = ccacheStats(env as Record<string, string>);
    const outcome = () => {
      const now = ccacheStats(env as Record<string, string>);
      const gained = statsSince(last, now);
      last = now;
      return gained;
    };
    const MISS = { hits: 0, misses: 3 };
    const HIT = { hits: 1, misses: 0 };

    setScale('3.0f');
    const three = uncached();
    expect(compile(env).equals(three)).toBe(true);
    expect(outcome()).toEqual(MISS);
    expect(compile(env).equals(three)).toBe(true);
    expect(outcome()).toEqual(HIT);

    setScale('5.0f');
    const five = uncached();
    expect(five.equals(three)).toBe(false);
    expect(compile(env).equals(five)).toBe(true);
    expect(outcome()).toEqual(MISS);

    setScale('3.0f');
    expect(compile(env).equals(three)).toBe(true);
    expect(outcome()).toEqual(HIT);

    const rules = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line).rules.map((r: { rule: string }) => r.rule));
    for (const r of rules) expect(r).toContain('depend-mode');
    // The user's choice wins: with CCACHE_NODEPEND the launcher adds nothing and ccache preprocesses.
    expect(compile({ ...env, CCACHE_NODEPEND: '1' }).equals(three)).toBe(true);
    expect(readFileSync(log, 'utf8').trim().split('\n').at(-1)).toContain('CCACHE_NODEPEND is set');
  });
});

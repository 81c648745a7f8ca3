import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, loggedCuids } from '../helpers/caches.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot, tools } from '../helpers/tools.js';

// HIP_CLANG_LAUNCHER_DEBUG prints the launcher's own time by phase, once,
// just before it hands over; unset, the call's stderr is the compiler's alone.
// Checked on the path users run: a real HIP warm hit through ccache.
const hipSource = join(repoRoot, 'test/fixtures/hip/saxpy.hip');
const hipArgs = ['-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-O2', '-c', hipSource, '-o', 'k.o'];
const PHASES = ['start', 'parse', 'finding the cache', 'cache facts', 'toolchain digest', 'rules', 'exec'];
const LINE = /^hip-clang-launcher: debug: ([\d.]+) ms before (exec|spawn): (.*) \(ms\)$/m;

function phasesOf(stderr: string): { total: number; to: string; parts: Map<string, number> } {
  const m = LINE.exec(stderr);
  expect(m, stderr).not.toBeNull();
  const parts = new Map(m![3]!.split(', ').map((part) => {
    const at = part.lastIndexOf(' ');
    return [part.slice(0, at), Number(part.slice(at + 1))] as const;
  }));
  return { total: Number(m![1]), to: m![2]!, parts };
}

describe('HIP_CLANG_LAUNCHER_DEBUG: the launcher\'s time by phase', () => {
  const dir = makeTempDir('hcl-debug-phases-');
  const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), ...ccacheEnv(dir) });

  it('names every phase of a HIP hit through ccache, the parts adding up to the whole, and prints nothing unset', () => {
    const quiet = runLauncher([tools.clangxx, ...hipArgs], { cwd: dir, env });
    expect({ status: quiet.status, stderr: quiet.stderr }).toEqual({ status: 0, stderr: '' });
    const before = ccacheStats(ccacheEnv(dir));
    const r = runLauncher([tools.clangxx, ...hipArgs], { cwd: dir, env: { ...env, HIP_CLANG_LAUNCHER_DEBUG: '1' } });
    expect(r.status, r.stderr).toBe(0);
    expect(ccacheStats(ccacheEnv(dir)).hits).toBe(before.hits + 1);
    const { total, to, parts } = phasesOf(r.stderr);
    expect(to).toBe('exec');
    expect([...parts.keys()]).toEqual(PHASES);
    const sum = [...parts.values()].reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - total)).toBeLessThan(0.05 * PHASES.length);
    // The line comes once, before the compiler's own output.
    expect(r.stderr.match(new RegExp(LINE.source, 'gm'))).toHaveLength(1);
  });

  it('says so when the launcher spawns instead (a call log)', () => {
    const log = join(dir, 'calls.jsonl');
    const r = runLauncher([tools.clangxx, ...hipArgs], { cwd: dir, env: { ...env, HIP_CLANG_LAUNCHER_DEBUG: '1', HIP_CLANG_LAUNCHER_LOG: log } });
    expect(r.status, r.stderr).toBe(0);
    expect(phasesOf(r.stderr).to).toBe('spawn');
    expect(existsSync(log)).toBe(true);
  });

  // The -cuid is an MD5 computed without node:crypto (src/launcher/md5.ts): the
  // id the built launcher adds is the one node:crypto gives for the same text.
  it('adds the -cuid node:crypto\'s MD5 gives for the command line', () => {
    const log = join(dir, 'cuid.jsonl');
    const args = [...hipArgs.slice(0, -1), 'ü-\u{1F600}.o'];
    const r = runLauncher([tools.clangxx, ...args], { cwd: dir, env: { ...env, HIP_CLANG_LAUNCHER_LOG: log } });
    expect(r.status, r.stderr).toBe(0);
    // The text hip-rules/cuid.ts hashes: its version, the input by its real path, then every argument but the archs.
    const text = `hip-clang-launcher cuid 2\0real:${realpathSync(hipSource)}\0${args.filter((a) => !a.startsWith('--offload-arch=')).map((a) => `${a}\0`).join('')}`;
    const expected = createHash('md5').update(text).digest('hex').slice(0, 16);
    expect(loggedCuids(log)).toEqual([expected]);
  });

  // Under a base dir the input counts by its bytes' MD5 too (cuid-input.ts):
  // md5.ts in chunks up to 1 MiB, node:crypto above; either way the id is the
  // one node:crypto's MD5 of the same bytes gives.
  it('counts a source under the base dir by node:crypto\'s MD5 of its bytes, small or above 1 MiB', () => {
    mkdirSync(join(dir, 'checkout'));
    const checkout = realpathSync(join(dir, 'checkout'));
    const small = join(checkout, 'small.hip');
    const large = join(checkout, 'large.hip');
    copyFileSync(hipSource, small);
    // Past 1 MiB, and not a multiple of any chunk: the last read is partial.
    writeFileSync(large, `${readFileSync(hipSource, 'utf8')}\n// ${'x'.repeat((1 << 20) + 4097)}\n`);
    for (const [source, name] of [[small, 'small.hip'], [large, 'large.hip']] as const) {
      const log = join(dir, `base-${name}.jsonl`);
      const args = ['-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-O2', '-c', name, '-o', `${name}.o`];
      const r = runLauncher([tools.clangxx, ...args], { cwd: checkout, env: { ...env, HIP_CLANG_LAUNCHER_BASEDIR: checkout, HIP_CLANG_LAUNCHER_LOG: log } });
      expect(r.status, r.stderr).toBe(0);
      const bytes = createHash('md5').update(readFileSync(source)).digest('hex');
      const text = `hip-clang-launcher cuid 2\0base:${name}:${bytes}\0${args.filter((a) => !a.startsWith('--offload-arch=')).map((a) => `${a}\0`).join('')}`;
      // One id: ccache's run of the launcher for the split on a miss logs a record of its own, without one.
      expect(loggedCuids(log), name).toEqual([createHash('md5').update(text).digest('hex').slice(0, 16)]);
    }
  });
});

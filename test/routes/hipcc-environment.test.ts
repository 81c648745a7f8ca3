import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats } from '../helpers/caches.js';
import { valOf } from '../helpers/hip-objects.js';
import { run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';
import { buildHipcc, hipccEnv } from '../patch/hipcc-builds.js';
import { hcl, HIPCC_NAMES, makeTree } from '../shim/trees.js';

// One directory for the file, removed when it ends (its hook registered here, at the top level).
const root = makeTempDir('hcl-routes-env-');

// `hip-clang-launcher <hipcc> ...` (CMake's compiler launcher, a Makefile's
// HIPCXX, PyTorch's PYTORCH_NVCC): hipcc's own environment changes the clang
// command it runs, so hipcc itself must never reach a cache. Each case compiles
// the same command line under VAL=1, VAL=2, VAL=1, VAL=2 and reads back which
// VAL each object holds: the first two are misses, the last two hits, and a
// hit that hands back the other setting's object is a wrong hit.
const valSource = join(repoRoot, 'test/fixtures/hip/val.hip');
const ARGS = ['--offload-arch=gfx90a', '-c', 'val.hip', '-o', 'val.o'];
const SEQUENCE = ['1', '2', '1', '2'];

interface Outcome {
  vals: (string | undefined)[];
  wrong: number;
}

function compileSequence(dir: string, hipcc: string, env: (val: string) => NodeJS.ProcessEnv, sequence = SEQUENCE): Outcome {
  const vals = sequence.map((val) => {
    const r = run(built.linux, [hipcc, ...ARGS], { cwd: dir, env: env(val) });
    expect(r.status, r.stderr).toBe(0);
    return valOf(join(dir, 'val.o'));
  });
  return { vals, wrong: vals.filter((v, i) => v !== sequence[i]).length };
}

// Every call whole (HIP_CLANG_LAUNCHER_SPLIT=off): these tests count one log
// record and one ccache lookup per compile, as hipcc's environment changes the
// call; the split (on by default) adds a record and lookups per part.
describe('hipcc behind the launcher, changing hipcc\'s environment (built executable, real hipcc and clang-15)', () => {
  let patched: string;
  beforeAll(() => {
    patched = buildHipcc('patched');
  });

  it('patched hipcc 7.0.2 + ccache: HIPCC_COMPILE_FLAGS_APPEND=-DVAL=1 then =2 gives each its own object; the repeats hit', () => {
    const dir = mkdtempSync(join(root, 'patched-'));
    copyFileSync(valSource, join(dir, 'val.hip'));
    const cache = ccacheEnv(dir);
    const log = join(dir, 'calls.jsonl');
    const env = (val: string) =>
      hipccEnv({ HIPCC_COMPILE_FLAGS_APPEND: `-DVAL=${val}`, HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_SPLIT: 'off', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), HIP_CLANG_LAUNCHER_LOG: log, ...cache });
    const out = compileSequence(dir, patched, env);
    expect(out.vals).toEqual(SEQUENCE);
    expect(out.wrong).toBe(0);
    expect(ccacheStats(cache)).toEqual({ hits: 2, misses: 2 });
    // hipcc ran uncached; each of its clang calls came back and went to ccache with the setting in its argv.
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { compiler: string; route: string });
    expect(calls.filter((c) => c.route === 'hipcc').map((c) => c.compiler)).toEqual(SEQUENCE.map(() => patched));
    expect(calls.filter((c) => c.route === 'cache').map((c) => c.compiler)).toEqual(SEQUENCE.map(() => '/usr/lib/llvm-15/bin/clang++'));
    expect(calls.map((c) => c.route).sort()).toEqual([...SEQUENCE.map(() => 'cache'), ...SEQUENCE.map(() => 'hipcc')]);
  });

  it('patched hipcc 7.0.2 + ccache: another HIP_CLANG_PATH (a clang++ that adds -DVAL=3) is never answered from the first one\'s entry', () => {
    const dir = mkdtempSync(join(root, 'clangpath-'));
    copyFileSync(valSource, join(dir, 'val.hip'));
    const alt = join(dir, 'alt-llvm', 'bin');
    mkdirSync(alt, { recursive: true });
    writeFileSync(join(alt, 'clang++'), '#!/bin/sh\nexec /usr/lib/llvm-15/bin/clang++ -DVAL=3 "$@"\n', { mode: 0o755 });
    symlinkSync('/usr/lib/llvm-15/bin/clang', join(alt, 'clang'));
    const cache = ccacheEnv(dir);
    const env = (val: string) =>
      hipccEnv({ ...(val === '3' ? { HIP_CLANG_PATH: alt } : {}), HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_SPLIT: 'off', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), ...cache });
    const out = compileSequence(dir, patched, env, ['0', '3', '0', '3']);
    expect(out.vals).toEqual(['0', '3', '0', '3']);
    expect(out.wrong).toBe(0);
    expect(ccacheStats(cache)).toEqual({ hits: 2, misses: 2 });
  });

  it('Debian\'s perl hipcc 5.2.3 (ignores HIP_CLANG_LAUNCHER) runs directly, and with the shim in its HIP_CLANG_PATH its clang calls are cached right', () => {
    const dir = mkdtempSync(join(root, 'perl-'));
    copyFileSync(valSource, join(dir, 'val.hip'));
    const tree = makeTree(dir, 'symlink-chain');
    const cache = ccacheEnv(dir);
    const log = join(dir, 'calls.jsonl');
    const base = { HIP_CLANG_PATH: tree.bin, HIP_CLANG_LAUNCHER_SPLIT: 'off', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), HIP_CLANG_LAUNCHER_LOG: log, ...cache };
    const env = (val: string) => hipccEnv({ ...base, HIPCC_COMPILE_FLAGS_APPEND: `-DVAL=${val}` });

    // No shim yet: uncached and right, the reason in the log.
    const plain = compileSequence(dir, tools.hipccPerl, env, ['1', '2']);
    expect(plain.wrong).toBe(0);
    expect(ccacheStats(cache)).toEqual({ hits: 0, misses: 0 });
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { route: string; reason: string });
    expect(records.map((r) => r.route)).toEqual(['direct', 'direct']);
    expect(records[0]!.reason).toMatch(/^this hipcc ignores HIP_CLANG_LAUNCHER: it runs directly, uncached; install the shim/);
    // Learned once: one state file for this hipcc, saying so.
    const memo = readdirSync(join(dir, 'state')).filter((f) => f.startsWith('hipcc-launcher-'));
    expect(memo).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, 'state', memo[0]!), 'utf8')).value).toBe('ignores');

    const install = hcl(['install', tree.bin, '--names', HIPCC_NAMES, '--cache', 'ccache']);
    expect(install.status, install.stderr).toBe(0);
    const shimmed = compileSequence(dir, tools.hipccPerl, env);
    expect(shimmed.vals).toEqual(SEQUENCE);
    expect(shimmed.wrong).toBe(0);
    expect(ccacheStats(cache)).toEqual({ hits: 2, misses: 2 });

    // With the shim in its HIP_CLANG_PATH, hipcc's clang calls reach this executable as the shim: that is
    // not hipcc calling the launcher, so a fresh probe (which-cache's, check-hipcc's) still says it ignores it.
    const fresh = { ...hipccEnv(base), PATH: `/usr/bin:/bin`, HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'fresh-state') };
    const check = hcl(['check-hipcc', tools.hipccPerl], fresh);
    expect(check.status, check.out).toBe(1);
    expect(check.out).toMatch(/^\[fail\] +ignores HIP_CLANG_LAUNCHER: it ran \S+\/clang\+\+-15 itself; fix: use the shim/m);
    // which-cache names the route for the hipcc on PATH: the shim, found installed in HIP_CLANG_PATH.
    const which = hcl(['which-cache', '--json'], fresh);
    expect(which.status, which.stderr).toBe(0);
    const hipcc = JSON.parse(which.out).hipcc;
    expect(hipcc).toMatchObject({ file: '/usr/bin/hipcc', support: 'ignores' });
    expect(hipcc.route).toContain(`the shim, installed in HIP_CLANG_PATH=${tree.bin}`);
    const uninstall = hcl(['uninstall', tree.bin]);
    expect(uninstall.status, uninstall.stderr).toBe(0);
    const text = hcl(['which-cache'], { ...hipccEnv(base), PATH: `/usr/bin:/bin` });
    expect(text.out).toContain('hipcc:  /usr/bin/hipcc\n');
    expect(text.out).toMatch(/ {2}route: the shim: it ignores HIP_CLANG_LAUNCHER, so through the launcher it runs uncached; `hip-clang-launcher install <its clang directory>`/);
  });

  it('asks a hipcc once: the memoised answer is what the launcher obeys until the binary changes', () => {
    const dir = mkdtempSync(join(root, 'memo-'));
    copyFileSync(valSource, join(dir, 'val.hip'));
    // A copy of the patched hipcc (its own file, so its mtime can move), reached through a `hipcc-7` link
    // (hipcc 7 wants "hipcc" in the name it is run by, so a `c++` link cannot run it at all).
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    copyFileSync(patched, join(bin, 'hipcc'));
    symlinkSync('hipcc', join(bin, 'hipcc-7'));
    const state = join(dir, 'state');
    const log = join(dir, 'calls.jsonl');
    const env = hipccEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_STATE_DIR: state, HIP_CLANG_LAUNCHER_LOG: log, PATH: `${bin}:${process.env.PATH}` });
    const routes = () => {
      const r = run(built.linux, ['hipcc-7', ...ARGS], { cwd: dir, env });
      expect(r.status, r.stderr).toBe(0);
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { route: string });
      writeFileSync(log, '');
      return lines.map((l) => l.route);
    };
    // Known as hipcc through the link; honours the variable: its clang call comes back (route no-cache: cache none).
    expect(routes()).toEqual(['no-cache', 'hipcc']);
    const [memo] = readdirSync(state).filter((f) => f.startsWith('hipcc-launcher-'));
    const stored = JSON.parse(readFileSync(join(state, memo!), 'utf8'));
    expect(stored).toMatchObject({ key: { path: join(bin, 'hipcc') }, value: 'honours' });
    // A state file saying otherwise for the same file is obeyed: no probe runs again.
    writeFileSync(join(state, memo!), JSON.stringify({ ...stored, value: 'ignores' }));
    expect(routes()).toEqual(['direct']);
    // A state file that says nothing we know is a miss, probed again.
    writeFileSync(join(state, memo!), JSON.stringify({ ...stored, value: 'maybe' }));
    expect(routes()).toEqual(['no-cache', 'hipcc']);
    // A changed binary (new mtime) is asked again.
    writeFileSync(join(state, memo!), JSON.stringify({ ...stored, value: 'ignores' }));
    utimesSync(join(bin, 'hipcc'), new Date(), new Date(Date.now() + 5000));
    expect(routes()).toEqual(['no-cache', 'hipcc']);
  });
});

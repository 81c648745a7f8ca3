import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';
import { buildHipcc, type Variant } from './hipcc-builds.js';

// Windows quoting, end to end under wine64: hipcc.exe (cross-built from the
// 7.0.2 source with mingw-w64, through _popen and cmd.exe /c as on Windows)
// runs the launcher .exe, which runs a recording FAKE clang.exe (a real
// Windows clang cannot run here). Every path holds spaces.
const winPath = (p: string) => `Z:${p.replaceAll('/', '\\')}`;
const readLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

describe('hipcc.exe -> hip-clang-launcher.exe -> fake clang.exe under wine (fake compiler)', () => {
  let dir: string;
  let clangExe: string;
  let launcherExe: string;
  const hipccExe: Partial<Record<Variant, string>> = {};

  beforeAll(() => {
    dir = makeTempDir('hcl-win-quoting-');
    const clangDir = join(dir, 'ROCm 7.0', 'lib', 'llvm', 'bin');
    mkdirSync(clangDir, { recursive: true });
    clangExe = join(clangDir, 'clang.exe');
    execFileSync('x86_64-w64-mingw32-g++', ['-O1', '-static', '-o', clangExe, join(repoRoot, 'test/fixtures/windows/fake-clang-recorder.cpp')]);
    launcherExe = join(dir, 'Program Files', 'hip clang launcher', 'hip-clang-launcher.exe');
    mkdirSync(join(launcherExe, '..'), { recursive: true });
    copyFileSync(built.windows, launcherExe);
    for (const variant of ['unpatched', 'patched', 'upstream', 'upstream-fixed'] as const) {
      const exe = join(dir, `hipcc ${variant}`, 'hipcc.exe');
      mkdirSync(join(exe, '..'));
      copyFileSync(buildHipcc(variant, true), exe);
      hipccExe[variant] = exe;
    }
    mkdirSync(join(dir, 'src dir'));
    mkdirSync(join(dir, 'out dir'));
    writeFileSync(join(dir, 'src dir', 'k.hip'), '__global__ void k() {}\n');
  });

  // What hipcc.exe needs here, the fake clang.exe recording into `record`.
  const hipEnv = (record: string, extra: Record<string, string | undefined> = {}) =>
    cleanEnv({
      ...tools.wineEnv(),
      HIP_PLATFORM: 'amd',
      HIP_PATH: winPath(dir),
      HIP_CLANG_PATH: winPath(join(clangExe, '..')),
      DEVICE_LIB_PATH: winPath(join(dir, 'device libs')),
      FAKE_CLANG_RECORD: winPath(record),
      ...extra,
    });

  // One compile; returns what the launcher received and what clang.exe received.
  const compile = (variant: Variant, tag: string, launcher = true) => {
    const probe = join(dir, `${tag}.probe.jsonl`);
    const record = join(dir, `${tag}.clang.jsonl`);
    const r = spawnSync(tools.wine, [hipccExe[variant]!, '--offload-arch=gfx90a', '-c', 'src dir/k.hip', '-o', 'out dir/k.o'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: hipEnv(record, {
        HIP_CLANG_LAUNCHER: launcher ? winPath(launcherExe) : undefined,
        HIP_CLANG_LAUNCHER_CACHE: 'none',
        HIP_CLANG_LAUNCHER_PROBE: winPath(probe),
      }),
    });
    if (r.error) throw r.error;
    return { status: r.status, launcherGot: readLines(probe), clangGot: readLines(record) };
  };

  // What must hold for a variant: clang.exe receives exactly the argv that
  // unpatched hipcc.exe gives it directly, and the launcher got the compiler
  // as one exact argument. Returns what went wrong, so upstream's form can be
  // shown failing this very check.
  let direct: { argv: string[] } | undefined;
  const problems = (variant: Variant): string[] => {
    direct ??= compile('unpatched', 'direct', false).clangGot[0];
    const r = compile(variant, variant);
    const found: string[] = [];
    if (r.status !== 0) found.push(`hipcc.exe exited ${r.status}`);
    const call = r.launcherGot[0];
    if (!call) found.push('the launcher was not called');
    else if (call.compiler !== winPath(clangExe)) found.push(`the launcher got the compiler as ${JSON.stringify(call.compiler)}`);
    const argv = r.clangGot[0]?.argv;
    if (!argv) found.push('clang.exe was not called');
    else if (JSON.stringify(argv.slice(1)) !== JSON.stringify(direct!.argv.slice(1))) found.push(`clang.exe got ${JSON.stringify(argv.slice(1))}`);
    return found;
  };

  it('unpatched hipcc.exe runs clang.exe directly with quoted file names intact (the baseline)', () => {
    const r = compile('unpatched', 'baseline', false);
    expect(r.status).toBe(0);
    expect(r.clangGot[0].argv[0]).toBe(winPath(clangExe));
    expect(r.clangGot[0].argv).toEqual(expect.arrayContaining(['--offload-arch=gfx90a', '-c', 'src dir/k.hip', '-o', 'out dir/k.o']));
  });

  it('our backport: the launcher gets clang.exe as one exact argument; clang.exe gets the same argv as without it', () => {
    expect(problems('patched')).toEqual([]);
  });

  it("upstream's form plus our Windows quoting fix passes the same check", () => {
    expect(problems('upstream-fixed')).toEqual([]);
  });

  // check-hipcc.exe as a Windows user runs it, on each hipcc.exe. Its output
  // goes to files: Node under wine cannot open a pipe as process.stdout or
  // process.stderr (EBADF), which a console on Windows does not meet.
  it('check-hipcc.exe gives each hipcc.exe its route: launcher, shim, or patch for upstream\'s mangled form', () => {
    const expected = { patched: ['launcher', 'honours', 0], 'upstream-fixed': ['launcher', 'honours', 0], unpatched: ['shim', 'ignores', 1], upstream: ['patch', 'mangled', 1] };
    for (const [variant, [route, finding, status]] of Object.entries(expected)) {
      const outFile = join(dir, `check-${variant}.stdout`);
      const errFile = join(dir, `check-${variant}.stderr`);
      const [outFd, errFd] = [openSync(outFile, 'w'), openSync(errFile, 'w')];
      const r = spawnSync(tools.wine, [launcherExe, 'check-hipcc', winPath(hipccExe[variant as Variant]!), '--json'], {
        cwd: dir,
        timeout: 300_000,
        stdio: ['ignore', outFd, errFd],
        env: hipEnv(join(dir, `check-${variant}.clang.jsonl`)),
      });
      closeSync(outFd);
      closeSync(errFd);
      expect(readFileSync(errFile, 'utf8')).toBe('');
      const json = JSON.parse(readFileSync(outFile, 'utf8'));
      expect({ variant, route: json.route, finding: json.finding, status: r.status }).toEqual({ variant, route, finding, status });
      if (route === 'launcher') expect(json.probe.calls[0].compiler).toBe(winPath(clangExe));
      if (finding === 'mangled') expect(json.probe.calls[0].compiler).toBe(winPath(join(dir, 'ROCm')));
    }
  });

  it("upstream's form (test fixture) fails the same check: the compiler path is split at its space", () => {
    const found = problems('upstream');
    expect(found).toContain(`the launcher got the compiler as ${JSON.stringify(winPath(join(dir, 'ROCm')))}`);
    expect(found.some((p) => p.startsWith('hipcc.exe exited'))).toBe(true);
  });
});

import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, tools } from '../helpers/tools.js';
import { buildHipcc, hipccEnv, type Variant } from './hipcc-builds.js';

// check-hipcc runs the given hipcc with HIP_CLANG_LAUNCHER pointing at the
// built launcher in probe mode and HIPCC_VERBOSE=1; only what hipcc ran
// counts. Real hipcc builds, real clang-15, with all, some or none of the
// variables hipcc needs here.
const CLANGXX = '/usr/lib/llvm-15/bin/clang++';
const NO_HIP = { HIP_PLATFORM: undefined, HIP_CLANG_PATH: undefined, DEVICE_LIB_PATH: undefined, ROCM_PATH: undefined, HIP_PATH: undefined };
const check = (hipcc: string, env: NodeJS.ProcessEnv, extra: string[] = []) => {
  const r = runLauncher(['check-hipcc', hipcc, '--json', ...extra], { env });
  const text = r.stdout.toString();
  return { status: r.status, stderr: r.stderr, json: text ? JSON.parse(text) : undefined };
};
const statuses = (json: { lines: { status: string; found: string }[] }) => json.lines.map((l) => `${l.status} ${l.found.split(':')[0]}`);

describe('hip-clang-launcher check-hipcc', () => {
  const hipcc: Partial<Record<Variant, string>> = {};
  beforeAll(() => {
    for (const v of ['unpatched', 'patched', 'upstream', 'upstream-fixed'] as const) hipcc[v] = buildHipcc(v);
  });

  it('every build with all HIP variables: launcher (exit 0) where hipcc honours the variable, shim (exit 1) where it does not', () => {
    const expected = [
      [hipcc.patched!, 'launcher', 'honours', 0],
      [hipcc.upstream!, 'launcher', 'honours', 0], // upstream's form is right on Linux; only Windows needs the fix
      [hipcc['upstream-fixed']!, 'launcher', 'honours', 0],
      [hipcc.unpatched!, 'shim', 'ignores', 1],
      [tools.hipccPerl, 'shim', 'ignores', 1],
    ] as const;
    for (const [file, route, finding, status] of expected) {
      const r = check(file, hipccEnv());
      expect(r.stderr).toBe('');
      expect({ file, route: r.json.route, finding: r.json.finding, status: r.status, set: r.json.set }).toEqual({ file, route, finding, status, set: {} });
      // Both probes ran and the HIP compile worked, through the launcher or not.
      expect(r.json.probe.runs.map((run: { kind: string }) => run.kind)).toEqual(['version', 'compile']);
      expect(r.json.compiles).toBe(true);
      if (route === 'launcher') {
        expect(r.json.probe.launcher).toBe(built.linux);
        expect(r.json.probe.calls.map((c: { compiler: string }) => c.compiler)).toEqual([CLANGXX, CLANGXX]);
      } else {
        expect(r.json.probe.calls).toEqual([]);
      }
    }
  });

  // hipcc 7 picks NVIDIA when it can run an nvcc (these machines have one on
  // PATH), else defaults to AMD and calls the launcher with a clang beside
  // itself: both are "cannot find its clang here". The second environment
  // hides every nvcc, so the AMD default is tested on any machine.
  it('no HIP variables: our patched hipcc cannot find its clang here (never "ignores"), and the fix names HIP_CLANG_PATH and HIP_PLATFORM=amd', () => {
    const noNvcc = {
      CUDA_PATH: makeTempDir('hcl-no-cuda-'),
      PATH: (process.env.PATH ?? '').split(delimiter).filter((d) => d && !existsSync(join(d, 'nvcc'))).join(delimiter),
    };
    const runs = [hipcc.patched!, hipcc['upstream-fixed']!].flatMap((file) => [hipccEnv(NO_HIP), hipccEnv({ ...NO_HIP, ...noNvcc })].map((env) => ({ file, env })));
    for (const [i, { file, env }] of runs.entries()) {
      const r = check(file, env);
      if (i % 2 === 1) expect(r.json.lines[0].found).toBe('honours HIP_CLANG_LAUNCHER: the launcher was called');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(3);
      expect(r.json.finding).toBe('clang-not-found');
      expect(r.json.set).toEqual({ HIP_CLANG_PATH: '<dir holding clang++>', HIP_PLATFORM: 'amd' });
      expect(r.json.lines.some((l: { found: string }) => l.found.startsWith('ignores'))).toBe(false);
      const fail = r.json.lines.find((l: { status: string }) => l.status === 'fail');
      expect(fail.found).toMatch(/^cannot find its clang here: /);
      expect(fail.fix).toMatch(/HIP_CLANG_PATH.*HIP_PLATFORM=amd.*DEVICE_LIB_PATH.*ROCM_PATH/);
    }
  });

  it('only HIP_PLATFORM=amd: patched honours the launcher but looks for clang beside itself; unpatched ignores it (and cannot find clang either)', () => {
    const amdOnly = hipccEnv({ ...NO_HIP, HIP_PLATFORM: 'amd' });
    const patched = check(hipcc.patched!, amdOnly);
    expect(patched.status).toBe(3);
    expect({ route: patched.json.route, finding: patched.json.finding, set: patched.json.set }).toEqual({
      route: 'launcher',
      finding: 'clang-not-found',
      set: { HIP_CLANG_PATH: '<dir holding clang++>' },
    });
    expect(statuses(patched.json)).toEqual(['ok honours HIP_CLANG_LAUNCHER', 'fail cannot find its clang here']);
    // hipcc looks beside its own bin directory: <root>/bin/hipcc -> <root>/lib/llvm/bin.
    expect(patched.json.lines[1].found).toBe(`cannot find its clang here: it looked for ${join(hipcc.patched!, '..', '..', 'lib/llvm/bin/clang++')}`);

    const unpatched = check(hipcc.unpatched!, amdOnly);
    expect(unpatched.status).toBe(1);
    expect({ route: unpatched.json.route, finding: unpatched.json.finding }).toEqual({ route: 'shim', finding: 'ignores' });
    expect(statuses(unpatched.json)).toEqual(['fail ignores HIP_CLANG_LAUNCHER', 'fail cannot find its clang here either']);
  });

  it('clang found but no device libraries: the compile probe names DEVICE_LIB_PATH and ROCM_PATH', () => {
    const r = check(hipcc.patched!, hipccEnv({ ...NO_HIP, HIP_PLATFORM: 'amd', HIP_CLANG_PATH: '/usr/lib/llvm-15/bin' }));
    expect(r.status).toBe(3);
    expect({ route: r.json.route, finding: r.json.finding, compiles: r.json.compiles }).toEqual({ route: 'launcher', finding: 'honours', compiles: false });
    expect(Object.keys(r.json.set).sort()).toEqual(['DEVICE_LIB_PATH', 'ROCM_PATH']);
    expect(r.json.lines.at(-1).found).toMatch(/^a HIP compile through it fails here: clang: error: cannot find ROCm device library/);
  });

  it('plain output: one line per finding with its fix, the variables to set, the route', () => {
    const text = runLauncher(['check-hipcc', hipcc.patched!], { env: hipccEnv({ ...NO_HIP, HIP_PLATFORM: 'amd' }) }).stdout.toString();
    expect(text).toMatch(/^\[ok\] {4}honours HIP_CLANG_LAUNCHER: the launcher was called\n\[fail\] {2}cannot find its clang here: it looked for \S+; fix: set HIP_CLANG_PATH [^\n]+\nset: {4}HIP_CLANG_PATH=<dir holding clang\+\+>\nroute: {2}launcher, once hipcc compiles here/m);
    // The probe's own compiles stay out of the user's call log.
    const log = join(makeTempDir('hcl-check-hipcc-log-'), 'calls.jsonl');
    const shim = runLauncher(['check-hipcc', hipcc.unpatched!], { env: hipccEnv({ HIP_CLANG_LAUNCHER_LOG: log }) }).stdout.toString();
    expect(existsSync(log)).toBe(false);
    expect(shim).toMatch(/^\[fail\] {2}ignores HIP_CLANG_LAUNCHER: it ran \/usr\/lib\/llvm-15\/bin\/clang\+\+ itself; fix: use the shim[^\n]*\n\[ok\] {4}a HIP compile through it works here\nroute: {2}shim/m);
  });

  // Programs that fail in the ways execa reports (not hipcc: no toolchain
  // needed to hang or die). Each is one line, exit 13, and prompt.
  it('a hipcc that is missing, not executable, hangs (its child holding stdout) or is killed: one-line errors', () => {
    const dir = makeTempDir('hcl-check-hipcc-bad-');
    const script = (name: string, body: string, mode = 0o755) => {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\n${body}\n`);
      chmodSync(file, mode);
      return file;
    };
    // No bound on elapsed time (a busy machine must not fail this): the hanging hipcc below leaves a marker if its sleep ever ends.
    const oneLine = (args: string[], status: number, message: RegExp) => {
      const r = runLauncher(['check-hipcc', ...args], { env: hipccEnv() });
      expect(r.status).toBe(status);
      expect(r.stdout.toString()).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd()).not.toContain('\n');
    };
    oneLine(['/nonexistent/bin/hipcc'], 13, /^hip-clang-launcher: error: hipcc \/nonexistent\/bin\/hipcc does not exist; /);
    oneLine([script('hipcc-noexec', 'exit 0', 0o644)], 13, /^hip-clang-launcher: error: hipcc --version could not be started: \S+hipcc-noexec is not executable; chmod \+x/);
    const noInterpreter = join(dir, 'hipcc-no-interpreter');
    writeFileSync(noInterpreter, '#!/nonexistent/perl\n');
    chmodSync(noInterpreter, 0o755);
    oneLine([noInterpreter], 13, /^hip-clang-launcher: error: hipcc --version could not be started: \S+ or the interpreter on its #! line does not exist/);
    const hangEnded = join(dir, 'hang-ended');
    oneLine([script('hipcc-hangs', `sleep 600\ntouch ${hangEnded}`), '--timeout', '2'], 13, /^hip-clang-launcher: error: hipcc --version did not finish within 2 s and was stopped; run it by hand [^\n]*raise --timeout <seconds>/);
    expect(existsSync(hangEnded)).toBe(false);
    oneLine([script('hipcc-killed', 'kill -9 $$')], 13, /^hip-clang-launcher: error: hipcc --version was killed by SIGKILL; /);
    oneLine([script('hipcc-ok', 'exit 0'), '--timeout', '0'], 2, /^hip-clang-launcher: error: --timeout must be a positive number of seconds/);
  });
});

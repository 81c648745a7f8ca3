import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labRoot, requireLab, runInLab, runInLabAsync } from '../helpers/lab.js';
import { startRedis } from '../helpers/redis.js';
import { cleanEnv, run } from '../helpers/run-built.js';
import { freePort } from '../helpers/ports.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, hipEnv, repoRoot, tools } from '../helpers/tools.js';
import { buildHipcc } from '../patch/hipcc-builds.js';
import { HIPCC_NAMES, LLVM15, hcl, makeTree, type Tree } from '../shim/trees.js';

// `doctor` on the built executable, against real broken setups: each test
// breaks one thing, checks the finding fails (or warns) with its fix, applies
// that fix, and checks the finding passes. Every setup is private (its own
// cache dirs, sccache port, state dir); no run probes a hipcc unless the test
// is about one (PATH holds only the test's own directories).

interface Finding {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  found: string;
  fix: string | null;
}

interface DoctorRun {
  status: number | null;
  findings: Finding[];
  stderr: string;
}

// Made at collection time: makeTempDir's clean-up hook must be registered at the file's top level.
const dir = makeTempDir('hcl-doctor-');
const emptyBin = join(dir, 'empty-bin');

const doctorEnv = (env: Record<string, string | undefined>) => cleanEnv({ NODE_OPTIONS: undefined, HIP_PLATFORM: 'amd', PATH: emptyBin, ...env });
const doctorRun = (status: number | null, stdout: Buffer, stderr: string): DoctorRun => {
  const text = stdout.toString();
  return { status, findings: text ? (JSON.parse(text) as { findings: Finding[] }).findings : [], stderr };
};

function doctor(args: string[], env: Record<string, string | undefined>, cwd?: string): DoctorRun {
  const r = run(built.linux, ['doctor', ...args, '--json'], { env: doctorEnv(env), cwd });
  return doctorRun(r.status, r.stdout, r.stderr);
}

// The one finding of `check` (whose text matches `about`, where several share a check).
function the(r: DoctorRun, check: string, about?: RegExp): Finding {
  const found = r.findings.filter((f) => f.check === check && (!about || about.test(f.found)));
  expect(found, `${check} ${about ?? ''} in ${JSON.stringify(r.findings, null, 1)}`).toHaveLength(1);
  return found[0]!;
}

// Private storage and server for both caches, so no test meets another's or the user's.
async function privateCaches(name: string): Promise<Record<string, string>> {
  return {
    CCACHE_DIR: join(dir, name, 'ccache'),
    SCCACHE_DIR: join(dir, name, 'sccache'),
    SCCACHE_SERVER_PORT: String(await freePort()),
    SCCACHE_IDLE_TIMEOUT: '60',
    HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'),
  };
}

function binWith(name: string, files: Record<string, string>): string {
  const bin = join(dir, name);
  fs.mkdirSync(bin, { recursive: true });
  for (const [file, target] of Object.entries(files)) fs.symlinkSync(target, join(bin, file));
  return bin;
}

// Debian 12's sccache 0.4 alone in a directory, to put on PATH.
let debianSccache: string;

// sccache's port held by a TCP listener that hangs up at once, or by one that
// never answers (sccache's client then waits: doctor's own 10 s deadline stops
// it). Their broken runs start before the first test and are awaited by the
// held-port test, so that deadline runs out while the tests before it run.
const HELD_PORT = [
  { listener: 'hangs up', onConnect: 'c=>c.destroy()', said: /exited with 2: sccache: error: failed to get stats from server/ },
  { listener: 'never answers', onConnect: 'c=>{}', said: /--show-stats --stats-format json did not finish within 10 s and was stopped/ },
];
const heldPortRuns = new Map<string, Promise<{ held: string; env: Record<string, string>; broken: DoctorRun }>>();

// One shell starts the listener, waits for the port it prints, and runs doctor
// against it: nothing waits on this worker, whose tests block it meanwhile.
function heldPortRun(n: number, onConnect: string): Promise<{ held: string; env: Record<string, string>; broken: DoctorRun }> {
  const out = join(dir, `port-${n}`);
  fs.mkdirSync(out, { recursive: true });
  const env = {
    CCACHE_DIR: join(out, 'ccache'),
    SCCACHE_DIR: join(out, 'sccache'),
    SCCACHE_IDLE_TIMEOUT: '60',
    HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'),
    HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip,
  };
  const listen = `const s=require("net").createServer(${onConnect});s.listen(0,"127.0.0.1",()=>console.log(s.address().port))`;
  const script = [
    '"$NODE" -e "$LISTEN" > port & echo $! > listener.pid',
    'until [ -s port ]; do sleep 0.05; done',
    'read -r held < port',
    'PATH=$DOCTOR_PATH SCCACHE_SERVER_PORT=$held "$@" > stdout 2> stderr; echo $? > status',
  ].join('\n');
  const shellEnv = { ...doctorEnv(env), PATH: '/usr/bin:/bin', DOCTOR_PATH: emptyBin, NODE: process.execPath, LISTEN: listen };
  const child = spawn('/bin/bash', ['-c', script, 'bash', built.linux, 'doctor', '--json'], { cwd: out, env: shellEnv, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => {
      // A shell that ended before writing them rejects here, reported by the test that awaits it.
      try {
        const read = (name: string) => fs.readFileSync(join(out, name), 'utf8');
        const broken = doctorRun(Number(read('status')), Buffer.from(read('stdout')), read('stderr'));
        resolve({ held: read('port').trim(), env, broken });
      } catch (error) {
        reject(error);
      }
    });
  });
}

beforeAll(() => {
  fs.mkdirSync(emptyBin);
  debianSccache = binWith('debian-sccache', { sccache: tools.sccacheDebian });
  HELD_PORT.forEach(({ listener, onConnect }, n) => {
    const started = heldPortRun(n, onConnect);
    started.catch(() => undefined); // awaited (and reported) by its test
    heldPortRuns.set(listener, started);
  });
});

// The listeners end with the file (their pids as the shells wrote them).
afterAll(() => {
  HELD_PORT.forEach((_, n) => {
    try {
      process.kill(Number(fs.readFileSync(join(dir, `port-${n}`, 'listener.pid'), 'utf8')));
    } catch {
      // Not started, or gone.
    }
  });
});

describe('hip-clang-launcher doctor', () => {
  it('a healthy setup (patched hipcc 7.0.2 with HIP_CLANG_LAUNCHER set): every line ok, exit 0; plain text one line per finding', async () => {
    const hipcc = buildHipcc('patched');
    const env: Record<string, string> = { ...hipEnv(), ...(await privateCaches('healthy')), HIP_CLANG_LAUNCHER: built.linux };
    const r = doctor([hipcc], env);
    expect(r.status, JSON.stringify(r.findings, null, 1)).toBe(0);
    expect(r.findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(the(r, 'hipcc').found).toContain(`honours HIP_CLANG_LAUNCHER (route: launcher; it runs ${LLVM15}/bin/clang++)`);
    expect(the(r, 'cache', /^HIP/).found).toMatch(/^HIP compiles: \/usr\/bin\/ccache \(ccache [\d.]+, caches HIP\)/);
    expect(the(r, 'cache-start', /^ccache/).found).toContain(`its cache_dir ${env.CCACHE_DIR} is writable`);
    expect(the(r, 'cache-start', /^sccache/).found).toContain(`its server starts on port ${env.SCCACHE_SERVER_PORT}, storage Local disk: "${env.SCCACHE_DIR}"`);
    // The split is on by default: its rule decides too (this call is split per arch on a miss).
    expect(the(r, 'rules', /-fgpu-rdc/).found).toMatch(/: to \/usr\/bin\/ccache, adding -cuid=[0-9a-f]{16}; rules: cuid, split$/);
    expect(the(r, 'rules', /--offload-compress/).found).toContain('compiled directly, uncached but correct');

    const text = run(built.linux, ['doctor', hipcc], { env: cleanEnv({ ...env, PATH: emptyBin }) });
    expect(text.status).toBe(0);
    const lines = text.stdout.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(r.findings.length);
    for (const line of lines) expect(line).toMatch(/^ok {4}[a-z-]+ +\S/);
  });

  it('hipcc honours HIP_CLANG_LAUNCHER but the variable is unset, or hipcc cannot find its clang: fail, and each fix passes', async () => {
    const hipcc = buildHipcc('patched');
    const caches = await privateCaches('hipcc7');
    const unset = doctor([hipcc], { ...hipEnv(), ...caches });
    expect(unset.status).toBe(1);
    const f = the(unset, 'hipcc');
    expect(f.status).toBe('fail');
    expect(f.found).toContain('but HIP_CLANG_LAUNCHER is unset: its clang calls are not cached');
    expect(f.fix).toBe(`export HIP_CLANG_LAUNCHER=${built.linux}`);

    const noClang = doctor([hipcc], { ...hipEnv(), HIP_CLANG_PATH: undefined, HIP_CLANG_LAUNCHER: built.linux, ...caches });
    expect(the(noClang, 'hipcc')).toMatchObject({ status: 'fail', fix: 'export HIP_CLANG_PATH=<the directory holding clang++>' });
    expect(the(noClang, 'hipcc').found).toMatch(/ cannot find its clang here: it looked for \/\S+\/clang\+\+$/);

    const fixed = doctor([hipcc], { ...hipEnv(), HIP_CLANG_LAUNCHER: built.linux, ...caches });
    expect(the(fixed, 'hipcc').status).toBe('ok');
  });

  it('Debian 12\'s sccache 0.4 chosen for HIP: fail; the HIP sccache first on PATH passes', async () => {
    const caches = await privateCaches('sccache04');
    const debian = debianSccache;
    const broken = doctor([], { ...caches, PATH: debian, HIP_CLANG_LAUNCHER_CACHE: 'sccache' });
    expect(broken.status).toBe(1);
    const f = the(broken, 'cache', /^HIP/);
    expect(f.status).toBe('fail');
    expect(f.found).toContain(`${debian}/sccache (sccache 0.4.0, cannot cache HIP)`);
    expect(f.fix).toBe('put sccache 0.8+ first on PATH, or set HIP_CLANG_LAUNCHER_CACHE=ccache (or auto)');
    expect(the(broken, 'rules', /-fgpu-rdc/).status).toBe('fail');

    const hipSccache = join(tools.sccacheHip, '..');
    const fixed = doctor([], { ...caches, PATH: `${hipSccache}:${debian}`, HIP_CLANG_LAUNCHER_CACHE: 'sccache' });
    expect(the(fixed, 'cache', /^HIP/)).toMatchObject({ status: 'ok' });
    expect(the(fixed, 'cache', /^HIP/).found).toContain(`${tools.sccacheHip} (sccache 0.10.0, caches HIP)`);
    expect(the(fixed, 'cache-start').status).toBe('ok');
    expect(the(fixed, 'rules', /-fgpu-rdc/).status).toBe('ok');
  });

  it("Debian's sccache 0.4 for C/C++ and the HIP sccache for HIP share one server port: fail; the HIP sccache first on PATH passes", async () => {
    const caches = await privateCaches('two-sccaches');
    const debian = debianSccache;
    const hipSccache = join(tools.sccacheHip, '..');
    const broken = doctor([], { ...caches, PATH: `${debian}:${hipSccache}` });
    expect(broken.status).toBe(1);
    const f = the(broken, 'cache', /two sccache programs/);
    expect(f).toMatchObject({ status: 'fail', fix: `put ${hipSccache} before ${debian} on PATH, so that every compile uses ${tools.sccacheHip}` });
    expect(f.found).toContain(`(${tools.sccacheHip}, ${debian}/sccache) that share one server port`);
    const fixed = doctor([], { ...caches, PATH: `${hipSccache}:${debian}` });
    expect(fixed.findings.filter((x) => x.check === 'cache' && x.status !== 'ok')).toEqual([]);
    expect(fixed.status).toBe(0);
  });

  it('HIP_PLATFORM unset with an nvcc on PATH, hipcc 7.0.2 in play without its clang: fail (hipcc picks NVIDIA); HIP_PLATFORM=amd passes', async () => {
    const cuda = join(dir, 'cuda-bin');
    fs.mkdirSync(cuda);
    fs.writeFileSync(join(cuda, 'nvcc'), '#!/bin/sh\necho "nvcc: NVIDIA (R) Cuda compiler driver"\n', { mode: 0o755 });
    const hipcc = buildHipcc('patched');
    // hipcc 7 picks NVIDIA where it cannot run its clang++ (no HIP_CLANG_PATH here) and an nvcc runs.
    const env = { ...hipEnv(), ...(await privateCaches('nvcc')), PATH: cuda, HIP_CLANG_LAUNCHER: built.linux, HIP_CLANG_PATH: undefined };
    const broken = doctor([hipcc], { ...env, HIP_PLATFORM: undefined });
    expect(broken.status).toBe(1);
    expect(the(broken, 'hip-platform')).toEqual({
      check: 'hip-platform',
      status: 'fail',
      found: `HIP_PLATFORM is unset and nvcc is on PATH (${cuda}/nvcc): hipcc 5.x then picks NVIDIA, and hipcc 6+ does whenever it cannot run its clang++; NVIDIA's route never runs clang`,
      fix: 'export HIP_PLATFORM=amd',
    });
    // The probe saw hipcc run nvcc, and says so rather than guess at a route.
    expect(the(broken, 'hipcc').found).toMatch(/ cannot find its clang here: it picked NVIDIA's \/\S+\/nvcc \(HIP_PLATFORM unset, no clang at \/\S+\/clang\+\+\)$/);
    const fixed = doctor([hipcc], { ...env, HIP_PLATFORM: 'amd' });
    expect(the(fixed, 'hip-platform').status).toBe('ok');
    // Told AMD, hipcc now reaches the launcher and the next finding names what it lacks.
    expect(the(fixed, 'hipcc')).toMatchObject({ status: 'fail', fix: 'export HIP_CLANG_PATH=<the directory holding clang++>' });
    // With no hipcc in play the trap is only a warning: a build that brings its own hipcc meets it.
    expect(the(doctor([], { ...env, HIP_PLATFORM: undefined }), 'hip-platform').status).toBe('warn');
  });

  it("an empty SCCACHE_DIR with sccache chosen: fail (its cache lands in \"\"); unset, it passes", async () => {
    const caches = await privateCaches('empty-var');
    const env = { ...caches, HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip };
    const broken = doctor([], { ...env, SCCACHE_DIR: '' });
    expect(broken.status).toBe(1);
    expect(the(broken, 'sccache-env')).toMatchObject({ status: 'fail', fix: 'unset SCCACHE_DIR' });
    expect(the(broken, 'cache-start')).toMatchObject({ status: 'fail' });
    expect(the(broken, 'cache-start').found).toContain('its cache directory is "" (an empty SCCACHE_DIR)');
    const fixed = doctor([], { ...env, SCCACHE_DIR: undefined, HOME: join(dir, 'empty-var') });
    expect(the(fixed, 'sccache-env').status).toBe('ok');
    expect(the(fixed, 'cache-start').status).toBe('ok');
  });

  it('cache storage that cannot be written (sccache and ccache), and a disabled ccache: fail; each fix passes', async () => {
    const caches = await privateCaches('storage');
    const notDir = join(dir, 'storage', 'a-file');
    fs.mkdirSync(join(dir, 'storage'), { recursive: true });
    fs.writeFileSync(notDir, '');
    const sccache = { ...caches, HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip };
    const brokenS = doctor([], { ...sccache, SCCACHE_DIR: join(notDir, 'sccache') });
    expect(the(brokenS, 'cache-start')).toMatchObject({ status: 'fail', fix: 'point SCCACHE_DIR at a writable directory' });
    expect(the(brokenS, 'cache-start').found).toContain(`is not writable: ${notDir} is not a directory`);
    expect(the(doctor([], sccache), 'cache-start').status).toBe('ok');

    const ccache = { ...caches, HIP_CLANG_LAUNCHER_CACHE: 'ccache' };
    const brokenC = doctor([], { ...ccache, CCACHE_DIR: join(notDir, 'ccache') });
    expect(the(brokenC, 'cache-start')).toMatchObject({ status: 'fail', fix: 'point CCACHE_DIR (or cache_dir) at a writable directory' });
    const disabled = doctor([], { ...ccache, CCACHE_DISABLE: '1' });
    expect(the(disabled, 'cache-start')).toMatchObject({ status: 'fail', found: 'ccache is disabled (disable = true, from environment)', fix: 'unset CCACHE_DISABLE' });
    const fixed = doctor([], ccache);
    expect(the(fixed, 'cache-start').status).toBe('ok');
    expect(fixed.status).toBe(0);
  });

  it('a relative PATH entry holding a cache: warn (the launcher never uses it); its absolute path passes', async () => {
    const caches = await privateCaches('relative');
    const work = join(dir, 'relative');
    binWith('relative/tools', { ccache: tools.ccache });
    const broken = doctor([], { ...caches, PATH: `tools:${emptyBin}`, NODE_OPTIONS: '--max-old-space-size=64' }, work);
    const f = the(broken, 'path');
    expect(f.status).toBe('warn');
    expect(f.found).toContain(`does not use ccache in 'tools' (${work}/tools/ccache)`);
    expect(f.fix).toBe('put the absolute directory in PATH instead of the relative one');
    // NODE_OPTIONS is noted, and said to be harmless to the single executable.
    expect(the(broken, 'node-options')).toMatchObject({ status: 'ok', found: 'NODE_OPTIONS=--max-old-space-size=64 is set: harmless to this executable (its Node takes no NODE_OPTIONS); compilers still receive it unchanged' });
    expect(the(doctor([], { ...caches, PATH: `${work}/tools:${emptyBin}` }, work), 'path').status).toBe('ok');
  });

  it('SCCACHE_BASEDIRS set beside sccache: warn (a hit from another checkout can carry its paths); HIP_CLANG_LAUNCHER_BASEDIR alone passes and says what it does; a relative one fails', async () => {
    const caches = await privateCaches('base-dir');
    const env = { ...caches, HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, HIP_CLANG_LAUNCHER_BASEDIR: '/builds' };
    expect(the(doctor([], { ...env, SCCACHE_BASEDIRS: '/builds' }), 'base-dir')).toMatchObject({ status: 'warn', fix: 'unset SCCACHE_BASEDIRS; HIP_CLANG_LAUNCHER_BASEDIR is enough' });
    const fixed = the(doctor([], env), 'base-dir');
    expect(fixed.status).toBe('ok');
    expect(fixed.found).toContain("HIP_CLANG_LAUNCHER_BASEDIR: paths under it handed to sccache relative to the working directory, as ccache's base_dir (not SCCACHE_BASEDIRS)");
    expect(fixed.found).toContain('(set to /builds); through sccache, -fgpu-rdc compiles keep their absolute paths');
    expect(the(doctor([], { ...env, HIP_CLANG_LAUNCHER_CACHE: 'ccache' }), 'base-dir').found).toBe('HIP_CLANG_LAUNCHER_BASEDIR -> CCACHE_BASEDIR (one directory) (set to /builds)');
    expect(the(doctor([], { ...env, HIP_CLANG_LAUNCHER_BASEDIR: 'builds' }), 'base-dir')).toMatchObject({ status: 'fail', fix: 'give absolute directories, separated by :' });
  });

  describe("Debian's perl hipcc and the shim in a ROCm-like tree", () => {
    let tree: Tree;
    let env: Record<string, string>;
    beforeAll(async () => {
      tree = makeTree(dir, 'real-files', true);
      env = { ...hipEnv(tree.bin), ...(await privateCaches('perl')) };
    });

    it('perl hipcc ignores HIP_CLANG_LAUNCHER and its clang has no shim: fail, the route is the shim; install passes', () => {
      const broken = doctor([tools.hipccPerl], env);
      expect(broken.status).toBe(1);
      const f = the(broken, 'hipcc');
      expect(f.status).toBe('fail');
      expect(f.found).toBe(`hipcc ${tools.hipccPerl} ignores HIP_CLANG_LAUNCHER (route: shim), and its clang dir ${tree.bin} has no shim: its compiles are not cached`);
      expect(f.fix).toMatch(new RegExp(`^hip-clang-launcher install ${tree.bin.replace(/[+.]/g, '\\$&')} `));

      const install = hcl(['install', tree.bin, '--names', HIPCC_NAMES]);
      expect(install.status, install.stderr).toBe(0);
      const fixed = doctor([tools.hipccPerl], env);
      expect(the(fixed, 'hipcc')).toMatchObject({ status: 'ok', found: `hipcc ${tools.hipccPerl} ignores HIP_CLANG_LAUNCHER (route: shim); its clang in ${tree.bin} is the shim, so its compiles are cached through it` });
      expect(the(fixed, 'shim')).toMatchObject({ status: 'ok' });
      expect(fixed.status, JSON.stringify(fixed.findings, null, 1)).toBe(0);
    });

    it('an upgrade replaced a wrapped compiler (drift): fail with `install` as the fix; running it passes', () => {
      const newer = join(tree.bin, 'clang++.dpkg-new');
      fs.copyFileSync(join(LLVM15, 'bin/clang'), newer);
      fs.renameSync(newer, join(tree.bin, 'clang++'));
      const broken = doctor([tree.root], env);
      expect(broken.status).toBe(1);
      const f = the(broken, 'shim');
      expect(f.status).toBe('fail');
      expect(f.found).toContain('the shim has drifted: clang++ was replaced since install');
      expect(f.fix).toBe(`hip-clang-launcher install ${tree.root} (it repairs the drift)`);

      const repair = hcl(['install', tree.root]);
      expect(repair.status, repair.stderr).toBe(0);
      expect(the(doctor([tree.root], env), 'shim').status).toBe('ok');
    });
  });

  describe('in the sid lab (hipcc 7.0.2, clang-21, ccache 4.14, sccache 0.17)', () => {
    // The lab's llvm bin dir, hard-linked on the host (same file system) and
    // bound over the original inside, so the shim goes into a copy, never the lab.
    let work: string;
    let copy: string;
    const bin = '/usr/lib/llvm-21/bin';
    const inLab = (argv: string[], env: Record<string, string>) =>
      runInLab(argv, { binds: [{ host: join(repoRoot, 'dist/linux-x64'), readOnly: true }, work, { host: copy, inside: bin }], cwd: work, env });
    const labDoctor = (env: Record<string, string>): DoctorRun => {
      const r = inLab([built.linux, 'doctor', '--json'], env);
      const text = r.stdout.toString();
      return { status: r.status, findings: text ? (JSON.parse(text) as { findings: Finding[] }).findings : [], stderr: r.stderr };
    };
    beforeAll(() => {
      requireLab();
      work = join(dir, 'lab');
      fs.mkdirSync(work);
      copy = join(dir, 'lab-llvm-bin');
      execFileSync('cp', ['-al', join(labRoot, bin), copy]);
    });

    it("Debian's hipcc without the shim: fail naming clang-21's dir; `install` there passes; ccache 4.14 caches --offload-compress", async () => {
      const env = { HIP_CLANG_LAUNCHER_CACHE: 'ccache', CCACHE_DIR: join(work, 'ccache'), SCCACHE_SERVER_PORT: String(await freePort()) };
      const broken = labDoctor(env);
      expect(broken.status, broken.stderr).toBe(1);
      const f = the(broken, 'hipcc');
      expect(f.status).toBe('fail');
      expect(f.found).toBe(`hipcc /usr/bin/hipcc ignores HIP_CLANG_LAUNCHER (route: shim), and its clang dir ${bin} has no shim: its compiles are not cached`);
      expect(f.fix).toMatch(new RegExp(`^hip-clang-launcher install ${bin.replace(/[+.]/g, '\\$&')} `));
      // Unlike Debian 12's ccache 4.7.5, 4.14 keys --offload-compress right: no rule routes it around the cache.
      // The split rule decides too (on by default): not split, --offload-compress.
      expect(the(broken, 'rules', /--offload-compress/).found).toMatch(/: to \/usr\/bin\/ccache, adding -cuid=[0-9a-f]{16}; rules: cuid, split$/);

      const install = inLab([built.linux, 'install', bin], env);
      expect(install.status, install.stderr).toBe(0);
      const fixed = labDoctor(env);
      expect(fixed.status, JSON.stringify(fixed.findings, null, 1)).toBe(0);
      expect(the(fixed, 'hipcc').found).toBe(`hipcc /usr/bin/hipcc ignores HIP_CLANG_LAUNCHER (route: shim); its clang in ${bin} is the shim, so its compiles are cached through it`);
      expect(fixed.findings.filter((x) => x.status !== 'ok')).toEqual([]);
    });

    // sccache 0.17 checks its storage before it listens and gives up after
    // its start limit (10 s by default; 2 s here, from its own config's
    // server_startup_timeout_ms, so the test does not wait 10 s); a Redis that
    // answers only after that (paused until the first start has given up, as
    // under load) fails the first start. doctor, as the launcher, tries once
    // more. The pause ends on that event, not after a fixed time, so a busy
    // machine cannot make the first start succeed.
    it('sccache 0.17 whose Redis answers only after the first start gave up: the second start succeeds, ok, saying the first was slow', async () => {
      const redis = await startRedis(work);
      const conf = join(work, 'slow-sccache.conf');
      fs.writeFileSync(conf, 'server_startup_timeout_ms = 2000\n');
      const env = { HIP_CLANG_LAUNCHER_CACHE: 'sccache', SCCACHE_DIR: join(work, 'slow-sccache'), SCCACHE_SERVER_PORT: String(await freePort()), SCCACHE_REDIS_ENDPOINT: redis.url, SCCACHE_CONF: conf };
      void redis.pauseUntilFirstStartEnds(env.SCCACHE_SERVER_PORT);
      const r = await runInLabAsync([built.linux, 'doctor', '--json'], { binds: [{ host: join(repoRoot, 'dist/linux-x64'), readOnly: true }, work], cwd: work, env, timeout: 120_000 });
      const findings = (JSON.parse(r.stdout.toString()) as { findings: Finding[] }).findings;
      const f = the({ status: r.status, findings, stderr: r.stderr }, 'cache-start');
      expect(f.status, f.found).toBe('ok');
      // Try 3 when the first start's late server held the port for a moment as the second began.
      const prefix = `sccache (/usr/bin/sccache): its server starts on port ${env.SCCACHE_SERVER_PORT}, storage redis, name: ${redis.url}, prefix: / (on try `;
      expect([2, 3].map((n) => `${prefix}${n}: the first start took longer than sccache's own start limit, server_startup_timeout_ms, 10 s by default)`)).toContain(f.found);
      redis.stop();
    }, 180_000);
  });

  it('usage errors exit 2 in one line, changing nothing', () => {
    const missing = run(built.linux, ['doctor', join(dir, 'nowhere')], { env: cleanEnv() });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`hip-clang-launcher: error: ${join(dir, 'nowhere')} does not exist; give a hipcc, a ROCm root or an llvm bin directory\n`);
    const notTree = run(built.linux, ['doctor', emptyBin], { env: cleanEnv() });
    expect(notTree.status).toBe(2);
    expect(notTree.stderr).toMatch(/^hip-clang-launcher: error: \S+ holds neither a hipcc \(bin\/hipcc\) nor an llvm bin directory[^\n]*\n$/);
  });

  // The broken runs started in beforeAll (HELD_PORT); each fix runs here, last, so
  // that their wait (doctor's 10 s deadline) has passed while the tests above ran.
  it.each(HELD_PORT)("sccache's server cannot start (its port held by a TCP listener that $listener): fail with sccache's own message; a free port passes", async ({ listener, said }) => {
    const { held, env: brokenEnv, broken } = await heldPortRuns.get(listener)!;
    const env = { ...brokenEnv, SCCACHE_SERVER_PORT: String(await freePort()) };
    expect(broken.status).toBe(1);
    const f = the(broken, 'cache-start');
    expect(f.status).toBe('fail');
    expect(f.found).toContain(`--start-server exited with 2: sccache: error: Server startup failed: Address in use, and what holds port ${held} does not answer this sccache`);
    expect(f.found).toMatch(said);
    expect(f.fix).toBe(`set SCCACHE_SERVER_PORT to a free port, or stop the program listening on ${held}`);
    const fixed = doctor([], env);
    expect(the(fixed, 'cache-start').status).toBe('ok');
    expect(fixed.status).toBe(0);
  });
});

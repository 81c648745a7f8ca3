// V8's code cache for the hot path's bundle, taken after it has run real
// calls, for the Linux executable (src/sea-entry.ts, scripts/build.mjs):
//   node scripts/code-cache.mjs <wrapped source> <output cache>
// and, with --admin-cli, for the admin CLI's bundle (src/load-admin-cli.ts),
// taken after its top level and `--version`, which build the parser every
// command builds: what a command runs after that depends on the machine and
// its trees. (The same bytes in parallel runs under load, as the hot path's.)
// Node's own SEA code cache is made before anything runs, so it holds only
// the top level; every function a compile runs was still compiled on each
// call. Here the bundle runs warm-up calls, each in a child process of this
// same Node, chained: each starts from the cache the last one wrote, and at
// the moment it would exec the compiler (or the cache) it writes the cache
// V8 now holds, with every function used so far. So the order of the steps
// matters only for which functions are in the cache, never for correctness.
//
// Reproducible: the calls run in a private directory with a fixed
// environment (PATH holds only that directory's stand-in programs, so no
// machine's own caches change the path a call takes); V8's hash seed is
// fixed with --random-seed (it otherwise lays the cache out differently each
// time), and --predictable keeps V8's own threads and timers out of it (under
// load, 4 of 8 parallel runs gave another cache without it; 20 of 20 the
// same with it). Neither flag is in the flag hash V8 checks a cache against.
// The stand-ins never run a compile: the exec is where a step ends.
//
// The steps take the paths users run, with what every call but the first
// finds in the state file (versions, digests, the sccache server's state):
// HIP through ccache and through sccache, auto mode with both caches
// installed (an sccache 0.4, which cannot cache HIP, passed over), all as
// hipcc 7 runs clang (the device libraries by flag), through the launcher
// and through the shim.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';

const SEED = ['--random-seed=1', '--predictable'];

if (process.argv[2] === '--step') runStep(process.argv.slice(3));
else if (process.argv[2] === '--admin-cli') generateAdmin(process.argv[3], process.argv[4]);
else generate(process.argv[2], process.argv[3]);

// One step in a child process of this same Node, its V8 seeded: the step
// writes the cache it ends with to `out`.
function spawnStep(what, source, previous, out, execPath, argv, options) {
  const self = new URL(import.meta.url).pathname;
  const r = spawnSync(process.execPath, [...SEED, self, '--step', source, previous, out, execPath, ...argv], { ...options, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(out)) {
    throw new Error(`code cache: the warm-up step "${what}" did not reach its exec (exit ${r.status}): ${r.stderr.trim()}`);
  }
}

function generateAdmin(sourceArg, outputArg) {
  if (!sourceArg || !outputArg) throw new Error('usage: node scripts/code-cache.mjs --admin-cli <wrapped source> <output cache>');
  const dir = mkdtempSync(join(tmpdir(), 'hcl-code-cache-'));
  try {
    // Nothing of the machine's reaches the command: an empty directory, an empty PATH.
    spawnStep('the admin CLI\'s --version', resolve(sourceArg), '-', resolve(outputArg), 'admin', ['--version'], { cwd: dir, env: { PATH: '', HOME: dir, LANG: 'C' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function generate(sourceArg, outputArg) {
  if (!sourceArg || !outputArg) throw new Error('usage: node scripts/code-cache.mjs <wrapped source> <output cache>');
  const [source, output] = [resolve(sourceArg), resolve(outputArg)];
  const dir = mkdtempSync(join(tmpdir(), 'hcl-code-cache-'));
  try {
    const bin = join(dir, 'bin');
    const work = join(dir, 'work');
    mkdirSync(bin);
    mkdirSync(work);
    const program = (name, text) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${text}\n`);
      chmodSync(join(bin, name), 0o755);
      return join(bin, name);
    };
    const cc = program('cc', 'exit 0');
    program('clang++', 'echo "clang version 21.1.8"');
    program('ccache', 'echo "ccache version 4.14.2"');
    // Debian 12's sccache (auto mode passes over it for HIP), and a HIP-capable one elsewhere.
    program('sccache', 'echo "sccache 0.4.0-pre.6"');
    const sccacheDir = join(dir, 'sccache-bin');
    mkdirSync(sccacheDir);
    writeFileSync(join(sccacheDir, 'sccache'), '#!/bin/sh\necho "sccache 0.10.0"\n');
    chmodSync(join(sccacheDir, 'sccache'), 0o755);
    const sccache = join(sccacheDir, 'sccache');
    // A clang library beside the compiler and a device library, so both digests run (from the state file after the first).
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'libclang-cpp.so.21'), '');
    mkdirSync(join(dir, 'bitcode'));
    writeFileSync(join(dir, 'bitcode', 'ocml.bc'), 'BC');
    writeFileSync(join(work, 'x.c'), 'int x;\n');
    writeFileSync(join(work, 'x.cpp'), 'int x;\n');
    writeFileSync(join(work, 'k.hip'), '__global__ void k() {}\n');
    // Auto mode passes over the old sccache and takes the HIP-capable one, so it never reaches the machine's own (in /usr/bin, say).
    const env = { PATH: `${bin}:${sccacheDir}`, HOME: join(dir, 'home'), XDG_CACHE_HOME: join(dir, 'xdg'), HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), LANG: 'C' };
    // A shim installed in place of clang++, as `install` leaves it (the digests are not read on a call).
    const shimBin = join(dir, 'llvm', 'bin');
    mkdirSync(shimBin, { recursive: true });
    writeFileSync(join(shimBin, 'hip-clang-launcher'), '');
    chmodSync(join(shimBin, 'hip-clang-launcher'), 0o755);
    symlinkSync('hip-clang-launcher', join(shimBin, 'clang++'));
    writeFileSync(join(shimBin, 'clang++-real'), '#!/bin/sh\necho "clang version 21.1.8"\n');
    chmodSync(join(shimBin, 'clang++-real'), 0o755);
    const digest = '0'.repeat(64);
    const entry = { name: 'clang++', realName: 'clang++-real', kind: 'file', mode: 0o755, sha256: digest, shimSha256: digest };
    const manifest = { manifestVersion: 1, tool: 'hip-clang-launcher', toolVersion: '0', platform: 'linux', shim: 'hip-clang-launcher', shimSha256: digest, cache: null, installedAt: '2000-01-01T00:00:00.000Z', entries: [entry] };
    writeFileSync(join(shimBin, 'hip-clang-launcher.shim.json'), JSON.stringify(manifest));

    const launcher = join(dir, 'hip-clang-launcher');
    // As hipcc 7 runs clang: the device libraries by flag.
    const hip = ['-x', 'hip', '--offload-arch=gfx90a', '-O2', `--hip-device-lib-path=${join(dir, 'bitcode')}`, '-c', 'k.hip', '-o', 'k.o'];
    const none = { ...env, HIP_CLANG_LAUNCHER_CACHE: 'none' };
    const viaCcache = { ...env, HIP_CLANG_LAUNCHER_CACHE: 'ccache' };
    const viaSccache = { ...env, HIP_CLANG_LAUNCHER_CACHE: sccache };
    const shim = { argv: [join(shimBin, 'clang++'), ...hip], execPath: join(shimBin, 'hip-clang-launcher') };
    // Steps not kept learn what every later call finds in the state file (a
    // cache's version, a digest, the server's state): their code (a probe, a
    // hash, a server start) runs once per change, and left out of the cache
    // it costs nothing to load on every call.
    const steps = [
      { what: 'a C compile, no cache', env: none, argv: [launcher, cc, '-c', 'x.c'] },
      // The stand-in starts no server: this call records the failure, then the state says the server answers.
      { what: 'a HIP compile in auto mode: versions probed, digests made, the server not started', env, argv: [launcher, 'clang++', ...hip], keep: false, after: () => serverAnswers(join(env.XDG_CACHE_HOME, 'hip-clang-launcher')) },
      { what: 'a HIP compile through ccache, its version probed', env: viaCcache, argv: [launcher, 'clang++', ...hip], keep: false },
      { what: 'a HIP compile through the shim, its compiler digested', env, ...shim, keep: false },
      { what: 'a HIP compile in auto mode, both caches installed (the old sccache passed over)', env, argv: [launcher, 'clang++', ...hip] },
      { what: 'a HIP compile through ccache', env: viaCcache, argv: [launcher, 'clang++', ...hip] },
      { what: 'a HIP compile through sccache, its server known to answer', env: viaSccache, argv: [launcher, 'clang++', ...hip] },
      { what: 'a C++ compile through ccache', env: viaCcache, argv: [launcher, 'clang++', '-O2', '-c', 'x.cpp', '-o', 'x.o'] },
      { what: 'a C compile through the shim, no cache', env: none, argv: [join(shimBin, 'clang++'), '-c', 'x.c'], execPath: join(shimBin, 'hip-clang-launcher') },
      { what: 'a HIP compile through the shim, auto mode', env, ...shim },
    ];
    let previous = '-';
    for (const [i, step] of steps.entries()) {
      const out = join(dir, `cache-${i}`);
      spawnStep(step.what, source, previous, out, step.execPath ?? '-', step.argv, { cwd: work, env: step.env });
      step.after?.();
      if (step.keep !== false) previous = out;
    }
    writeFileSync(output, readFileSync(previous));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Rewrites the launcher's sccache server state (sccache-server.ts) to name a
// live process, this one, by pid and start time: what a checked server looks like.
function serverAnswers(stateDir) {
  const files = readdirSync(stateDir).filter((f) => /^sccache-\d+-[0-9a-f]+\.json$/.test(f));
  if (files.length !== 1) throw new Error(`code cache: expected one sccache server state in ${stateDir}, found ${files.length}`);
  const stat = readFileSync('/proc/self/stat', 'latin1');
  const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  writeFileSync(join(stateDir, files[0]), JSON.stringify({ ok: { pid: process.pid, startTime } }), { mode: 0o600 });
}

// One warm-up call: the bundle runs as the executable runs it (argv[1] is
// the invoked name; a shim's executable is where its manifest is), and its
// exec writes the cache instead. The admin CLI's bundle (execPath `admin`)
// runs the command instead, and its exit (or its end) writes the cache.
async function runStep([source, cacheIn, cacheOut, execPath, ...argv]) {
  const admin = execPath === 'admin';
  if (execPath !== '-' && !admin) process.execPath = execPath;
  const cachedData = cacheIn === '-' ? undefined : readFileSync(cacheIn);
  const script = new Script(readFileSync(source, 'utf8'), { filename: 'hip-clang-launcher', cachedData });
  if (script.cachedDataRejected) throw new Error(`code cache: V8 rejected the cache from the previous step (${cacheIn})`);
  const exit = process.exit;
  const done = () => {
    writeFileSync(cacheOut, script.createCachedData());
    exit(0);
  };
  if (admin) process.exit = done;
  else process.execve = done;
  process.argv = [process.execPath, ...(admin ? ['hip-clang-launcher'] : []), ...argv];
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(import.meta.url), module, source, join(source, '..'));
  if (admin) {
    await module.exports.runAdminCli(argv);
    done();
  }
}

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, symlinkSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ccacheStats, freePort } from '../caches.mjs';
import { cleanEnv } from '../environment.mjs';
import { writeMakeProject } from '../hip-source.mjs';
import { launcherPath, repoRoot, requireFile } from '../prerequisites.mjs';
import { summarize } from '../stats.mjs';
import { roundRobin, timeOnce } from '../timing.mjs';

const JOBS = 2;
const LLVM = '/usr/lib/llvm-15';
const DEVICE_LIBS = '/usr/lib/x86_64-linux-gnu/amdgcn/bitcode';
const SLOW_REDIS_MS = 200;

// 5. Hit rates where CI loses them: another checkout, a re-extracted ROCm, a
// device-library change, a second machine on a shared Redis, and what a Redis
// outage costs. Each case primes its caches (untimed), then times one build
// and counts its hits in ccache's statistics. The compiles are CMake's HIP
// language shape: clang++ -x hip through the launcher, -MD, make -j2.
export const ciHits = {
  id: 'ci-hits',
  title: 'Hit rates in CI: another checkout, a re-extracted ROCm, a shared Redis (ccache, make -j2)',
  unit: 's',
  reference: 'uncached',
  columns: { hits: 'hits' },
  runs: { full: 3, quick: 1 },
  warmup: { full: 0, quick: 0 },
  async prepare(ctx) {
    const units = ctx.quick ? 1 : 8;
    const dir = join(ctx.work, 'ci-hits');
    const base = join(dir, 'runners');
    const checkoutA = join(base, 'runner-1', 'proj');
    const checkoutB = join(base, 'runner-22', 'work', 'proj');
    const recipe = '$(LAUNCHER) $(CXX) -x hip --offload-arch=gfx90a --rocm-path=/usr --rocm-device-lib-path=$(DEVLIB) -O3 -MD -MF $@.d -c $(CURDIR)/$< -o $@';
    for (const checkout of [checkoutA, checkoutB]) writeMakeProject(checkout, units, recipe);
    const pristine = join(dir, 'pristine-rocm');
    makeCompilerTree(pristine);
    const rocm = join(dir, 'rocm');
    reextract(pristine, rocm);
    const redis = await startRedis(dir);
    const slow = await startSlowProxy(redis.port, SLOW_REDIS_MS);
    const closedPort = await freePort();

    const launcher = launcherPath();
    const common = { ...cleanEnv(), HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state') };
    let fresh = 0;
    const newCache = () => join(dir, 'caches', String(++fresh));
    const make = (checkout, env) => ({
      file: 'make',
      args: [`-j${JOBS}`, '-s', `LAUNCHER=${launcher}`, `CXX=${join(rocm, 'llvm', 'bin', 'clang++')}`, `DEVLIB=${join(rocm, 'amdgcn', 'bitcode')}`],
      env,
      cwd: checkout,
    });
    const clean = (checkout) => rmSync(join(checkout, 'obj'), { recursive: true, force: true });
    const build = (checkout, env) => {
      clean(checkout);
      timeOnce(make(checkout, env));
    };
    // A case: `prime` fills its caches (untimed) and returns the env of the measured build in `checkout`.
    const scenario = (id, label, expected, checkout, prime) => ({
      id,
      label,
      expected,
      command: () => {
        const command = make(checkout, {});
        command.before = () => {
          command.env = prime();
          clean(checkout);
        };
        command.counts = () => (command.env.CCACHE_DIR ? ccacheStats(command.env) : { hits: 0, misses: 0 });
        return command;
      },
    });
    const ccacheAt = (cacheDir, extra = {}) => ({ ...common, CCACHE_DIR: cacheDir, ...extra });
    const primedIn = (checkout, extra = {}) => () => {
      const env = ccacheAt(newCache(), extra);
      build(checkout, env);
      return env;
    };
    const withBase = { HIP_CLANG_LAUNCHER_BASEDIR: base };

    const cases = [
      scenario('uncached', 'no cache (`HIP_CLANG_LAUNCHER_CACHE=none`)', undefined, checkoutB, () => ({ ...common, HIP_CLANG_LAUNCHER_CACHE: 'none' })),
      scenario('same-checkout', 'the same checkout, rebuilt', 'all', checkoutA, primedIn(checkoutA)),
      scenario('other-checkout-default', 'another checkout, launcher defaults', 'none', checkoutB, primedIn(checkoutA)),
      scenario('other-checkout-basedir', 'another checkout, `HIP_CLANG_LAUNCHER_BASEDIR` above both', 'all', checkoutB, primedIn(checkoutA, withBase)),
      // Each case that changes the tree starts from a fresh extraction: the device-library case of the round before left one byte flipped.
      scenario('reextracted-rocm', 'a re-extracted ROCm (same bytes, new mtimes)', 'all', checkoutA, () => {
        reextract(pristine, rocm);
        const env = primedIn(checkoutA)();
        reextract(pristine, rocm);
        return env;
      }),
      scenario('reextracted-rocm-mtime', 'the same, with ccache\'s own `compiler_check=mtime`', 'none', checkoutA, () => {
        reextract(pristine, rocm);
        const env = primedIn(checkoutA, { CCACHE_COMPILERCHECK: 'mtime' })();
        reextract(pristine, rocm);
        return env;
      }),
      scenario('device-lib-change', 'one device library changed, its mtime put back (must miss)', 'none', checkoutA, () => {
        reextract(pristine, rocm);
        const env = primedIn(checkoutA)();
        flipLastByteKeepingMtime(join(rocm, 'amdgcn', 'bitcode', 'oclc_isa_version_1030.bc'));
        return env;
      }),
      scenario('redis-machine-b', 'machine B after machine A, through Redis (`CCACHE_REMOTE_STORAGE`)', 'all', checkoutB, () => {
        const remote = { ...withBase, CCACHE_REMOTE_STORAGE: redis.url };
        build(checkoutA, ccacheAt(newCache(), remote));
        return ccacheAt(newCache(), remote);
      }),
      scenario('redis-down', 'Redis down, cold cache: time vs uncached', 'none', checkoutB, () => ccacheAt(newCache(), { CCACHE_REMOTE_STORAGE: `redis://127.0.0.1:${closedPort}` })),
      scenario('redis-slow', `Redis answering ${SLOW_REDIS_MS} ms late each way, cold cache: time vs uncached`, 'none', checkoutB, () =>
        ccacheAt(newCache(), { CCACHE_REMOTE_STORAGE: `redis://127.0.0.1:${slow.port}` }),
      ),
    ];
    return {
      notes: [
        `${units} distinct HIP translation units, \`make -j${JOBS}\`, each \`<launcher> clang++ -x hip --offload-arch=gfx90a -MD\` (CMake's HIP language shape); the compiler is a copy of Debian's clang-15 tree with its device libraries, re-extracted (copied again, new mtimes) where a case says.`,
        'Each case first fills new, empty caches with one untimed build, then times one build from clean objects and counts its hits in ccache\'s statistics. Launcher defaults throughout unless a case says otherwise.',
        `Two checkouts at different absolute paths (\`runner-1/proj\`, \`runner-22/work/proj\`). Machine A and machine B: two cache directories and two checkouts on one redis-server (127.0.0.1). Outages: a Redis port nothing listens on; a loopback proxy that holds every chunk ${SLOW_REDIS_MS} ms each way.`,
      ],
      cases,
      verify(ready, outcome) {
        const problems = [];
        for (const c of cases) {
          const got = outcome.get(c.id)?.extra?.hits;
          if (!got || !c.expected) continue;
          const [hits, total] = got.split(' / ').map(Number);
          if (c.expected === 'all' && hits !== total) problems.push([c.id, `expected every compile to hit, got ${got}`]);
          if (c.expected === 'none' && hits !== 0) problems.push([c.id, `expected no hit, got ${got}`]);
        }
        return problems;
      },
      teardown() {
        slow.stop();
        redis.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  measure(cases, plan) {
    return roundRobin(cases, {
      ...plan,
      measureOnce: (command) => {
        const before = command.counts();
        const ms = timeOnce(command);
        const after = command.counts();
        return { ms, hits: after.hits - before.hits, total: after.hits - before.hits + after.misses - before.misses };
      },
      toResult: (samples) => ({
        stats: summarize(samples.map((x) => x.ms / 1000)),
        extra: { hits: samples[0].total ? `${Math.min(...samples.map((x) => x.hits))} / ${samples[0].total}` : '-' },
      }),
    });
  },
};

// A ROCm-like tree of copies: clang, its libclang-cpp, its headers, the device libraries.
function makeCompilerTree(dir) {
  const bin = join(dir, 'llvm', 'bin');
  const lib = join(dir, 'llvm', 'lib');
  const resource = join(lib, 'clang', '15.0.6');
  mkdirSync(bin, { recursive: true });
  mkdirSync(resource, { recursive: true });
  copyFileSync(requireFile(join(LLVM, 'bin', 'clang'), 'run `npm run provision` (clang-15)'), join(bin, 'clang'));
  symlinkSync('clang', join(bin, 'clang++'));
  for (const tool of ['lld', 'ld.lld', 'clang-offload-bundler']) symlinkSync(join(LLVM, 'bin', tool), join(bin, tool));
  copyFileSync(join(LLVM, 'lib', 'libclang-cpp.so.15'), join(lib, 'libclang-cpp.so.15'));
  cpSync(join(LLVM, 'lib', 'clang', '15.0.6', 'include'), join(resource, 'include'), { recursive: true });
  for (const sub of ['lib', 'share']) symlinkSync(join(LLVM, 'lib', 'clang', '15.0.6', sub), join(resource, sub));
  cpSync(requireFile(DEVICE_LIBS, 'run `npm run provision` (rocm-device-libs)'), join(dir, 'amdgcn', 'bitcode'), { recursive: true });
}

let extraction = 0;
function reextract(pristine, rocm) {
  rmSync(rocm, { recursive: true, force: true });
  cpSync(pristine, rocm, { recursive: true, verbatimSymlinks: true });
  const seconds = Math.floor(Date.now() / 1000) - 3600 * ++extraction;
  for (const entry of readdirSync(rocm, { recursive: true, encoding: 'utf8' })) {
    const file = join(rocm, entry);
    if (!lstatSync(file).isSymbolicLink()) utimesSync(file, seconds, seconds);
  }
}

// A bitcode file clang does not link for gfx90a: the objects stay the same, the key must not.
function flipLastByteKeepingMtime(file) {
  const { atime, mtime, size } = statSync(file);
  const fd = openSync(file, 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, size - 1);
  byte[0] ^= 0xff;
  writeSync(fd, byte, 0, 1, size - 1);
  closeSync(fd);
  utimesSync(file, atime, mtime);
}

async function startRedis(dir) {
  const server = requireFile('/usr/bin/redis-server', 'run `npm run provision` (Debian package redis-server)');
  const port = await freePort();
  const data = join(dir, 'redis');
  mkdirSync(data, { recursive: true });
  const child = spawn(server, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', data], { stdio: 'ignore' });
  const ping = () => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG';
  for (let i = 0; i < 100 && !ping(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!ping()) throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
  return { port, url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function startSlowProxy(targetPort, delayMs) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/bench/programs/slow-tcp-proxy.mjs'), String(port), String(targetPort), String(delayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`slow proxy exited (${code})`)));
  });
  child.stdout.destroy();
  return { port, stop: () => child.kill('SIGKILL') };
}

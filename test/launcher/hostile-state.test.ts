import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sccacheEnv, stopSccache } from '../helpers/caches.js';
import { SHARED_MACHINE_CCACHE } from '../helpers/hip-projects.js';
import { freePort } from '../helpers/ports.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// The launcher's own files (memos, the sccache lock and state) live where
// others may write: a shared state directory (mode 1777), or a directory that
// is full, read-only, or holds something planted. None of it may change what
// a compile is keyed by, fail a compile, or stall one without bound.

const NOBODY = 65534;
const source = join(repoRoot, 'test/fixtures/hip/saxpy.hip');

interface LogLine {
  route: string;
  reason: string;
  fallback?: string;
  rules: { rule: string; reason: string }[];
}

function lastLine(log: string): LogLine {
  const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as LogLine;
}

describe('memos someone else could plant (built executable, ccache)', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-hostile-memo-');
  });

  const setup = (name: string) => {
    const work = join(dir, name);
    const state = join(work, 'state');
    mkdirSync(state, { recursive: true });
    // A state directory shared by several users, as /tmp is.
    chmodSync(state, 0o1777);
    const log = join(work, 'log.jsonl');
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_STATE_DIR: state, HIP_CLANG_LAUNCHER_LOG: log, CCACHE_DIR: join(work, 'ccache'), ...SHARED_MACHINE_CCACHE });
    let n = 0;
    const compile = () => {
      const out = join(work, `k${++n}.o`);
      const r = runLauncher([tools.clangxx, '-x', 'hip', '--offload-arch=gfx90a', '--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`, '-c', source, '-o', out, '-cuid=0123456789abcdef'], { env, cwd: work });
      return { ...r, line: r.status === 0 ? lastLine(log) : undefined, object: existsSync(out) ? readFileSync(out) : undefined };
    };
    const memos = () => readdirSync(state).filter((f) => f.endsWith('.json'));
    return { state, compile, memos };
  };
  const digestReason = (line: LogLine | undefined) => line?.rules.find((r) => r.rule === 'toolchain-identity')?.reason ?? '';

  it("another user's memo with the right key and a forged value is ignored", () => {
    const { state, compile, memos } = setup('foreign-owner');
    const first = compile();
    expect(first.status).toBe(0);
    const honest = digestReason(first.line);
    expect(honest).toMatch(/CCACHE_COMPILERCHECK=string:[0-9a-f]{32}-[0-9a-f]{32}/);
    expect(memos().length).toBeGreaterThanOrEqual(3);
    for (const name of memos()) {
      const file = join(state, name);
      const stored = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof stored.value === 'string') stored.value = stored.value.startsWith('ccache') ? 'ccache version 4.99.0\n' : 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0';
      rmSync(file);
      writeFileSync(file, JSON.stringify(stored), { mode: 0o644 });
      chownSync(file, NOBODY, NOBODY);
    }
    const second = compile();
    expect(second.status).toBe(0);
    expect(digestReason(second.line)).toBe(honest);
    expect(second.object!.equals(first.object!)).toBe(true);
  });

  it('a memo planted as a symlink (to a file of ours holding a forged value) is not followed', () => {
    const { state, compile, memos } = setup('symlink');
    const first = compile();
    const honest = digestReason(first.line);
    for (const name of memos()) {
      const file = join(state, name);
      const stored = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof stored.value === 'string' && !stored.value.startsWith('ccache')) stored.value = 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0';
      writeFileSync(`${file}.target`, JSON.stringify(stored));
      rmSync(file);
      symlinkSync(`${file}.target`, file);
    }
    const second = compile();
    expect(second.status).toBe(0);
    expect(digestReason(second.line)).toBe(honest);
  });

  for (const [what, forged] of [
    ['a number', 12345],
    ['an object', { digest: 'x' }],
    ['null', null],
    ['an array', ['a']],
  ] as const) {
    it(`a memo value of the wrong shape (${what} where a string belongs) is a miss, not an error`, () => {
      const { state, compile, memos } = setup(`shape-${what.replace(/\W/g, '-')}`);
      const first = compile();
      const honest = digestReason(first.line);
      for (const name of memos()) {
        const file = join(state, name);
        const stored = JSON.parse(readFileSync(file, 'utf8'));
        stored.value = forged;
        writeFileSync(file, JSON.stringify(stored));
      }
      const second = compile();
      expect({ status: second.status, stderr: second.stderr }).toEqual({ status: 0, stderr: '' });
      expect(digestReason(second.line)).toBe(honest);
      expect(second.object!.equals(first.object!)).toBe(true);
    });
  }
});

describe('the sccache start lock: planted, foreign, full or read-only (built executable, sccache 0.10)', () => {
  let dir: string;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let stateFile: string;
  let n = 0;
  beforeAll(async () => {
    dir = makeTempDir('hcl-hostile-lock-');
    port = await freePort();
    writeFileSync(join(dir, 'k.cpp'), 'int twice(int x) { return 2 * x; }\n');
    env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, XDG_CACHE_HOME: join(dir, 'xdg'), ...sccacheEnv(join(dir, 'sc'), port) });
    // The first call starts the server and names the state file whose lock the cases plant.
    const r = runLauncher([tools.clangxx, '-c', 'k.cpp', '-o', 'first.o'], { env, cwd: dir, timeout: 120_000 });
    expect(r.status).toBe(0);
    const stateDir = join(dir, 'xdg', 'hip-clang-launcher');
    const names = readdirSync(stateDir).filter((f) => f.startsWith(`sccache-${port}-`) && f.endsWith('.json'));
    expect(names).toHaveLength(1);
    stateFile = join(stateDir, names[0]!);
  });
  afterAll(() => stopSccache(tools.sccacheHip, sccacheEnv(join(dir, 'sc'), port)));

  // One compile that must find the lock: the state file that would let it skip the lock is gone.
  const compileWith = (wrap: string[] = [], extraEnv: Record<string, string> = {}) => {
    rmSync(stateFile, { force: true });
    const log = join(dir, `call-${++n}.jsonl`);
    const out = `out-${n}.o`;
    const r = spawnSync(wrap[0] ?? built.linux, [...wrap.slice(1), ...(wrap.length ? [built.linux] : []), tools.clangxx, '-c', 'k.cpp', '-o', out], {
      env: { ...env, ...extraEnv, HIP_CLANG_LAUNCHER_LOG: log },
      cwd: dir,
      // Far above the bound the README states for a call; the old launcher stalled 45 s or forever here.
      timeout: 100_000,
      encoding: 'utf8',
    });
    return { status: r.status, signal: r.signal, stderr: r.stderr, line: existsSync(log) ? lastLine(log) : undefined, built: existsSync(join(dir, out)) };
  };
  const expectCached = (r: ReturnType<typeof compileWith>) => {
    expect({ status: r.status, signal: r.signal, stderr: r.stderr, built: r.built }).toEqual({ status: 0, signal: null, stderr: '', built: true });
    expect({ route: r.line?.route, fallback: r.line?.fallback }).toEqual({ route: 'cache', fallback: undefined });
  };

  const lock = () => `${stateFile}.lock`;
  const selfStartTime = () => {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  };
  const cases: [string, () => void][] = [
    ['holds no pid (empty)', () => writeFileSync(lock(), '')],
    ['holds no pid (garbage)', () => writeFileSync(lock(), 'not a pid\n')],
    ['holds the pid of a live process that is not a launcher (pid 1)', () => writeFileSync(lock(), '1')],
    ['holds the live pid of this test with a start time that is not its own', () => writeFileSync(lock(), `${process.pid} 1`)],
    ['is a symlink to a file holding a live pid', () => {
      writeFileSync(join(dir, 'precious'), `${process.pid} ${selfStartTime()}`);
      symlinkSync(join(dir, 'precious'), lock());
    }],
    ['is a dangling symlink', () => symlinkSync(join(dir, 'created-through-link'), lock())],
    ['is a directory', () => mkdirSync(lock())],
    ['is a FIFO', () => expect(spawnSync('mkfifo', [lock()]).status).toBe(0)],
    ["is another user's file holding a live launcher's pid and start time", () => {
      writeFileSync(lock(), `${process.pid} ${selfStartTime()}`);
      chownSync(lock(), NOBODY, NOBODY);
    }],
  ];
  for (const [what, plant] of cases) {
    it(`a lock that ${what}: the call compiles through the cache without waiting`, () => {
      plant();
      try {
        expectCached(compileWith());
      } finally {
        rmSync(lock(), { recursive: true, force: true });
      }
      expect(existsSync(join(dir, 'created-through-link'))).toBe(false);
      if (what.includes('symlink to a file')) expect(readFileSync(join(dir, 'precious'), 'utf8')).toMatch(/^\d+ \d+$/);
    }, 120_000);
  }

  it('a full disk under the state directory: the call compiles through the cache and leaves no empty lock', () => {
    const mount = join(dir, 'full');
    mkdirSync(mount);
    // A private mount namespace: a 64 KiB tmpfs, filled, as the state directory's disk.
    const script = 'mount -t tmpfs -o size=64k tmpfs "$HCL_MOUNT" && mkdir -p "$HCL_MOUNT/hip-clang-launcher" && { head -c 1048576 /dev/zero > "$HCL_MOUNT/fill" 2>/dev/null; true; } && "$@"; status=$?; ls -A "$HCL_MOUNT/hip-clang-launcher" > "$HCL_MOUNT.listing"; exit $status';
    const r = compileWith(['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh'], { XDG_CACHE_HOME: mount, HCL_MOUNT: mount });
    expectCached(r);
    expect(readFileSync(`${mount}.listing`, 'utf8')).toBe('');
  }, 120_000);

  it('a read-only state directory holding a stale lock: the call compiles through the cache', () => {
    const home = join(dir, 'ro');
    const state = join(home, 'hip-clang-launcher');
    mkdirSync(state, { recursive: true });
    const fileHere = join(state, stateFile.slice(stateFile.lastIndexOf('/') + 1));
    writeFileSync(`${fileHere}.lock`, '999999999');
    const script = 'mount --bind "$HCL_STATE" "$HCL_STATE" && mount -o remount,bind,ro "$HCL_STATE" && exec "$@"';
    const r = compileWith(['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh'], { XDG_CACHE_HOME: home, HCL_STATE: state });
    expectCached(r);
  }, 120_000);

  it('a lock of a live launcher that stopped long ago (older than any start can take) is taken over', () => {
    // A real launcher's record (this test's own pid and start time), its mtime moved back: the clock, not a wait.
    writeFileSync(lock(), `${process.pid} ${selfStartTime()}`);
    const old = new Date(Date.now() - 10 * 60_000);
    spawnSync('touch', ['-h', '-d', old.toISOString(), lock()]);
    try {
      expectCached(compileWith());
    } finally {
      rmSync(lock(), { force: true });
    }
  }, 120_000);

});

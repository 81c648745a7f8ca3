import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, hostSccaches, sccacheEnv, sccacheStats, stopSccache } from '../helpers/caches.js';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot, tools } from '../helpers/tools.js';

// sccache starts its server on first use; when that start fails, bare sccache
// fails the compile (exit 2, or a hang on a listener that never answers).
// Through the launcher the compile runs directly instead, and the log says why.

// A TCP listener that is not sccache, on a port of the kernel's choosing:
// `close` accepts and closes each connection, `garbage` answers with bytes
// that are not sccache's protocol, `hold` accepts and never answers.
const LISTENER = `
import socket, sys, time
mode = sys.argv[1]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept()
    if mode == "close": c.close()
    elif mode == "garbage": c.sendall(b"HTTP/1.0 200 OK\\r\\n\\r\\nnot sccache"); c.close()
    else: held.append(c)
`;

function startListener(mode: 'close' | 'garbage' | 'hold'): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', LISTENER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout!.once('data', (data: Buffer) => resolve({ port: Number(data.toString().trim()), child }));
  });
}

const sccaches = hostSccaches;

describe('sccache whose server cannot start (built executable)', () => {
  let dir: string;
  let reference: Buffer;
  const listeners: ChildProcess[] = [];
  beforeAll(() => {
    dir = makeTempDir('hcl-sccache-server-');
    copyFileSync(join(repoRoot, 'test/fixtures/plain.cpp'), join(dir, 'plain.cpp'));
    const r = runLauncher([tools.clangxx, '-O2', '-c', 'plain.cpp', '-o', 'ref.o'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' }), cwd: dir });
    expect(r.status).toBe(0);
    reference = readFileSync(join(dir, 'ref.o'));
  });
  afterAll(() => {
    for (const child of listeners) child.kill();
  });

  const compile = (env: NodeJS.ProcessEnv, out: string) => {
    rmSync(join(dir, out), { force: true });
    const r = runLauncher([tools.clangxx, '-O2', '-c', 'plain.cpp', '-o', out], { env, cwd: dir, timeout: 120_000 });
    return { ...r, same: existsSync(join(dir, out)) && readFileSync(join(dir, out)).equals(reference) };
  };

  for (const [version, sccache] of sccaches) {
    for (const mode of ['close', 'garbage'] as const) {
      it(`${version}: its port held by a listener that ${mode === 'close' ? 'closes each connection' : 'answers garbage'} means a direct compile`, async () => {
        const { port, child } = await startListener(mode);
        listeners.push(child);
        const log = join(dir, `${mode}-${port}.jsonl`);
        const env = { ...cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: sccache(), XDG_CACHE_HOME: join(dir, `state-${port}`) }), ...sccacheEnv(dir, port) };
        // Bare sccache fails the compile: the failure this guards against.
        const bare = run(sccache(), [tools.clangxx, '-O2', '-c', 'plain.cpp', '-o', 'bare.o'], { env: { ...env, SCCACHE_IGNORE_SERVER_IO_ERROR: '1' }, cwd: dir, timeout: 60_000 });
        expect(bare.status).not.toBe(0);
        // First call finds out (without a log: execve path), later ones remember (with a log).
        const first = compile(env, `${mode}-1.o`);
        expect({ status: first.status, stderr: first.stderr, same: first.same }).toEqual({ status: 0, stderr: '', same: true });
        const second = compile({ ...env, HIP_CLANG_LAUNCHER_LOG: log }, `${mode}-2.o`);
        expect({ status: second.status, stderr: second.stderr, same: second.same }).toEqual({ status: 0, stderr: '', same: true });
        const line = JSON.parse(readFileSync(log, 'utf8').trimEnd());
        expect(line).toMatchObject({ route: 'cache-unavailable', cache: null, exitCode: 0 });
        expect(line.fallback).toMatch(new RegExp(`^cache ${sccache()} cannot be used: its server on port ${port}: the port is held by a program that is not an sccache of this user \\(found \\d+ s ago`));
      });
    }

    it(`${version}: a server it can start is started once and used (a hit on the second compile)`, () => {
      const port = freePort();
      const env = { ...cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: sccache(), XDG_CACHE_HOME: join(dir, `state-${port}`) }), ...sccacheEnv(join(dir, `ok-${port}`), port) };
      try {
        const log = join(dir, `ok-${port}.jsonl`);
        for (const n of [1, 2]) {
          const r = compile({ ...env, HIP_CLANG_LAUNCHER_LOG: log }, `ok-${n}.o`);
          expect({ status: r.status, stderr: r.stderr, same: r.same }).toEqual({ status: 0, stderr: '', same: true });
        }
        const lines = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
        for (const line of lines) expect(line).toMatchObject({ route: 'cache', cache: sccache() });
        const stats = sccacheStats(sccache(), env as Record<string, string>);
        expect(stats.misses + stats.notCacheable).toBeGreaterThan(0);
        expect(stats.hits).toBe(1);
      } finally {
        stopSccache(sccache(), env as Record<string, string>);
      }
    });
  }

  // The state file's clock is moved back rather than waiting out the minutes.
  it('0.10: failures in a row are remembered twice as long each time (30 s, then 60 s)', async () => {
    const { port, child } = await startListener('close');
    listeners.push(child);
    const stateHome = join(dir, `state-${port}`);
    const env = { ...cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, XDG_CACHE_HOME: stateHome }), ...sccacheEnv(dir, port) };
    const stateFile = () => {
      const names = readdirSync(join(stateHome, 'hip-clang-launcher')).filter((f) => f.startsWith(`sccache-${port}-`) && f.endsWith('.json'));
      expect(names).toHaveLength(1);
      return join(stateHome, 'hip-clang-launcher', names[0]!);
    };
    const age = (seconds: number) => {
      const state = JSON.parse(readFileSync(stateFile(), 'utf8'));
      state.failed.at = Date.now() - seconds * 1000;
      writeFileSync(stateFile(), JSON.stringify(state));
      return state.failed.inARow;
    };
    const fallbackOf = (name: string) => {
      const log = join(dir, `${name}-${port}.jsonl`);
      const r = compile({ ...env, HIP_CLANG_LAUNCHER_LOG: log }, `${name}.o`);
      expect({ status: r.status, same: r.same }).toEqual({ status: 0, same: true });
      return JSON.parse(readFileSync(log, 'utf8').trimEnd()).fallback as string;
    };
    expect(fallbackOf('backoff-1')).not.toContain(' ago;');
    expect(age(31)).toBe(1);
    // Past 30 s the first failure is forgotten: tried again, failing a second time in a row.
    expect(fallbackOf('backoff-2')).not.toContain(' ago;');
    expect(age(45)).toBe(2);
    expect(fallbackOf('backoff-3')).toMatch(/\(found 45 s ago; tried again after 60 s\)$/);
  });

  it('0.10: a listener that accepts and never answers means a direct compile, not a hang', async () => {
    const { port, child } = await startListener('hold');
    listeners.push(child);
    const env = { ...cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: tools.sccacheHip, XDG_CACHE_HOME: join(dir, `state-${port}`) }), ...sccacheEnv(dir, port) };
    const r = compile(env, 'hold.o');
    expect({ status: r.status, stderr: r.stderr, same: r.same }).toEqual({ status: 0, stderr: '', same: true });
  });
});

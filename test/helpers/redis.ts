import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { stopAtEnd } from './stop-at-end.js';
import { repoRoot, requirePath } from './tools.js';

// A real redis-server on 127.0.0.1 at a free port, in memory only, stopped
// when the test file ends (or earlier, to make an outage).

export interface Redis {
  port: number;
  url: string;
  stop(): void;
  // Keys held: what the caches stored.
  keyCount(): number;
  // SIGSTOP now, SIGCONT after ms: a server that accepts connections and answers late.
  pauseFor(ms: number): void;
}

const redisServer = () => requirePath('/usr/bin/redis-server', 'run `npm run provision` (Debian package redis-server)');

function ping(port: number): boolean {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 5_000 });
  return r.stdout?.trim() === 'PONG';
}

export async function startRedis(dir: string): Promise<Redis> {
  const port = await freePort();
  const data = join(dir, `redis-${port}`);
  mkdirSync(data, { recursive: true });
  const child: ChildProcess = spawn(redisServer(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', data], {
    stdio: 'ignore',
  });
  child.unref();
  const stop = stopAtEnd(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (let i = 0; i < 100 && !ping(port); i++) await new Promise((r) => setTimeout(r, 100));
  if (!ping(port)) throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    pauseFor: (ms) => {
      child.kill('SIGSTOP');
      setTimeout(() => child.kill('SIGCONT'), ms);
    },
    keyCount: () => Number(spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'dbsize'], { encoding: 'utf8' }).stdout.trim()),
  };
}

// A proxy in front of `targetPort` that delays every chunk by `delayMs` each way.
export async function startSlowProxy(targetPort: number, delayMs: number): Promise<{ port: number; stop(): void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/bench/programs/slow-tcp-proxy.mjs'), String(port), String(targetPort), String(delayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = stopAtEnd(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`slow proxy exited (${code})`)));
  });
  child.stdout!.destroy();
  child.unref();
  return { port, stop };
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
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
  // SIGSTOP now, SIGCONT once the first `sccache --start-server` on `serverPort`
  // has given up (sccache's own 10 s): a server that accepts connections and
  // answers late, by an event rather than a timer, so a slow start-up of the
  // test's own processes on a busy machine cannot let that start succeed.
  // Resolves on the SIGCONT; stop() ends the watch (the test's assertions
  // then tell whether the start ever came).
  pauseUntilFirstStartEnds(serverPort: number | string): Promise<void>;
}

// The pids of `sccache --start-server` clients (any path) for one server port,
// read from /proc: the lab shares the host's pid namespace.
function sccacheStartClients(serverPort: string): Set<number> {
  const pids = new Set<number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0');
      if (!/(^|\/)sccache$/.test(argv[0] ?? '') || argv[1] !== '--start-server') continue;
      const environ = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      if (environ.includes(`SCCACHE_SERVER_PORT=${serverPort}`)) pids.add(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
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
  let poll: NodeJS.Timeout | undefined;
  const stop = stopAtEnd(() => {
    clearInterval(poll);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // Until it answers or has exited: no bound on elapsed time, which a busy machine could exceed.
  let gone = false;
  child.once('exit', () => (gone = true));
  while (!gone && !ping(port)) await new Promise((r) => setTimeout(r, 100));
  if (!ping(port)) throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    pauseUntilFirstStartEnds: (serverPort) => {
      child.kill('SIGSTOP');
      let first: number | undefined;
      return new Promise<void>((resolve) => {
        poll = setInterval(() => {
          const now = sccacheStartClients(String(serverPort));
          if (first === undefined) first = now.values().next().value;
          if (first !== undefined && !now.has(first)) {
            clearInterval(poll);
            child.kill('SIGCONT');
            resolve();
          }
        }, 100);
      });
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

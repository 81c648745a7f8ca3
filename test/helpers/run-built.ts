import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { built } from './tools.js';

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

// The machine's environment less anything of ours, so each test states what it sets.
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('HIP_CLANG_LAUNCHER') && !k.startsWith('TC_') && !k.startsWith('CCACHE_') && !k.startsWith('SCCACHE_')) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

// Runs a program as a user would, returning raw stdout bytes.
export function run(file: string, args: string[], options: SpawnSyncOptions & { env?: NodeJS.ProcessEnv } = {}): RunResult {
  const result = spawnSync(file, args, { maxBuffer: 64 * 1024 * 1024, ...options, env: options.env ?? cleanEnv() });
  if (result.error) throw result.error;
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout as Buffer,
    stderr: (result.stderr as Buffer).toString('utf8'),
  };
}

// The same, started now and awaited later: for a run that waits on a limit of
// the product's own while the file's other tests run (the worker is not
// needed meanwhile, so tests that block it do not delay the run).
export function runAsync(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string | Buffer } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    // A child that ends (or is killed) before it reads its input closes the pipe: the
    // write fails with EPIPE, which unhandled failed the whole file (seen in the shim
    // stress under load, after 0 failed compiles). Its status says what happened.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    // With no input, no write at all: closing the pipe cannot fail that way.
    if (options.input === undefined) child.stdin.end();
    else child.stdin.end(options.input);
  });
}

// The built linux launcher.
export function runLauncher(args: string[], options: SpawnSyncOptions & { env?: NodeJS.ProcessEnv } = {}): RunResult {
  return run(built.linux, args, options);
}

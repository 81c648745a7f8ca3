import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
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

// The built linux launcher.
export function runLauncher(args: string[], options: SpawnSyncOptions & { env?: NodeJS.ProcessEnv } = {}): RunResult {
  return run(built.linux, args, options);
}

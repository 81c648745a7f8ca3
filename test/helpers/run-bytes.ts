import { spawnSync } from 'node:child_process';
import type { RunResult } from './run-built.js';

// Node encodes every argument and environment string as UTF-8, so a test
// cannot hand a program a byte like \xff through it: python3 execs the
// program with argv and environment given as raw bytes.
const EXEC_BYTES = `
import json, os, sys
spec = json.loads(sys.argv[1])
h = bytes.fromhex
os.execve(h(spec["file"]), [h(a) for a in spec["argv"]], {h(k): h(v) for k, v in spec["env"]})
`;

export type Bytes = string | Buffer;
const hex = (b: Bytes) => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b).toString('hex');

export function runBytes(file: Bytes, argv: Bytes[], env: Array<[Bytes, Bytes]>, options: { cwd?: string; timeout?: number } = {}): RunResult {
  const spec = { file: hex(file), argv: argv.map(hex), env: env.map(([k, v]) => [hex(k), hex(v)]) };
  const result = spawnSync('python3', ['-c', EXEC_BYTES, JSON.stringify(spec)], { ...options, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

// An environment as [name, value] pairs, from a string record.
export function envPairs(env: NodeJS.ProcessEnv): Array<[Bytes, Bytes]> {
  return Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as [Bytes, Bytes]]));
}

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './tools.js';

// Builds test/fixtures/test-compiler.c (our stand-in compiler) and reads what it recorded.

export function buildTestCompiler(dir: string, name = 'test-compiler', target: 'linux' | 'windows' = 'linux'): string {
  const source = join(repoRoot, 'test/fixtures/test-compiler.c');
  const out = join(dir, target === 'windows' ? `${name}.exe` : name);
  const cc = target === 'windows' ? 'x86_64-w64-mingw32-gcc' : 'gcc';
  execFileSync(cc, ['-O1', '-o', out, source]);
  return out;
}

export interface Recorded {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

export function readRecord(file: string): Recorded {
  const text = readFileSync(file, 'utf8');
  const firstNewline = text.indexOf('\0\n');
  const argv = text.slice(0, firstNewline).split('\0');
  const rest = text.slice(firstNewline + 2);
  const cwdEnd = rest.indexOf('\n');
  const env: Record<string, string> = {};
  for (const pair of rest.slice(cwdEnd + 1).split('\0').filter(Boolean)) {
    const eq = pair.indexOf('=');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { argv, cwd: rest.slice(0, cwdEnd), env };
}

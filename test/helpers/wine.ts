import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tools } from './tools.js';

// Runs a Windows program under wine64. Node under wine cannot write to a pipe
// (EBADF), so output goes through files, as it would into a build log.
export function runWine(program: string, args: string[], scratch: string, env: Record<string, string> = {}, cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const out = join(scratch, 'wine-stdout');
  const err = join(scratch, 'wine-stderr');
  const fds = [openSync(out, 'w'), openSync(err, 'w')] as const;
  const r = spawnSync(tools.wine, [program, ...args], {
    env: { ...process.env, ...tools.wineEnv(), ...env },
    stdio: ['ignore', fds[0], fds[1]],
    cwd,
    timeout: 120_000,
  });
  fds.forEach((fd) => closeSync(fd));
  if (r.error) throw r.error;
  return { status: r.status, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
}

// A Linux path as wine's Z: drive shows it.
export function winPath(path: string): string {
  return `Z:${path.replaceAll('/', '\\')}`;
}

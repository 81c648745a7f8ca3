import { execa } from 'execa';
import { HclError } from '../errors.js';

// The admin CLI's way to run another program (a cache's version or
// statistics): through execa, never a shell, with a deadline. A program that
// is missing, hangs or is killed becomes one line saying which and what to
// do. The compile hot path never comes here: it hands over with execve or
// spawn (src/launcher/replace-process.ts).

export interface ProgramOutput {
  stdout: string;
  stderr: string;
}

export interface RunProgramOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

// Runs `file args`, resolving with its output when it exits 0.
export async function runProgram(file: string, args: readonly string[], options: RunProgramOptions): Promise<ProgramOutput> {
  const result = await execa(file, args, {
    reject: false,
    timeout: options.timeoutMs,
    // A program that ignores SIGTERM is killed outright soon after.
    forceKillAfterDelay: 2_000,
    stdin: 'ignore',
    stripFinalNewline: true,
    env: options.env,
    extendEnv: options.env === undefined,
    cwd: options.cwd,
    windowsHide: true,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (!result.failed) return { stdout: result.stdout, stderr: result.stderr };
  const command = [file, ...args].join(' ');
  if (result.timedOut) {
    throw new HclError('program-failed', `${command} did not finish within ${options.timeoutMs / 1000} s and was stopped`, 'check that it is not waiting on a lock, a server or the network');
  }
  if (result.code === 'ENOENT' || result.code === 'EACCES') {
    throw new HclError('program-failed', `cannot run ${file}: ${result.code === 'ENOENT' ? 'it does not exist (or its interpreter does not)' : 'permission denied'}`, 'install it, or fix the path');
  }
  if (result.signal) {
    throw new HclError('program-failed', `${command} was killed by ${result.signal}`, 'run it by hand to see why');
  }
  if (result.exitCode !== undefined) {
    const said = firstLine(result.stderr) || firstLine(result.stdout);
    throw new HclError('program-failed', `${command} exited with ${result.exitCode}${said ? `: ${said}` : ''}`, 'run it by hand to see why');
  }
  throw new HclError('program-failed', `cannot run ${command}: ${firstLine(result.originalMessage ?? result.shortMessage)}`, 'run it by hand to see why');
}

function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n')[0]?.trim() ?? '';
}

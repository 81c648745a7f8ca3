import { execa } from 'execa';

// The admin CLI's way to run another program and look at what happened
// (doctor's checks): through execa, never a shell, with a deadline, and never
// throwing. A program that is missing, hangs or is killed comes back as one
// line saying which. The compile hot path never comes here.

export interface ProgramRun {
  ok: boolean;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  // One line when !ok: what went wrong, with the program's own words where it said any.
  problem: string | undefined;
}

export interface TryProgramOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

// The line of a program's output that says what went wrong: its own error
// line if it printed one (sccache prints "Starting the server..." first), else its last line.
export function saidLine(...texts: string[]): string {
  for (const text of texts) {
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    const error = lines.find((l) => /error/i.test(l));
    if (error ?? lines.at(-1)) return (error ?? lines.at(-1))!;
  }
  return '';
}

export async function tryProgram(file: string, args: readonly string[], options: TryProgramOptions): Promise<ProgramRun> {
  const result = await execa(file, args, {
    reject: false,
    timeout: options.timeoutMs,
    // A program that ignores SIGTERM is killed outright soon after.
    forceKillAfterDelay: 2_000,
    stdin: 'ignore',
    env: options.env,
    extendEnv: false,
    cwd: options.cwd,
    windowsHide: true,
    maxBuffer: 16 * 1024 * 1024,
  });
  const run = { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  if (!result.failed) return { ok: true, ...run, problem: undefined };
  const command = [file, ...args].join(' ');
  let problem: string;
  if (result.timedOut) problem = `${command} did not finish within ${options.timeoutMs / 1000} s and was stopped`;
  else if (result.code === 'ENOENT') problem = `cannot run ${file}: it does not exist (or its interpreter does not)`;
  else if (result.code === 'EACCES') problem = `cannot run ${file}: permission denied`;
  else if (result.signal) problem = `${command} was killed by ${result.signal}`;
  else if (result.exitCode !== undefined) {
    const said = saidLine(result.stderr, result.stdout);
    problem = `${command} exited with ${result.exitCode}${said ? `: ${said}` : ''}`;
  } else problem = `cannot run ${command}: ${saidLine(result.originalMessage ?? result.shortMessage ?? '')}`;
  return { ok: false, ...run, problem };
}

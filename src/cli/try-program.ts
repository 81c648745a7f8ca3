import { formatError } from '../errors.js';
import { runProgram, type RunOptions } from './run-program.js';

// runProgram for checks that look at what happened (doctor's) and never
// throw: a program that is missing, hangs, is killed or fails comes back as
// one line saying which, with its own words where it said any.

export interface ProgramOutcome {
  ok: boolean;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  // One line when !ok: what went wrong.
  problem: string | undefined;
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

export async function tryProgram(file: string, args: readonly string[], options: RunOptions): Promise<ProgramOutcome> {
  const command = [file, ...args].join(' ');
  try {
    const run = await runProgram(file, args, { what: command, ...options });
    const stdout = run.stdout.replace(/\n$/, '');
    const stderr = run.stderr.replace(/\n$/, '');
    if (run.exitCode === 0) return { ok: true, exitCode: 0, stdout, stderr, problem: undefined };
    const said = saidLine(stderr, stdout);
    return { ok: false, exitCode: run.exitCode, stdout, stderr, problem: `${command} exited with ${run.exitCode}${said ? `: ${said}` : ''}` };
  } catch (error) {
    return { ok: false, exitCode: undefined, stdout: '', stderr: '', problem: formatError(error).replace(/^hip-clang-launcher: error: /, '') };
  }
}

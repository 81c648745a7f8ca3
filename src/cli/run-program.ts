import { HclError } from '../errors.js';

// Runs another program for the admin CLI (hipcc probes, cache versions and
// statistics), never on the compile path. Its output is collected and its exit
// code returned; a program that cannot start, outlives the timeout or is
// killed by a signal is a one-line error naming it.

export interface ProgramRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  // Default: this process's environment.
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  cwd?: string;
  // How the program is named in an error: "hipcc --version" (default: the command line).
  what?: string;
  // What raises the limit, for the timeout error: "--timeout <seconds>".
  timeoutOption?: string;
}

export async function runProgram(file: string, args: readonly string[], options: RunOptions): Promise<ProgramRun> {
  const posix = process.platform !== 'win32';
  // Loaded here, not imported: execa's module graph pulls in some 150 of
  // Node's built-in modules, which every admin command paid for at start,
  // while most commands (--version, status, install, ...) run no program.
  // The bundle (esbuild, cjs) initialises execa on the first call instead.
  const { execa } = await import('execa');
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    maxBuffer: 16 * 1024 * 1024,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    windowsHide: true,
    // A group of its own, so that a timeout also ends what it started: hipcc
    // runs clang through a shell, and a grandchild still holding stdout would
    // keep us waiting after the child itself is gone.
    detached: posix,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopTree(child.pid, posix, () => child.kill('SIGKILL'));
  }, options.timeoutMs);
  const result = await child;
  clearTimeout(timer);

  const command = `${file}${args.length ? ` ${args.join(' ')}` : ''}`;
  const what = options.what ?? command;
  if (timedOut) {
    const raise = options.timeoutOption ? `; raise ${options.timeoutOption} if it is merely slow` : '';
    throw new HclError('program-failed', `${what} did not finish within ${options.timeoutMs / 1000} s and was stopped`, `run it by hand to see where it waits (${command})${raise}`);
  }
  if (result.code === 'ENOENT') {
    throw new HclError('program-failed', `${what} could not be started: ${file} or the interpreter on its #! line does not exist`, 'check the path');
  }
  if (result.code === 'EACCES') {
    throw new HclError('program-failed', `${what} could not be started: ${file} is not executable`, `chmod +x ${file}, or give an executable`);
  }
  if (result.signal) {
    throw new HclError('program-failed', `${what} was killed by ${result.signal}`, `run it by hand to see why (${command})`);
  }
  if (result.exitCode === undefined) {
    throw new HclError('program-failed', `${what} could not be run: ${(result.shortMessage ?? 'no exit code').split('\n')[0]}`, 'check the path and its permissions');
  }
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

async function stopTree(pid: number | undefined, posix: boolean, fallback: () => void): Promise<void> {
  try {
    if (pid === undefined) fallback();
    else if (posix) process.kill(-pid, 'SIGKILL');
    // taskkill /T ends the whole tree, which Windows has no group signal for.
    else await (await import('execa')).execa('taskkill', ['/pid', String(pid), '/T', '/F'], { reject: false, stdio: 'ignore', windowsHide: true });
  } catch {
    fallback();
  }
}

// runProgram for a program that must succeed (a cache's version or
// statistics): a non-zero exit is one line with the first thing it said.
export async function runProgramOk(file: string, args: readonly string[], options: RunOptions): Promise<ProgramRun> {
  const run = await runProgram(file, args, options);
  if (run.exitCode === 0) return run;
  const said = firstLine(run.stderr) || firstLine(run.stdout);
  const what = options.what ?? [file, ...args].join(' ');
  throw new HclError('program-failed', `${what} exited with ${run.exitCode}${said ? `: ${said}` : ''}`, 'run it by hand to see why');
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

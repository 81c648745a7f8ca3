import { writeSync } from 'node:fs';

// Every way hip-clang-launcher itself can fail, each with its message, its
// advice and its exit code (volta's error/kind.rs model). A compiler's own
// failure is never one of these: its exit status passes through untouched.

export type ErrorKind =
  | 'usage'
  | 'cache-not-found'
  | 'compiler-not-found'
  | 'recursion'
  | 'bad-config'
  | 'not-a-hipcc-tree'
  | 'patch-conflict'
  | 'not-writable'
  | 'not-a-llvm-bin'
  | 'foreign-wrapper'
  | 'manifest-corrupt'
  | 'locked'
  | 'install-failed'
  | 'drift'
  | 'unreadable-file'
  | 'program-failed'
  | 'internal';

const EXIT_CODES: Record<ErrorKind, number> = {
  usage: 2,
  'cache-not-found': 3,
  'compiler-not-found': 3,
  recursion: 4,
  'bad-config': 2,
  'not-a-hipcc-tree': 5,
  'patch-conflict': 6,
  'not-writable': 7,
  'not-a-llvm-bin': 5,
  'foreign-wrapper': 8,
  'manifest-corrupt': 9,
  locked: 10,
  'install-failed': 11,
  drift: 12,
  'program-failed': 13,
  'unreadable-file': 14,
  internal: 70,
};

export class HclError extends Error {
  readonly kind: ErrorKind;
  readonly advice: string;
  readonly exitCode: number;

  constructor(kind: ErrorKind, message: string, advice = '', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HclError';
    this.kind = kind;
    this.advice = advice;
    this.exitCode = EXIT_CODES[kind];
  }
}

// One line: what is wrong, then what to do about it.
export function formatError(error: unknown): string {
  if (error instanceof HclError) {
    const advice = error.advice ? `; ${error.advice}` : '';
    return `hip-clang-launcher: error: ${error.message}${advice}`.replace(/\s*\n\s*/g, ' ');
  }
  const message = error instanceof Error ? error.message : String(error);
  return `hip-clang-launcher: error: internal error: ${message}`.replace(/\s*\n\s*/g, ' ');
}

// The code of a kind, for a command that reports it without failing (status: drift).
export function exitCodeOfKind(kind: ErrorKind): number {
  return EXIT_CODES[kind];
}

export function exitCodeOf(error: unknown): number {
  return error instanceof HclError ? error.exitCode : EXIT_CODES.internal;
}

// Writes to fd 2 directly: Node's process.stderr stream throws EBADF while it
// is being created on some Windows pipe handles (seen under wine with hipcc's
// _popen), and an error report must never turn into a crash of its own.
export function writeStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // No usable stderr: the exit code still tells.
  }
}

// The top-level catch: print one line and exit with the kind's code.
export function failAndExit(error: unknown): never {
  writeStderr(`${formatError(error)}\n`);
  if (process.env.HIP_CLANG_LAUNCHER_DEBUG && error instanceof Error && error.stack) {
    writeStderr(`${error.stack}\n`);
  }
  process.exit(exitCodeOf(error));
}

// Decides which personality the one executable takes, from the name it was
// invoked by and its first argument (the rustup / volta-shim model).
//
// The rule, as documented in the README:
//   1. Invoked under any name other than `hip-clang-launcher` (with `.exe`
//      trimmed and case folded on Windows; a `-<platform>` suffix allowed;
//      `main.cjs`, the bundle run by Node, counts as that name too): shim
//      mode. The name is the compiler name the shim stands in for.
//   2. Invoked as `hip-clang-launcher`:
//      a. no argument, `-h`/`--help`, `-V`/`--version`, or exactly one of
//         the subcommand names below, with no path separator: the admin CLI;
//      b. `--` : launcher mode with the next argument as the compiler;
//      c. clang's internal modes (`-cc1`, `-cc1as`, `-cc1gen-reproducer`):
//         shim mode for clang, uncached. clang's driver re-runs its own
//         executable for these; a driver started before an install renamed
//         the shim over its name finds its executable deleted and falls back
//         to its argv[0], which now resolves to this executable;
//      d. any other argument starting with `-`: a usage error;
//      e. anything else: launcher mode, that argument being the compiler.
//   So a compiler given by path (`/opt/rocm/llvm/bin/clang++`, `.\clang.exe`)
//   is never mistaken for a subcommand, and a compiler that happens to be
//   called like a subcommand can still be run as `hip-clang-launcher -- name`.

export const PROGRAM_NAME = 'hip-clang-launcher';

// Reserved words: never taken as a compiler name. Keep in sync with src/cli/commands/.
export const SUBCOMMANDS: readonly string[] = [
  'help',
  'version',
  'which-cache',
  'patch',
  'check-hipcc',
  'install',
  'uninstall',
  'status',
  'stats',
  'doctor',
];

const HELP_OR_VERSION: readonly string[] = ['-h', '--help', '-V', '--version'];

// The modes clang's driver runs its own executable in (clang/tools/driver/driver.cpp).
export const CLANG_SELF_EXEC_MODES: readonly string[] = ['-cc1', '-cc1as', '-cc1gen-reproducer'];

export type Invocation =
  | { mode: 'launcher'; compiler: string; args: string[] }
  | { mode: 'shim'; name: string; invokedPath: string; args: string[]; clangSelfExec?: true }
  | { mode: 'cli'; args: string[] }
  | { mode: 'usage-error'; message: string };

// The invoked name as a program sees it: directory dropped, and on Windows `.exe` trimmed and lower-cased.
export function programNameOf(invokedPath: string, platform: NodeJS.Platform): string {
  const sep = platform === 'win32' ? /[\\/]/ : /\//;
  const base = invokedPath.split(sep).pop() ?? invokedPath;
  return platform === 'win32' ? base.replace(/\.exe$/i, '').toLowerCase() : base;
}

// The hot-path bundle as Node runs it: npm's Windows command shim and
// `node build/main.cjs` give its own file name, never a compiler's.
export const BUNDLE_NAME = 'main.cjs';

export function isLauncherName(name: string): boolean {
  // `hip-clang-launcher-linux-x64` as downloaded is still the launcher.
  return name === PROGRAM_NAME || name.startsWith(`${PROGRAM_NAME}-`) || name === BUNDLE_NAME;
}

export function hasPathSeparator(arg: string, platform: NodeJS.Platform): boolean {
  return arg.includes('/') || (platform === 'win32' && arg.includes('\\'));
}

export function decideInvocation(
  invokedPath: string,
  args: string[],
  platform: NodeJS.Platform,
): Invocation {
  const name = programNameOf(invokedPath, platform);
  if (!isLauncherName(name)) return { mode: 'shim', name, invokedPath, args };

  const [first, ...rest] = args;
  if (first === undefined || HELP_OR_VERSION.includes(first)) return { mode: 'cli', args };
  if (first === '--') {
    const [compiler, ...compilerArgs] = rest;
    if (compiler === undefined || compiler === '') {
      return { mode: 'usage-error', message: "'--' must be followed by the compiler to run; usage: hip-clang-launcher <compiler> <args...>" };
    }
    return { mode: 'launcher', compiler, args: compilerArgs };
  }
  if (first === '') {
    return { mode: 'usage-error', message: 'the compiler argument is empty; usage: hip-clang-launcher <compiler> <args...>' };
  }
  if (!hasPathSeparator(first, platform) && SUBCOMMANDS.includes(first)) return { mode: 'cli', args };
  if (CLANG_SELF_EXEC_MODES.includes(first)) return { mode: 'shim', name: 'clang', invokedPath, args, clangSelfExec: true };
  if (first.startsWith('-')) {
    return { mode: 'usage-error', message: `unknown option '${first}'; run 'hip-clang-launcher --help' for the subcommands, or 'hip-clang-launcher <compiler> <args...>' to compile` };
  }
  return { mode: 'launcher', compiler: first, args: rest };
}

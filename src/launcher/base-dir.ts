import { pathModuleFor } from '../host.js';
import { NO_DEBUG_FLAGS, PATH_RECORDING_PREFIXES, PREPROCESSOR_PATH_FLAGS, SEPARATE_VALUE_FLAGS } from './clang-options.js';
import type { ParsedCall } from './parse-call.js';

// Absolute paths under a base directory, rewritten relative to the working
// directory, the way ccache's base_dir does: two checkouts at different
// absolute paths then read the same. Windows paths compare case-insensitively
// and with either slash.

function normalise(path: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? path.replace(/\\/g, '/').toLowerCase() : path;
}

function underBase(path: string, base: string, platform: NodeJS.Platform): boolean {
  const p = normalise(path, platform);
  const b = normalise(base, platform).replace(/\/+$/, '');
  return p === b || p.startsWith(`${b}/`);
}

// One argument with each base-dir path in it made relative to cwd: a whole
// path (`/base/src/k.hip`) or a path joined to a flag (`-I/base/inc`, `--output=/base/k.o`).
export function relativiseArg(arg: string, baseDirs: readonly string[], cwd: string, platform: NodeJS.Platform): string {
  if (baseDirs.length === 0) return arg;
  const p = pathModuleFor(platform);
  const lowered = normalise(arg, platform);
  for (const base of baseDirs) {
    const at = lowered.indexOf(normalise(base, platform).replace(/\/+$/, ''));
    if (at < 0 || (at > 0 && !arg.startsWith('-'))) continue;
    const path = arg.slice(at);
    if (!underBase(path, base, platform)) continue;
    const rel = p.relative(cwd, path) || '.';
    return arg.slice(0, at) + (platform === 'win32' ? rel.replace(/\\/g, '/') : rel);
  }
  return arg;
}

export function isUnderAnyBase(path: string, baseDirs: readonly string[], platform: NodeJS.Platform): boolean {
  return baseDirs.some((base) => underBase(path, base, platform));
}

// A path ccache would make relative: absolute, under a base dir, and written
// without `.`/`..` steps (which the kernel resolves through symlinks and a
// relative path would resolve lexically).
function relativeToCwd(path: string, baseDirs: readonly string[], cwd: string, platform: NodeJS.Platform): string | undefined {
  const p = pathModuleFor(platform);
  if (!p.isAbsolute(path) || !isUnderAnyBase(path, baseDirs, platform)) return undefined;
  if (/[\\/]\.\.?([\\/]|$)/.test(path)) return undefined;
  const rel = p.relative(cwd, path) || '.';
  if (p.isAbsolute(rel)) return undefined;
  return platform === 'win32' ? rel.replace(/\\/g, '/') : rel;
}

// Why the paths of a call must reach the cache as written, if they must:
// something puts them into the object beyond the preprocessed source, or a
// depfile target under the base dir would come back from another checkout's
// entry naming that checkout. `idGiven`: the compile carries an explicit
// -cuid (clang otherwise derives the id from the input path as written).
export function pathsMustStay(call: ParsedCall, baseDirs: readonly string[], platform: NodeJS.Platform, idGiven: boolean): string | undefined {
  const recording = call.args.find((a) => !NO_DEBUG_FLAGS.has(a) && PATH_RECORDING_PREFIXES.some((prefix) => a.startsWith(prefix)));
  if (recording) return `${recording} records paths as written`;
  if (call.offload && !idGiven) return 'no -cuid: clang derives the id from the input path as written';
  if (call.offload && call.rdc) return '-fgpu-rdc: the device bitcode records the input path as written';
  if (call.depfile) {
    const targets: string[] = [];
    call.args.forEach((a, i) => {
      if ((a === '-MT' || a === '-MQ') && i + 1 < call.args.length) targets.push(call.args[i + 1]!);
      else if ((a.startsWith('-MT') || a.startsWith('-MQ')) && a.length > 3) targets.push(a.slice(3));
    });
    if (targets.length === 0 && call.output !== undefined) targets.push(call.output);
    const absolute = targets.find((t) => pathModuleFor(platform).isAbsolute(t) && isUnderAnyBase(t, baseDirs, platform));
    if (absolute) return `the depfile target ${absolute} is under the base dir (sccache would hand another checkout this one's)`;
  }
  return undefined;
}

// The call's arguments as ccache's base_dir hands them to the compiler: the
// inputs and the preprocessor's path options under a base dir made relative
// to the working directory. The preprocessed source (the cache's key) then
// names the same files alike in every checkout, and the compiler reads the
// same files. Outputs (-o, -MF, -MT) stay as written: no cache keys them.
export function relativiseForCache(call: ParsedCall, baseDirs: readonly string[], cwd: string, platform: NodeJS.Platform): { args: string[]; changed: number } {
  const args = [...call.args];
  let changed = 0;
  const rewrite = (i: number, prefix: string, path: string) => {
    const rel = relativeToCwd(path, baseDirs, cwd, platform);
    if (rel === undefined) return;
    args[i] = prefix + rel;
    changed++;
  };
  const flags = [...PREPROCESSOR_PATH_FLAGS].sort((a, b) => b.length - a.length);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (SEPARATE_VALUE_FLAGS.has(arg)) {
      if (PREPROCESSOR_PATH_FLAGS.includes(arg) && i + 1 < args.length) rewrite(i + 1, '', args[i + 1]!);
      i++;
    } else if (arg.startsWith('-')) {
      const flag = flags.find((f) => arg.startsWith(f) && arg.length > f.length);
      if (flag) rewrite(i, flag, arg.slice(flag.length));
    } else if (!arg.startsWith('@')) {
      rewrite(i, '', arg);
    }
  }
  return { args, changed };
}

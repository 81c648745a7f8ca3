import { pathModuleFor } from '../host.js';

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

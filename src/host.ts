import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { posix, win32 } from 'node:path';

// Everything the hot path asks of the machine, so tests can stub it.
export interface Host {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  // The running executable, as the OS resolved it.
  readonly execPath: string;
  isExecutableFile(file: string): boolean;
  realpath(file: string): string | undefined;
}

export function createHost(): Host {
  return {
    platform: process.platform,
    env: process.env,
    cwd: process.cwd(),
    execPath: process.execPath,
    isExecutableFile(file) {
      try {
        // No exception for a missing file: the cache search asks for one in every PATH entry.
        if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return false;
        if (process.platform !== 'win32') accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    realpath(file) {
      try {
        return realpathSync.native(file);
      } catch {
        return undefined;
      }
    },
  };
}

export function pathModuleFor(platform: NodeJS.Platform): typeof posix {
  return platform === 'win32' ? win32 : posix;
}

// A segment `.` or `..`, or an empty one: what POSIX join would normalise away.
const NOT_NORMAL_POSIX = /\/\/|(^|\/)\.\.?(\/|$)/;

// The same string as `p.join(dir, ...names)` for plain names, without join's
// normalising where `dir` is already normal: normalize walks the whole path a
// character at a time, in JavaScript that a call this short runs interpreted,
// and the cache search joins every PATH entry on every call (with the config
// and memo names, the launcher's hottest code in a CPU profile of a HIP hit).
// Anything else (Windows, a `.`/`..` or `//` in `dir`, a name that is not
// plain) goes through join itself.
export function joinNames(platform: NodeJS.Platform, dir: string, ...names: string[]): string {
  if (platform === 'win32' || dir === '' || NOT_NORMAL_POSIX.test(dir) || names.some((n) => n === '' || n === '.' || n === '..' || n.includes('/'))) {
    return pathModuleFor(platform).join(dir, ...names);
  }
  return `${dir.endsWith('/') ? dir : `${dir}/`}${names.join('/')}`;
}

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

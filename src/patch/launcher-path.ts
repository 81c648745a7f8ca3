import { isSea } from 'node:sea';
import { resolve } from 'node:path';

// The file to put in HIP_CLANG_LAUNCHER for this very launcher: the single
// executable, or under plain Node the bundle (build/main.cjs, which has a
// shebang and is executable).
export function launcherPath(): string {
  return isSea() ? process.execPath : resolve(process.argv[1] ?? process.execPath);
}

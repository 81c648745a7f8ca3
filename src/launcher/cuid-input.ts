import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type * as CryptoModule from 'node:crypto';
import type { Host } from '../host.js';
import { isUnderAnyBase } from './base-dir.js';
import { inputPathOf, wantsCuid, type CuidInput } from './hip-rules/cuid.js';
import type { ParsedCall } from './parse-call.js';
import type { LauncherSettings } from './settings.js';

// The world fact the cuid rule needs (hip-rules/cuid.ts says why): the
// input's real path, one realpath per HIP compile that gets a -cuid, and
// under a base dir the md5 of its bytes (a source file: a small read).

// Sources bigger than this count by their path alone: no read stalls a compile.
const DIGEST_LIMIT = 64 * 1024 * 1024;

function digestOf(file: string): string | undefined {
  let fd: number;
  try {
    // A FIFO or device as the input must not block or be drained here.
    fd = openSync(file, constants.O_RDONLY | (process.platform === 'win32' ? 0 : constants.O_NONBLOCK));
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > DIGEST_LIMIT) return undefined;
    const { createHash } = process.getBuiltinModule('node:crypto') as typeof CryptoModule;
    const hash = createHash('md5');
    const buffer = Buffer.allocUnsafe(Math.min(Math.max(st.size, 1), 1 << 20));
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
    return hash.digest('hex');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export function learnCuidInput(call: ParsedCall, settings: LauncherSettings, host: Host): CuidInput | undefined {
  if (!wantsCuid(call, settings)) return undefined;
  const path = inputPathOf(call, host.cwd, host.platform);
  if (path === undefined) return undefined;
  const realPath = host.realpath(path);
  if (realPath === undefined) return { realPath: undefined, digest: undefined };
  return { realPath, digest: isUnderAnyBase(realPath, settings.baseDirs, host.platform) ? digestOf(realPath) : undefined };
}

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type * as CryptoModule from 'node:crypto';
import type { Host } from '../host.js';
import { isUnderAnyBase } from './base-dir.js';
import { Md5 } from './md5.js';
import { inputPathOf, wantsCuid, type CuidInput } from './hip-rules/cuid.js';
import type { ParsedCall } from './parse-call.js';
import type { LauncherSettings } from './settings.js';

// The world fact the cuid rule needs (hip-rules/cuid.ts says why): the
// input's real path, one realpath per HIP compile that gets a -cuid, and
// under a base dir the md5 of its bytes (a source file: a small read).

// Sources bigger than this count by their path alone: no read stalls a compile.
const DIGEST_LIMIT = 64 * 1024 * 1024;
// Up to this size the bytes go through md5.ts (loading node:crypto cost about
// 3 ms of every such call, a source file's MD5 in JavaScript far less); a
// bigger source takes node:crypto, whose load is small beside its read. Both
// give the same digest, so the id never depends on which one ran.
const PLAIN_MD5_LIMIT = 1024 * 1024;
const CHUNK = 64 * 1024;

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
    const buffer = Buffer.allocUnsafe(Math.min(Math.max(st.size, 1), st.size <= PLAIN_MD5_LIMIT ? CHUNK : 1 << 20));
    // Read to the end, not to st.size: a file that grew since the stat is hashed as it is now.
    const hash = st.size <= PLAIN_MD5_LIMIT ? new Md5() : (process.getBuiltinModule('node:crypto') as typeof CryptoModule).createHash('md5');
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
    return hash instanceof Md5 ? hash.hex() : hash.digest('hex');
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

import type { Host } from '../../host.js';
import type { CacheKind } from '../../launcher/find-cache.js';
import { BASEDIR_VAR, SCCACHE_BASEDIRS } from '../../launcher/env-vars.js';
import { readSettings } from '../../launcher/settings.js';
import { baseDirSupport } from '../commands/which-cache.js';
import { errorFinding, finding, type Finding } from './finding.js';

// What HIP_CLANG_LAUNCHER_BASEDIR does with the caches in use, which calls
// still miss in another checkout, and a SCCACHE_BASEDIRS set beside it.
export function checkBaseDir(host: Host, caches: readonly { kind: CacheKind }[]): Finding {
  let dirs: string[];
  try {
    dirs = readSettings(host).baseDirs;
  } catch (error) {
    return errorFinding('base-dir', error, `fix ${BASEDIR_VAR}`);
  }
  const sccache = caches.some((c) => c.kind === 'sccache');
  if (sccache && host.env[SCCACHE_BASEDIRS]) {
    return finding(
      'base-dir',
      'warn',
      `${SCCACHE_BASEDIRS} is set: sccache strips it inside its key only, so a hit from another checkout can hand this one a depfile and __FILE__ naming that checkout's sources`,
      `unset ${SCCACHE_BASEDIRS}; ${BASEDIR_VAR} is enough`,
    );
  }
  if (dirs.length === 0) return finding('base-dir', 'ok', `${BASEDIR_VAR} unset: a checkout at another path misses the cache (set it to the directory above the checkouts)`);
  const how = caches.map((c) => baseDirSupport({ kind: c.kind, version: undefined, cachesHip: undefined }));
  const rdc = sccache ? '; through sccache, -fgpu-rdc compiles keep their absolute paths (their device bitcode names the input as written) and hit only in a checkout at the same path' : '';
  return finding('base-dir', 'ok', `${how.join('; ') || `${BASEDIR_VAR}: no cache in use`} (set to ${dirs.join(host.platform === 'win32' ? ';' : ':')})${rdc}`);
}

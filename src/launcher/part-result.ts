import type * as ChildProcessModule from 'node:child_process';
import type * as OsModule from 'node:os';
import type * as PathModule from 'node:path';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import type { CacheKind } from './find-cache.js';
import { USER_STATSLOG_VAR } from './env-vars.js';

// Whether one cache call hit, for the call log (`stats` and `doctor` show the
// split's parts by arch). Asked only when the log is on: nothing here runs
// for a build without one.
// - ccache: its own stats_log (CCACHE_STATSLOG, ccache 4.0+; checked with
//   4.7 and 4.14), a file of the counters this one call moved, written by
//   ccache itself: exact, whatever else runs in parallel.
// - sccache: no per-call answer exists (its client prints the compiler's
//   output only). Its server's counters are read before and after: when
//   exactly one compile request came in between, the call is known; when
//   others came in too (a parallel build), it is `unknown`, never a guess.

export type CacheResult = 'hit' | 'miss' | 'not-cached' | 'unknown';

export interface ResultWatch {
  // Added to the cache call's environment.
  env: Record<string, string>;
  // After the call: what it was, or undefined where nothing could be watched.
  finish(): CacheResult | undefined;
}

const STATSLOG = 'CCACHE_STATSLOG';

// `file`: a name in a private directory of the caller's for ccache's stats log.
export function watchCacheCall(kind: CacheKind | undefined, cache: string, env: Readonly<Record<string, string | undefined>>, file: string): ResultWatch | undefined {
  if (kind === 'ccache') {
    const theirs = env[STATSLOG];
    return {
      env: { [STATSLOG]: file },
      finish() {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          return 'unknown';
        }
        // The user's own stats log still gets the call's counters.
        if (theirs) appendTo(theirs, text);
        return ccacheResult(text);
      },
    };
  }
  if (kind === 'sccache') {
    const before = sccacheCounters(cache, env);
    if (!before) return undefined;
    return {
      env: {},
      finish() {
        const after = sccacheCounters(cache, env);
        if (!after || after.requests - before.requests !== 1) return 'unknown';
        const hits = after.hits - before.hits;
        const misses = after.misses - before.misses;
        if (hits === 1 && misses === 0) return 'hit';
        if (misses === 1 && hits === 0) return 'miss';
        return hits === 0 && misses === 0 ? 'not-cached' : 'unknown';
      },
    };
  }
  return undefined;
}

// ccache's stats log: per call a `# <source>` line, then one counter name a
// line. The call's own is the last: a stats log of the user's gets every
// ccache call that ran, the split's parts under ccache's prefix_command too.
export function ccacheResult(text: string): CacheResult {
  const last = text.lastIndexOf('\n#', text.length - 2);
  const counters = text.slice(last + 1).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (counters.some((c) => c === 'direct_cache_hit' || c === 'preprocessed_cache_hit')) return 'hit';
  if (counters.includes('cache_miss')) return 'miss';
  return counters.length > 0 ? 'not-cached' : 'unknown';
}

// The whole call through ccache with the launcher as its prefix: its stats
// log in a private temporary directory, removed when it is read. It must hold
// the whole call's record only, so the prefix's parts log to the user's own
// (USER_STATSLOG_VAR, restored under the prefix by prefixStatsLog). Otherwise,
// when ccache runs the prefix a second time (it does when an include file
// changed while the call compiled: its modified_input_file, nothing stored),
// the second run's parts come after the whole call's record and the last one
// read would be a part's (measured with ccache 4.14: a whole call ccache did
// not store was logged as `miss`).
export function watchWholeCall(kind: CacheKind | undefined, cache: string | undefined, env: Readonly<Record<string, string | undefined>>): ResultWatch | undefined {
  if (kind !== 'ccache' || !cache) return undefined;
  const { join } = process.getBuiltinModule('node:path') as typeof PathModule;
  const { tmpdir } = process.getBuiltinModule('node:os') as typeof OsModule;
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'hcl-result-'));
  } catch {
    return undefined;
  }
  const watch = watchCacheCall(kind, cache, env, join(dir, 'stats'))!;
  return {
    env: { ...watch.env, [USER_STATSLOG_VAR]: env[STATSLOG] ?? '' },
    finish() {
      try {
        return watch.finish();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// Under the prefix: the user's own stats log back in place of the launcher's private one.
export function prefixStatsLog(env: Record<string, string | undefined>): void {
  const theirs = env[USER_STATSLOG_VAR];
  if (theirs === undefined) return;
  delete env[USER_STATSLOG_VAR];
  if (theirs === '') delete env[STATSLOG];
  else env[STATSLOG] = theirs;
}

interface Counters {
  requests: number;
  hits: number;
  misses: number;
}

function sccacheCounters(cache: string, env: Readonly<Record<string, string | undefined>>): Counters | undefined {
  const { spawnSync } = process.getBuiltinModule('node:child_process') as typeof ChildProcessModule;
  const r = spawnSync(cache, ['--show-stats', '--stats-format', 'json'], { env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 10_000, windowsHide: true, stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  try {
    const stats = (JSON.parse(r.stdout) as { stats?: Record<string, unknown> }).stats;
    if (!stats || typeof stats.compile_requests !== 'number') return undefined;
    const total = (name: string) => Object.values(((stats[name] as { counts?: object } | undefined)?.counts ?? {}) as Record<string, unknown>).reduce<number>((s, n) => s + (typeof n === 'number' ? n : 0), 0);
    return { requests: stats.compile_requests, hits: total('cache_hits'), misses: total('cache_misses') };
  } catch {
    return undefined;
  }
}

// Appended as the log is (call-log.ts): no link followed, a regular file only, one write.
function appendTo(file: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0), 0o666);
    if (fstatSync(fd).isFile()) writeSync(fd, text);
  } catch {
    // Theirs is best effort: it must not fail the compile.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

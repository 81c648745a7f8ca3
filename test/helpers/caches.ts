import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tools } from './tools.js';

// Private, empty caches per test, read back through the caches' own statistics.

export function ccacheEnv(dir: string): Record<string, string> {
  return { CCACHE_DIR: join(dir, 'ccache'), CCACHE_NOHASHDIR: '1', CCACHE_BASEDIR: dir };
}

export interface CcacheStats {
  hits: number;
  misses: number;
}

export function ccacheStats(env: Record<string, string>): CcacheStats {
  return parseCcacheStats(ccachePrintStats(env));
}

export function ccachePrintStats(env: Record<string, string>): string {
  return execFileSync(tools.ccache, ['--print-stats'], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

// One counter of `ccache --print-stats` output (any ccache 4), wherever it was
// run (the lab's included). preprocessed_cache_miss counts misses on which
// ccache ran the preprocessor (never in depend mode).
export function ccacheCounter(out: string, key: string): number {
  return Number(new RegExp(`^${key}\\t(\\d+)$`, 'm').exec(out)?.[1] ?? 0);
}

// What a cache's statistics gained between two readings.
export function statsSince(before: CcacheStats, after: CcacheStats): CcacheStats {
  return { hits: after.hits - before.hits, misses: after.misses - before.misses };
}

export function parseCcacheStats(out: string): CcacheStats {
  const get = (key: string) => ccacheCounter(out, key);
  return {
    hits: get('direct_cache_hit') + get('preprocessed_cache_hit'),
    misses: get('cache_miss'),
  };
}

// A TCP port on 127.0.0.1 that was free a moment ago: the kernel's pick for a listen on port 0.
export function freePort(): number {
  const script = "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })";
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim());
}

// Each sccache test gets its own server (port) and cache directory, stopped afterwards.
export function sccacheEnv(dir: string, port: number): Record<string, string> {
  return { SCCACHE_DIR: join(dir, 'sccache'), SCCACHE_SERVER_PORT: String(port), SCCACHE_IDLE_TIMEOUT: '120', SCCACHE_LOG: '' };
}

export interface SccacheStats {
  hits: number;
  misses: number;
  // Calls sccache passed to the compiler uncached, and why (e.g. {"-x": 2} for HIP in 0.4).
  notCacheable: number;
  notCachedReasons: Record<string, number>;
  raw: unknown;
}

export function sccacheStats(sccache: string, env: Record<string, string>): SccacheStats {
  return parseSccacheStats(execFileSync(sccache, ['--show-stats', '--stats-format', 'json'], { env: { ...process.env, ...env }, encoding: 'utf8' }));
}

// `sccache --show-stats --stats-format json` output, wherever it was run.
export function parseSccacheStats(out: string): SccacheStats {
  const stats = JSON.parse(out).stats;
  const sum = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
  return {
    hits: sum(stats.cache_hits?.counts),
    misses: sum(stats.cache_misses?.counts),
    notCacheable: stats.requests_not_cacheable ?? 0,
    notCachedReasons: stats.not_cached ?? {},
    raw: stats,
  };
}

export function stopSccache(sccache: string, env: Record<string, string>): void {
  try {
    execFileSync(sccache, ['--stop-server'], { env: { ...process.env, ...env }, stdio: 'ignore' });
  } catch {
    // Not running: nothing to stop.
  }
}

// The host's two sccache programs, named for a test's title.
export const hostSccaches = [
  ['0.10 (HIP-capable)', () => tools.sccacheHip],
  ['0.4 (Debian 12)', () => tools.sccacheDebian],
] as const;

// Each compile's own -cuid from a call log (HIP_CLANG_LAUNCHER_LOG), in order.
// A miss split per arch (the default with ccache) also logs ccache's run of
// the launcher as its prefix_command, with no id of its own: left out.
export function loggedCuids(log: string): string[] {
  return readFileSync(log, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { cuid: string | null }).cuid).filter((id): id is string => id !== null);
}

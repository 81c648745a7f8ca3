import { HclError } from '../errors.js';
import type { CacheKind } from '../launcher/find-cache.js';
import { runProgramOk } from './run-program.js';

// A cache's version and its own statistics, as numbers: ccache's
// `--print-stats` (one "name<TAB>value" a line) and sccache's
// `--show-stats --stats-format json`. Both run through runProgram (execa,
// with a deadline). sccache answers from its server and starts one if none
// runs, as `sccache -s` does.

export interface CacheStatistics {
  kind: 'ccache' | 'sccache';
  file: string;
  version: string | null;
  hits: number;
  misses: number;
  // hits / (hits + misses), null before the first cacheable call.
  hitRate: number | null;
  // Calls the cache passed to the compiler uncached (links, -E, unsupported options or languages).
  notCacheable: number;
  errors: number;
  // Every counter the cache reported, by its own name.
  counters: Record<string, number>;
  // sccache's reasons for calls it did not cache (e.g. {"-x": 2}: sccache 0.4 and HIP).
  notCachedReasons?: Record<string, number>;
}

// ccache's counters behind its own "Uncacheable calls" and "Errors" lines.
const CCACHE_UNCACHEABLE = [
  'autoconf_test',
  'bad_compiler_arguments',
  'called_for_link',
  'called_for_preprocessing',
  'compile_failed',
  'compiler_produced_empty_output',
  'compiler_produced_no_output',
  'compiler_produced_stdout',
  'could_not_use_modules',
  'could_not_use_precompiled_header',
  'multiple_source_files',
  'no_input_file',
  'output_to_stdout',
  'preprocessor_error',
  'unsupported_code_directive',
  'unsupported_compiler_option',
  'unsupported_environment_variable',
  'unsupported_source_language',
];
const CCACHE_ERRORS = ['bad_output_file', 'compiler_check_failed', 'could_not_find_compiler', 'error_hashing_extra_file', 'internal_error', 'missing_cache_file', 'remote_storage_error'];

export async function readCacheVersion(file: string, timeoutMs: number): Promise<string | null> {
  const { stdout } = await runProgramOk(file, ['--version'], { timeoutMs });
  return /\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?/.exec(stdout.split('\n')[0] ?? '')?.[0] ?? null;
}

export async function readCacheStatistics(kind: CacheKind | undefined, file: string, timeoutMs: number): Promise<CacheStatistics> {
  if (kind !== 'ccache' && kind !== 'sccache') {
    throw new HclError('program-failed', `${file} is neither ccache nor sccache: its statistics cannot be read`, 'run its own statistics command');
  }
  const version = await readCacheVersion(file, timeoutMs);
  if (kind === 'ccache') {
    const { stdout } = await runProgramOk(file, ['--print-stats'], { timeoutMs });
    return { kind, file, version, ...parseCcacheStats(stdout) };
  }
  const { stdout } = await runProgramOk(file, ['--show-stats', '--stats-format', 'json'], { timeoutMs });
  return { kind, file, version, ...parseSccacheStats(stdout) };
}

type Numbers = Omit<CacheStatistics, 'kind' | 'file' | 'version'>;

export function parseCcacheStats(text: string): Numbers {
  const counters: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9_]+)\t(\d+)$/.exec(line.trim());
    if (m) counters[m[1]!] = Number(m[2]);
  }
  if (Object.keys(counters).length === 0) throw new HclError('program-failed', 'ccache --print-stats printed no counters', 'use ccache 4.4 or newer');
  const sum = (names: readonly string[]) => names.reduce((total, name) => total + (counters[name] ?? 0), 0);
  const hits = sum(['direct_cache_hit', 'preprocessed_cache_hit']);
  const misses = sum(['cache_miss']);
  return { hits, misses, hitRate: rate(hits, misses), notCacheable: sum(CCACHE_UNCACHEABLE), errors: sum(CCACHE_ERRORS), counters };
}

export function parseSccacheStats(text: string): Numbers {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HclError('program-failed', 'sccache --show-stats --stats-format json did not print JSON', 'use sccache 0.4 or newer');
  }
  const stats = (parsed as { stats?: unknown } | null)?.stats;
  if (typeof stats !== 'object' || stats === null) throw new HclError('program-failed', 'sccache printed JSON without its "stats" object', 'use sccache 0.4 or newer');
  // Top-level numbers as they are; per-language tables ({"counts": {"C/C++": 3}}) as name.language.
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(stats)) {
    if (typeof value === 'number') counters[name] = value;
    const counts = (value as { counts?: unknown } | null)?.counts;
    if (typeof counts === 'object' && counts !== null) {
      for (const [language, n] of Object.entries(counts)) if (typeof n === 'number') counters[`${name}.${language}`] = n;
    }
  }
  const total = (prefix: string) => Object.entries(counters).reduce((sum, [name, n]) => (name.startsWith(`${prefix}.`) ? sum + n : sum), 0);
  const hits = total('cache_hits');
  const misses = total('cache_misses');
  const notCached = (stats as { not_cached?: unknown }).not_cached;
  const notCachedReasons: Record<string, number> = {};
  if (typeof notCached === 'object' && notCached !== null) {
    for (const [reason, n] of Object.entries(notCached)) if (typeof n === 'number') notCachedReasons[reason] = n;
  }
  return {
    hits,
    misses,
    hitRate: rate(hits, misses),
    notCacheable: counters.requests_not_cacheable ?? 0,
    errors: total('cache_errors') + (counters.cache_read_errors ?? 0) + (counters.cache_write_errors ?? 0),
    counters,
    notCachedReasons,
  };
}

function rate(hits: number, misses: number): number | null {
  return hits + misses === 0 ? null : Math.round((hits / (hits + misses)) * 10000) / 10000;
}

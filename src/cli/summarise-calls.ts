// Summarises the opt-in call log (HIP_CLANG_LAUNCHER_LOG, one JSON object a
// line, see src/launcher/call-log.ts) for `stats`. Pure: lines in, numbers
// out. The log is input anyone with write access could have shaped: a line
// that is not a call record is counted and skipped, a field of the wrong type
// is ignored, and the number of distinct names kept per table is bounded.

import { boundedArgs } from '../launcher/call-log.js';

// Every route the launcher writes, in the order `stats` shows them.
export const ROUTES: Record<string, string> = {
  cache: 'through the cache',
  'cache-unavailable': 'the cache could not be started; compiled directly',
  probe: 'a probe (--version, -print-*, ...): straight to the compiler',
  'not-cacheable': 'nothing to cache (a link, -E, ...): straight to the compiler',
  'no-cache': 'no cache found or HIP_CLANG_LAUNCHER_CACHE=none',
  bypass: 'HIP_CLANG_LAUNCHER_BYPASS=1, or a shim reached under an unlisted name',
  nested: 'under another launcher: straight to the compiler',
};

// Routes shown only when the log has them, with what they mean.
export const OTHER_ROUTES: Record<string, string> = {
  split: 'split into parts (per-arch device parts, or the compiles of a compile-and-link call), each through the cache',
  direct: 'compiled directly, uncached, by a HIP rule (a shape a cache mishandles, a hipcc, a split part that failed)',
  'cache-failed': 'the cache started but failed with its own error (its server died); compiled directly',
};

// Beyond this many distinct values in one table the rest are counted as OTHER.
export const MAX_DISTINCT = 200;
export const OTHER = '(other)';

export interface Spread {
  calls: number;
  median: number;
  p90: number;
  max: number;
  mean: number;
}

export interface RuleCount {
  calls: number;
  reasons: Record<string, number>;
}

// One call, as the log names it (older logs lack these fields: null, []).
export interface CallExample {
  cwd: string | null;
  output: string | null;
  args: string[];
  argsOmitted: number;
}

// The calls that did not go through the cache, for one route and reason.
export interface UncachedGroup {
  route: string;
  reason: string;
  calls: number;
  // Their whole-call time (durationMs) added up: the time the cache did not save.
  durationMs: number;
  // The first few such calls.
  examples: CallExample[];
}

// Examples kept per group: enough to find the Makefile rule or the target.
export const MAX_EXAMPLES = 3;

// One kind of split part over the log: how often it ran, and what the cache
// said where it went through one (part-result.ts). `unknown`: through the
// cache, but its answer is not known (sccache, when another compile
// overlapped the part; a log from a version that did not record it).
export interface PartCount {
  runs: number;
  hits: number;
  misses: number;
  notCached: number;
  unknown: number;
  // Not through the cache: a tool step (the driver's bundler), a link, a direct compile.
  uncached: number;
  failed: number;
}

export interface SplitSummary {
  // Calls run as parts (route `split`).
  calls: number;
  // By part: `device <arch>`, `host`, `bundle`, `link`, and the sources of a compile-and-link as one row.
  parts: Record<string, PartCount>;
  // ccache's whole-call entry for a call it would split on a miss.
  wholeCall: { hits: number; misses: number; other: number };
}

// The sources of compile-and-link calls differ per call: one row for them all.
export const SOURCE_PART = 'compile (a source of a compile-and-link)';

export interface CallSummary {
  calls: number;
  malformedLines: number;
  firstTime: string | null;
  lastTime: string | null;
  routes: Record<string, number>;
  routeReasons: Record<string, Record<string, number>>;
  compilers: Record<string, number>;
  languages: Record<string, number>;
  caches: Record<string, number>;
  rules: Record<string, RuleCount>;
  cuidsAdded: number;
  failures: {
    calls: number;
    byExitCode: Record<string, number>;
    bySignal: Record<string, number>;
    byRoute: Record<string, number>;
  };
  // The launcher's own time, process start to hand-over (launcherMs).
  launcherMs: Spread | null;
  // The whole call, compiler included, as the launcher waited for it (durationMs).
  durationMs: (Spread & { total: number }) | null;
  // Every call not handed to a cache, grouped by route and reason, most time first.
  uncached: UncachedGroup[];
  split: SplitSummary;
}

export interface CallSummariser {
  addLine(line: string): void;
  summary(): CallSummary;
}

export function createCallSummariser(): CallSummariser {
  const s: CallSummary = {
    calls: 0,
    malformedLines: 0,
    firstTime: null,
    lastTime: null,
    routes: Object.assign(table<number>(), Object.fromEntries(Object.keys(ROUTES).map((r) => [r, 0]))),
    routeReasons: table(),
    compilers: table(),
    languages: table(),
    caches: table(),
    rules: table(),
    cuidsAdded: 0,
    failures: { calls: 0, byExitCode: table(), bySignal: table(), byRoute: table() },
    launcherMs: null,
    durationMs: null,
    uncached: [],
    split: { calls: 0, parts: table(), wholeCall: { hits: 0, misses: 0, other: 0 } },
  };
  const uncached = new Map<string, UncachedGroup>();
  const launcherMs: number[] = [];
  const durationMs: number[] = [];
  let firstMs = Infinity;
  let lastMs = -Infinity;

  return {
    addLine(line) {
      if (line.trim() === '') return;
      const record = parseRecord(line);
      if (!record) {
        s.malformedLines++;
        return;
      }
      // ccache running the launcher as its prefix (a split call's miss): the call has its
      // own record, the whole call's; this run adds its parts only. ccache runs the prefix
      // a second time when an include file changed during the compile: both runs' parts count.
      if (isPrefixRun(record)) {
        noteSplit(s.split, record);
        return;
      }
      s.calls++;
      const { route } = record;
      count(s.routes, route);
      count(s.compilers, record.compiler);
      if (typeof record.language === 'string') count(s.languages, record.language);
      if (typeof record.cache === 'string') count(s.caches, record.cache);
      if (typeof record.reason === 'string') count((s.routeReasons[boundedKey(s.routeReasons, route)] ??= table()), record.reason);
      if (typeof record.cuid === 'string' && record.cuid !== '') s.cuidsAdded++;
      if (Array.isArray(record.rules)) {
        for (const applied of record.rules) {
          if (!isObject(applied) || typeof applied.rule !== 'string') continue;
          const key = boundedKey(s.rules, applied.rule);
          const entry = (s.rules[key] ??= { calls: 0, reasons: table() });
          entry.calls++;
          if (typeof applied.reason === 'string') count(entry.reasons, applied.reason);
        }
      }
      const signal = typeof record.signal === 'string' && record.signal !== '' ? record.signal : undefined;
      const exitCode = typeof record.exitCode === 'number' ? record.exitCode : undefined;
      if (signal || (exitCode !== undefined && exitCode !== 0)) {
        s.failures.calls++;
        if (signal) count(s.failures.bySignal, signal);
        else count(s.failures.byExitCode, String(exitCode));
        count(s.failures.byRoute, route);
      }
      // A split call's parts went through the cache (their own rows in split.parts).
      if (route !== 'cache' && route !== 'split') noteUncached(uncached, record);
      noteSplit(s.split, record);
      if (isDuration(record.launcherMs)) launcherMs.push(record.launcherMs);
      if (isDuration(record.durationMs)) durationMs.push(record.durationMs);
      if (typeof record.time === 'string') {
        const ms = Date.parse(record.time);
        if (!Number.isNaN(ms)) {
          if (ms < firstMs) [firstMs, s.firstTime] = [ms, record.time];
          if (ms > lastMs) [lastMs, s.lastTime] = [ms, record.time];
        }
      }
    },
    summary() {
      const duration = spread(durationMs);
      return {
        ...s,
        launcherMs: spread(launcherMs),
        durationMs: duration && { ...duration, total: round(durationMs.reduce((a, b) => a + b, 0)) },
        uncached: [...uncached.values()].map((g) => ({ ...g, durationMs: round(g.durationMs) })).sort((a, b) => b.durationMs - a.durationMs || b.calls - a.calls),
      };
    },
  };
}

function noteSplit(split: SplitSummary, record: RawRecord): void {
  const result = record.cacheResult;
  if (result === 'hit') split.wholeCall.hits++;
  else if (result === 'miss') split.wholeCall.misses++;
  else if (typeof result === 'string') split.wholeCall.other++;
  if (record.route !== 'split' || !Array.isArray(record.parts)) return;
  split.calls++;
  for (const part of record.parts) {
    if (!isObject(part) || typeof part.name !== 'string') continue;
    const name = part.name.startsWith('compile ') ? SOURCE_PART : part.name;
    const key = boundedKey(split.parts, name);
    const c = (split.parts[key] ??= { runs: 0, hits: 0, misses: 0, notCached: 0, unknown: 0, uncached: 0, failed: 0 });
    c.runs++;
    if (part.exitCode !== 0) c.failed++;
    if (part.route !== 'cache') c.uncached++;
    else if (part.cacheResult === 'hit') c.hits++;
    else if (part.cacheResult === 'miss') c.misses++;
    else if (part.cacheResult === 'not-cached') c.notCached++;
    else c.unknown++;
  }
}

// Logs before the `ccachePrefix` field say it in the reason (run-parts.ts: planAfterSplit, planUnderPrefix).
const PREFIX_REASONS = ["(ccache's whole-call entry missed)", 'for ccache, which stores it'];
function isPrefixRun(record: RawRecord): boolean {
  if (record.ccachePrefix === true) return true;
  const reason = typeof record.reason === 'string' ? record.reason : '';
  return reason.startsWith("ccache's prefix_command: ") || PREFIX_REASONS.some((r) => reason.includes(r));
}

// The parts in the order a reader looks for them: device parts by arch, then the host, the rest.
export function partRows(split: SplitSummary): [string, PartCount][] {
  const rank = (name: string) => (name.startsWith('device ') ? 0 : name === 'host' ? 1 : name === 'bundle' ? 2 : 3);
  return Object.entries(split.parts).sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0], 'en', { numeric: true }));
}

// Groups are bounded like the tables: past MAX_DISTINCT, the rest go under OTHER.
function noteUncached(groups: Map<string, UncachedGroup>, record: RawRecord): void {
  const reason = typeof record.reason === 'string' ? record.reason : '';
  let key = `${record.route}\0${reason}`;
  if (!groups.has(key) && groups.size >= MAX_DISTINCT) key = OTHER;
  let group = groups.get(key);
  if (!group) {
    group = key === OTHER ? { route: OTHER, reason: OTHER, calls: 0, durationMs: 0, examples: [] } : { route: record.route, reason, calls: 0, durationMs: 0, examples: [] };
    groups.set(key, group);
  }
  group.calls++;
  if (isDuration(record.durationMs)) group.durationMs += record.durationMs;
  if (group.examples.length < MAX_EXAMPLES) group.examples.push(exampleOf(record));
}

function exampleOf(record: RawRecord): CallExample {
  // Re-bounded: the log is input, and a planted line may carry anything.
  const given = Array.isArray(record.args) ? record.args.filter((a): a is string => typeof a === 'string') : [];
  const { args, argsOmitted = 0 } = boundedArgs(given);
  const omitted = typeof record.argsOmitted === 'number' && Number.isSafeInteger(record.argsOmitted) && record.argsOmitted > 0 ? record.argsOmitted : 0;
  return {
    cwd: typeof record.cwd === 'string' ? record.cwd.slice(0, 4096) : null,
    output: typeof record.output === 'string' ? record.output.slice(0, 4096) : null,
    args,
    argsOmitted: argsOmitted + omitted,
  };
}

interface RawRecord {
  route: string;
  compiler: string;
  [field: string]: unknown;
}

function parseRecord(line: string): RawRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.route !== 'string' || value.route === '' || typeof value.compiler !== 'string') return undefined;
  return value as RawRecord;
}

// Names come from the log: a table without a prototype takes `__proto__` as just another name.
function table<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

// A table keeps at most MAX_DISTINCT names; a log with more (hostile, or a
// build that names every compiler differently) adds the rest up under OTHER.
function boundedKey(table: Record<string, unknown>, key: string): string {
  return Object.hasOwn(table, key) || Object.keys(table).length < MAX_DISTINCT ? key : OTHER;
}

function count(table: Record<string, number>, key: string): void {
  const k = boundedKey(table, key);
  table[k] = (table[k] ?? 0) + 1;
}

function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    calls: sorted.length,
    median: round(at(0.5)),
    p90: round(at(0.9)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

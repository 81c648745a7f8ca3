import type { CommandModule } from 'yargs';
import { formatError, HclError } from '../../errors.js';
import { createHost } from '../../host.js';
import { CACHE_VAR, LOG_VAR, SPLIT_VAR } from '../../launcher/env-vars.js';
import { cacheKindOf, chooseCache } from '../../launcher/find-cache.js';
import { readCacheStatistics, type CacheStatistics } from '../cache-stats.js';
import { printableJson, printableText, printableValue as shown } from '../printable.js';
import { readCallLog } from '../read-call-log.js';
import { OTHER_ROUTES, partRows, ROUTES, type CallExample, type CallSummary, type SplitSummary, type Spread } from '../summarise-calls.js';

interface Args {
  json: boolean;
  log?: string;
  timeout: number;
}

export type CacheReport = (CacheStatistics & { error?: undefined }) | { file: string | null; kind: string | null; error: string };

export interface StatsReport {
  log: string | null;
  calls: CallSummary | null;
  // The caches the logged calls went through (most used first); with no such
  // call, the cache a HIP compile would use now. Empty: no cache at all.
  caches: CacheReport[];
}

// What the launcher did over a build (from the call log) and what the cache
// it would use now says about itself. Every name and reason comes from a log
// or a program's output: each is printed escaped (printable.ts).
export const statsCommand: CommandModule<object, Args> = {
  command: 'stats',
  describe: `summarise the call log (${LOG_VAR}) and show the cache's own statistics`,
  builder: (y) =>
    y
      .option('log', { type: 'string', describe: `the call log to read (default: $${LOG_VAR})` })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .option('timeout', { type: 'number', default: 30, describe: 'seconds to wait for the cache to answer' }),
  handler: async (args) => {
    if (!(args.timeout > 0)) throw new HclError('usage', `--timeout ${args.timeout} is not a number of seconds`, 'give a positive number, e.g. --timeout 30');
    const given = args.log ?? process.env[LOG_VAR];
    const log = given === undefined || given === '' ? null : given;
    // The log is read first: a bad --log is the user's error and stops here.
    const calls = log === null ? null : readCallLog(log);
    const report: StatsReport = { log, calls, caches: await cacheReports(calls, args.timeout * 1000) };
    if (args.json) console.log(printableJson(report));
    else process.stdout.write(renderStats(report));
    for (const cache of report.caches) {
      if (cache.error) process.stderr.write(`hip-clang-launcher: warning: no cache statistics: ${shown(cache.error)}\n`);
    }
  },
};

// The counters that describe the logged build are those of the caches its
// calls went through (a HIP build may use ccache while C/C++ would use
// another sccache); without such calls, those of the cache HIP would use now.
async function cacheReports(calls: CallSummary | null, timeoutMs: number): Promise<CacheReport[]> {
  const host = createHost();
  const read = async (file: string, kind: string | undefined): Promise<CacheReport> => {
    try {
      return await readCacheStatistics(kind as CacheStatistics['kind'] | undefined, file, timeoutMs);
    } catch (error) {
      return { file, kind: kind ?? null, error: oneLine(error) };
    }
  };
  const used = Object.entries(calls?.caches ?? {}).sort((a, b) => b[1] - a[1]).map(([file]) => file);
  if (used.length > 0) return Promise.all(used.map((file) => read(file, cacheKindOf(file, host.platform))));
  let choice;
  try {
    choice = chooseCache(host, false, 'hip');
  } catch (error) {
    return [{ file: null, kind: null, error: oneLine(error) }];
  }
  return choice.file ? [await read(choice.file, choice.kind)] : [];
}

function oneLine(error: unknown): string {
  return formatError(error).replace(/^hip-clang-launcher: error: /, '');
}

export function renderStats(report: StatsReport): string {
  const out: string[] = [];
  const { calls } = report;
  if (report.log === null) {
    out.push(`call log: none (set ${LOG_VAR}=<file> for a build, or pass --log <file>)`);
  } else if (calls) {
    const span = calls.firstTime ? `, ${shown(calls.firstTime)} to ${shown(calls.lastTime ?? '')}` : '';
    out.push(`call log: ${shown(report.log)} (${calls.calls} call(s)${span})`);
    if (calls.malformedLines > 0) out.push(`  ${calls.malformedLines} line(s) were not call records and were skipped`);
    out.push('routes:');
    const width = Math.max(...Object.keys(calls.routes).map((r) => shown(r).length));
    for (const [route, n] of Object.entries(calls.routes)) {
      out.push(`  ${shown(route).padEnd(width)} ${String(n).padStart(7)}  ${percent(n, calls.calls)}  ${ROUTES[route] ?? OTHER_ROUTES[route] ?? 'a route this version does not know'}`);
      for (const [reason, m] of sorted(calls.routeReasons[route] ?? {})) out.push(`  ${''.padEnd(width)} ${String(m).padStart(7)}    because ${reason}`);
    }
    table(out, 'compilers', calls.compilers);
    table(out, 'languages', calls.languages);
    table(out, 'caches used', calls.caches);
    const rules = Object.entries(calls.rules).sort((a, b) => b[1].calls - a[1].calls);
    if (rules.length > 0 || calls.cuidsAdded > 0) {
      out.push('HIP rules applied:');
      for (const [rule, { calls: n, reasons }] of rules) {
        out.push(`  ${String(n).padStart(7)}  ${shown(rule)}`);
        for (const [reason, m] of sorted(reasons)) out.push(`  ${String(m).padStart(7)}    ${reason}`);
      }
      if (calls.cuidsAdded > 0) out.push(`  ${String(calls.cuidsAdded).padStart(7)}  call(s) given a -cuid`);
    }
    const f = calls.failures;
    const how = [...sorted(f.byExitCode).map(([code, n]) => `exit ${code}: ${n}`), ...sorted(f.bySignal).map(([signal, n]) => `${signal}: ${n}`)];
    out.push(`failures: ${f.calls}${how.length ? ` (${how.join(', ')}; by route: ${sorted(f.byRoute).map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`);
    splitLines(out, calls.split);
    uncachedLines(out, calls);
    out.push(`launcher time per call: ${spreadText(calls.launcherMs, 'ms')}`);
    out.push(`whole call, compiler included: ${calls.durationMs ? `${spreadText(calls.durationMs, 'ms')}; total ${(calls.durationMs.total / 1000).toFixed(1)} s` : '-'}`);
  }
  if (report.caches.length === 0) out.push(`cache: none (compiles run directly; see \`hip-clang-launcher which-cache\`)`);
  for (const cache of report.caches) out.push(...cacheLines(cache));
  return printableText(`${out.join('\n')}\n`);
}

// The split's parts by arch: what the cache answered each (part-result.ts).
function splitLines(out: string[], split: SplitSummary): void {
  const whole = split.wholeCall;
  if (split.calls === 0 && whole.hits + whole.misses + whole.other === 0) return;
  out.push(`split calls (${SPLIT_VAR}): ${split.calls} run as parts`);
  if (whole.hits + whole.misses + whole.other > 0) {
    out.push(`  ccache's whole-call entry first: ${whole.hits} hit(s), ${whole.misses} missed and split${whole.other ? `, ${whole.other} not known or not cached` : ''}`);
  }
  const rows = partRows(split);
  if (rows.length === 0) return;
  const width = Math.max(4, ...rows.map(([name]) => shown(name).length));
  out.push(`  ${'part'.padEnd(width)}    runs    hits  misses unknown`);
  let unknown = false;
  for (const [name, c] of rows) {
    const cached = c.runs - c.uncached;
    const notes = [c.uncached ? `${c.uncached} not through a cache${name === 'bundle' ? ' (the driver\'s bundler)' : name.startsWith('link ') ? ' (the driver\'s device link)' : ''}` : '', c.notCached ? `${c.notCached} not cached by the cache` : '', c.failed ? `${c.failed} failed` : ''].filter(Boolean);
    const cell = (n: number) => String(cached ? n : '-').padStart(7);
    out.push(`  ${shown(name).padEnd(width)} ${String(c.runs).padStart(7)} ${cell(c.hits)} ${cell(c.misses)} ${cell(c.unknown)}${notes.length ? `  ${notes.join(', ')}` : ''}`);
    unknown ||= c.unknown > 0;
  }
  if (unknown) out.push('  unknown: through the cache, answer not known (sccache tells no caller whether its call hit: its counters decide, and another compile in between, a parallel build, leaves it unknown; or a log written without it)');
}

// Where a build's time is not being saved: the calls that bypassed the cache, most time first, each group with a few of its calls.
function uncachedLines(out: string[], calls: CallSummary): void {
  if (calls.uncached.length === 0) return;
  out.push('calls not through a cache, by reason (most time first):');
  for (const g of calls.uncached) {
    out.push(`  ${String(g.calls).padStart(7)} call(s) ${(g.durationMs / 1000).toFixed(1).padStart(7)} s  ${shown(g.route)}: ${shown(g.reason)}`);
    for (const e of g.examples) out.push(`  ${''.padStart(7)}   e.g. ${exampleText(e)}`);
  }
}

// One call in a line: where it ran, what it wrote, and its command line (shortened for the terminal; --json has it as logged).
export const EXAMPLE_CHARS = 240;
function exampleText(e: CallExample): string {
  const args = e.args.map((a) => (a === '' || /[\s"'\\$`]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  const more = e.argsOmitted > 0 ? ` ... (+${e.argsOmitted} more)` : '';
  // Each value from the log escaped on its own: a newline in one must not start a line of its own.
  const line = `in ${shown(e.cwd ?? '?')}: -o ${shown(e.output ?? '(none)')}: ${shown(args)}${more}`;
  return line.length > EXAMPLE_CHARS ? `${line.slice(0, EXAMPLE_CHARS - 3)}...` : line;
}

function cacheLines(cache: CacheReport): string[] {
  if (cache.error !== undefined) return [`cache: ${shown(cache.file ?? `(${CACHE_VAR})`)}: statistics unavailable: ${shown(cache.error)}`];
  const lines = [
    `cache: ${cache.kind} ${shown(cache.version ?? '(version unknown)')} (${shown(cache.file)})`,
    `  hits ${cache.hits}, misses ${cache.misses}, hit rate ${cache.hitRate === null ? '-' : `${(cache.hitRate * 100).toFixed(1)}%`}, not cacheable ${cache.notCacheable}, errors ${cache.errors}`,
  ];
  const reasons = sorted(cache.notCachedReasons ?? {});
  if (reasons.length) lines.push(`  not cached because: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  return lines;
}

function table(out: string[], title: string, counts: Record<string, number>): void {
  const rows = sorted(counts);
  if (rows.length === 0) return;
  out.push(`${title}:`);
  for (const [name, n] of rows) out.push(`  ${String(n).padStart(7)}  ${name}`);
}

// For display only: names come from the log, so each is escaped.
function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name, n]) => [shown(name), n]);
}

function percent(n: number, total: number): string {
  return total === 0 ? '     -' : `${((n / total) * 100).toFixed(1).padStart(5)}%`;
}

function spreadText(s: Spread | null, unit: string): string {
  return s ? `median ${s.median} ${unit}, p90 ${s.p90} ${unit}, max ${s.max} ${unit} (${s.calls} call(s))` : '- (not in this log)';
}

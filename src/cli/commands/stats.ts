import type { CommandModule } from 'yargs';
import { formatError, HclError } from '../../errors.js';
import { createHost } from '../../host.js';
import { CACHE_VAR, LOG_VAR } from '../../launcher/env-vars.js';
import { chooseCache } from '../../launcher/find-cache.js';
import { readCacheStatistics, type CacheStatistics } from '../cache-stats.js';
import { readCallLog } from '../read-call-log.js';
import { OTHER_ROUTES, ROUTES, type CallSummary, type Spread } from '../summarise-calls.js';

interface Args {
  json: boolean;
  log?: string;
  timeout: number;
}

export interface StatsReport {
  log: string | null;
  calls: CallSummary | null;
  cache: (CacheStatistics & { error?: undefined }) | { file: string | null; kind: string | null; error: string } | null;
}

// What the launcher did over a build (from the call log) and what the cache
// it would use now says about itself.
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
    const report: StatsReport = { log, calls, cache: await cacheReport(args.timeout * 1000) };
    if (args.json) console.log(JSON.stringify(report, null, 2));
    else process.stdout.write(renderStats(report));
    if (report.cache?.error) process.stderr.write(`hip-clang-launcher: warning: no cache statistics: ${report.cache.error}\n`);
  },
};

async function cacheReport(timeoutMs: number): Promise<StatsReport['cache']> {
  let choice;
  try {
    choice = chooseCache(createHost());
  } catch (error) {
    return { file: null, kind: null, error: oneLine(error) };
  }
  if (!choice.file) return null;
  try {
    return await readCacheStatistics(choice.kind, choice.file, timeoutMs);
  } catch (error) {
    return { file: choice.file, kind: choice.kind ?? null, error: oneLine(error) };
  }
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
    const span = calls.firstTime ? `, ${calls.firstTime} to ${calls.lastTime}` : '';
    out.push(`call log: ${report.log} (${calls.calls} call(s)${span})`);
    if (calls.malformedLines > 0) out.push(`  ${calls.malformedLines} line(s) were not call records and were skipped`);
    out.push('routes:');
    const width = Math.max(...Object.keys(calls.routes).map((r) => r.length));
    for (const [route, n] of Object.entries(calls.routes)) {
      out.push(`  ${route.padEnd(width)} ${String(n).padStart(7)}  ${percent(n, calls.calls)}  ${ROUTES[route] ?? OTHER_ROUTES[route] ?? 'a route this version does not know'}`);
      for (const [reason, m] of sorted(calls.routeReasons[route] ?? {})) out.push(`  ${''.padEnd(width)} ${String(m).padStart(7)}    because ${reason}`);
    }
    table(out, 'compilers', calls.compilers);
    table(out, 'languages', calls.languages);
    table(out, 'caches used', calls.caches);
    const rules = Object.entries(calls.rules).sort((a, b) => b[1].calls - a[1].calls);
    if (rules.length > 0 || calls.cuidsAdded > 0) {
      out.push('HIP rules applied:');
      for (const [rule, { calls: n, reasons }] of rules) {
        out.push(`  ${String(n).padStart(7)}  ${rule}`);
        for (const [reason, m] of sorted(reasons)) out.push(`  ${String(m).padStart(7)}    ${reason}`);
      }
      if (calls.cuidsAdded > 0) out.push(`  ${String(calls.cuidsAdded).padStart(7)}  call(s) given a -cuid`);
    }
    const f = calls.failures;
    const how = [...sorted(f.byExitCode).map(([code, n]) => `exit ${code}: ${n}`), ...sorted(f.bySignal).map(([signal, n]) => `${signal}: ${n}`)];
    out.push(`failures: ${f.calls}${how.length ? ` (${how.join(', ')}; by route: ${sorted(f.byRoute).map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`);
    out.push(`launcher time per call: ${spreadText(calls.launcherMs, 'ms')}`);
    out.push(`whole call, compiler included: ${calls.durationMs ? `${spreadText(calls.durationMs, 'ms')}; total ${(calls.durationMs.total / 1000).toFixed(1)} s` : '-'}`);
  }
  out.push(...cacheLines(report.cache));
  return `${out.join('\n')}\n`;
}

function cacheLines(cache: StatsReport['cache']): string[] {
  if (cache === null) return [`cache: none (compiles run directly; see \`hip-clang-launcher which-cache\`)`];
  if (cache.error !== undefined) return [`cache: ${cache.file ?? `(${CACHE_VAR})`}: statistics unavailable: ${cache.error}`];
  const lines = [
    `cache: ${cache.kind} ${cache.version ?? '(version unknown)'} (${cache.file})`,
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

function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function percent(n: number, total: number): string {
  return total === 0 ? '     -' : `${((n / total) * 100).toFixed(1).padStart(5)}%`;
}

function spreadText(s: Spread | null, unit: string): string {
  return s ? `median ${s.median} ${unit}, p90 ${s.p90} ${unit}, max ${s.max} ${unit} (${s.calls} call(s))` : '- (not in this log)';
}

import { describe, expect, it } from 'vitest';
import { createCallSummariser, MAX_DISTINCT, MAX_EXAMPLES, OTHER, partRows, ROUTES, SOURCE_PART } from '../../src/cli/summarise-calls.js';
import { MAX_ARGS_CHARS } from '../../src/launcher/call-log.js';

const record = (fields: Record<string, unknown>) =>
  JSON.stringify({ time: '2026-12-02T10:00:00.000Z', pid: 1, compiler: '/usr/bin/clang++-15', cache: '/usr/bin/ccache', route: 'cache', exitCode: 0, signal: null, durationMs: 10, launcherMs: 20, ...fields });

const summarise = (lines: string[]) => {
  const s = createCallSummariser();
  for (const line of lines) s.addLine(line);
  return s.summary();
};

// The pure summary behind `stats`: what it counts, and what it refuses to be fooled by.
describe('summarising the call log', () => {
  it('counts routes (every known one shown), compilers, caches, failures and the launcher time', () => {
    const s = summarise([
      record({ launcherMs: 10 }),
      record({ launcherMs: 30, time: '2026-12-02T09:00:00.000Z' }),
      record({ route: 'probe', cache: null, launcherMs: 20 }),
      record({ route: 'cache-unavailable', cache: null, exitCode: 1, compiler: '/opt/rocm/llvm/bin/clang' }),
      record({ route: 'not-cacheable', cache: null, exitCode: null, signal: 'SIGKILL', durationMs: 1000 }),
      '',
    ]);
    expect(s.calls).toBe(5);
    expect(s.malformedLines).toBe(0);
    expect(Object.keys(s.routes)).toEqual(Object.keys(ROUTES));
    expect(s.routes).toMatchObject({ cache: 2, probe: 1, 'cache-unavailable': 1, 'not-cacheable': 1, bypass: 0, nested: 0, 'no-cache': 0 });
    expect(s.compilers).toEqual({ '/usr/bin/clang++-15': 4, '/opt/rocm/llvm/bin/clang': 1 });
    expect(s.caches).toEqual({ '/usr/bin/ccache': 2 });
    expect(s.failures).toEqual({ calls: 2, byExitCode: { 1: 1 }, bySignal: { SIGKILL: 1 }, byRoute: { 'cache-unavailable': 1, 'not-cacheable': 1 } });
    expect(s.launcherMs).toEqual({ calls: 5, median: 20, p90: 30, max: 30, mean: 20 });
    expect(s.durationMs).toMatchObject({ calls: 5, max: 1000, total: 1040 });
    expect([s.firstTime, s.lastTime]).toEqual(['2026-12-02T09:00:00.000Z', '2026-12-02T10:00:00.000Z']);
  });

  it('counts the split\'s parts by name and cache answer, ignores parts of the wrong shape, and leaves split calls out of the uncached groups', () => {
    const part = (name: unknown, route: string, cacheResult?: unknown, exitCode: unknown = 0) => ({ name, route, cacheResult, exitCode, durationMs: 1 });
    const s = summarise([
      record({ route: 'split', parts: [part('device gfx1030', 'cache', 'miss'), part('device gfx90a', 'cache', 'hit'), part('bundle', 'tool'), part('host', 'cache', 'miss')] }),
      record({ route: 'split', parts: [part('device gfx90a', 'cache', 'unknown'), part('host', 'cache'), part(42, 'cache', 'hit'), 'not a part', null, part('__proto__', 'cache', 'hit', 1)] }),
      record({ route: 'split', parts: [part('compile a.cpp', 'cache', 'not-cached'), part('compile b.hip', 'cache', 'hit'), part('link', 'not-cacheable')] }),
      record({ cacheResult: 'hit' }),
      record({ cacheResult: 'miss' }),
      record({ cacheResult: 'bogus' }),
      record({ route: 'split', parts: 'not a list' }),
    ]);
    expect(s.split.calls).toBe(3);
    expect(s.split.wholeCall).toEqual({ hits: 1, misses: 1, other: 1 });
    const row = (runs: number, hits: number, misses: number, unknown = 0, rest: Partial<Record<'notCached' | 'uncached' | 'failed', number>> = {}) => ({ runs, hits, misses, unknown, notCached: 0, uncached: 0, failed: 0, ...rest });
    expect(Object.fromEntries(partRows(s.split))).toEqual({
      'device gfx90a': row(2, 1, 0, 1),
      'device gfx1030': row(1, 0, 1),
      host: row(2, 0, 1, 1),
      bundle: row(1, 0, 0, 0, { uncached: 1 }),
      [SOURCE_PART]: row(2, 1, 0, 0, { notCached: 1 }),
      link: row(1, 0, 0, 0, { uncached: 1 }),
      ['__proto__']: row(1, 1, 0, 0, { failed: 1 }),
    });
    // Device parts first, by arch as a person counts (gfx90a before gfx1030), then the host, the bundler, the rest.
    expect(partRows(s.split).map(([name]) => name).slice(0, 4)).toEqual(['device gfx90a', 'device gfx1030', 'host', 'bundle']);
    expect(s.uncached.filter((g) => g.route === 'split')).toEqual([]);
  });

  it('counts a ccache split miss once: the prefix run (ccachePrefix, or by its reason in older logs) adds its parts only', () => {
    const part = (name: string, cacheResult: string) => ({ name, route: 'cache', cacheResult, exitCode: 0, durationMs: 1 });
    const s = summarise([
      record({ cacheResult: 'miss', reason: "ccache; split per arch only if the whole call misses (ccache prefix_command)", durationMs: 100 }),
      record({ route: 'split', ccachePrefix: true, reason: "ccache; split into 4 parts (ccache's whole-call entry missed)", parts: [part('device gfx90a', 'miss'), part('host', 'miss')] }),
      // An older log: no ccachePrefix field, the reason says it.
      record({ cacheResult: 'not-cached' }),
      record({ route: 'split', reason: "ccache; split into 4 parts (ccache's whole-call entry missed)", parts: [part('device gfx90a', 'hit'), part('host', 'miss')] }),
      record({ route: 'direct', reason: "ccache's prefix_command: not split; compiled directly for ccache", exitCode: 0 }),
      record({ route: 'direct', reason: 'split failed (part host exited 1): the whole call ran uncached for ccache, which stores it', exitCode: 1 }),
    ]);
    expect(s.calls).toBe(2);
    expect(s.routes).toMatchObject({ cache: 2 });
    expect(s.routes.split ?? 0).toBe(0);
    expect(s.failures.calls).toBe(0);
    expect(s.uncached).toEqual([]);
    expect(s.durationMs).toMatchObject({ calls: 2 });
    expect(s.split.calls).toBe(2);
    expect(s.split.parts['device gfx90a']).toMatchObject({ runs: 2, hits: 1, misses: 1 });
    expect(s.split.wholeCall).toEqual({ hits: 0, misses: 1, other: 1 });
  });

  it('summarises the HIP rules, languages, added cuids and route reasons when the records carry them', () => {
    const rules = [
      { rule: 'cuid', reason: 'a HIP compile to an object without -cuid' },
      { rule: 'device-only-depfile', reason: 'sccache fails a device-only compile with -MD' },
    ];
    const s = summarise([
      record({ language: 'hip', rules, cuid: '0123456789abcdef', reason: 'a HIP compile' }),
      record({ language: 'hip', rules: rules.slice(0, 1), cuid: 'fedcba9876543210', reason: 'a HIP compile' }),
      record({ language: 'c++', rules: [], route: 'not-cacheable', reason: 'a link' }),
      // An older record: none of the newer fields; still a call.
      JSON.stringify({ time: '2026-12-02T10:00:00.000Z', pid: 2, compiler: 'clang', cache: null, route: 'probe', exitCode: 0, signal: null, durationMs: 1 }),
    ]);
    expect(s.calls).toBe(4);
    expect(s.languages).toEqual({ hip: 2, 'c++': 1 });
    expect(s.cuidsAdded).toBe(2);
    expect(s.rules).toEqual({
      cuid: { calls: 2, reasons: { 'a HIP compile to an object without -cuid': 2 } },
      'device-only-depfile': { calls: 1, reasons: { 'sccache fails a device-only compile with -MD': 1 } },
    });
    expect(s.routeReasons).toEqual({ cache: { 'a HIP compile': 2 }, 'not-cacheable': { 'a link': 1 } });
    expect(s.launcherMs?.calls).toBe(3);
  });

  it('groups uncached calls by route and reason with their time and a bounded set of examples; cached calls are not listed', () => {
    const link = (i: number, extra: Record<string, unknown> = {}) =>
      record({ route: 'not-cacheable', reason: 'a link call', durationMs: 100, cwd: `/w/${i}`, output: `prog${i}`, args: [`m${i}.o`, '-o', `prog${i}`], ...extra });
    const s = summarise([
      ...Array.from({ length: MAX_EXAMPLES + 2 }, (_, i) => link(i)),
      record({ route: 'probe', reason: 'a probe', durationMs: 5, args: ['--version'], cwd: '/w', output: null }),
      record({ route: 'cache', cwd: '/w', output: 'a.o', args: ['-c', 'a.cpp'] }),
      // An older record without the new fields, and one whose fields have the wrong shape or size.
      JSON.stringify({ compiler: 'clang', route: 'bypass', reason: 'old', durationMs: 1 }),
      record({ route: 'bypass', reason: 'odd', durationMs: 2, cwd: 7, output: ['x'], args: ['a', 3, 'y'.repeat(10_000), ...Array.from({ length: 1000 }, () => 'z'.repeat(100))], argsOmitted: -4 }),
    ]);
    expect(s.uncached.map((g) => [g.route, g.reason, g.calls, g.durationMs])).toEqual([
      ['not-cacheable', 'a link call', MAX_EXAMPLES + 2, 100 * (MAX_EXAMPLES + 2)],
      ['probe', 'a probe', 1, 5],
      ['bypass', 'odd', 1, 2],
      ['bypass', 'old', 1, 1],
    ]);
    expect(s.uncached[0]!.examples).toHaveLength(MAX_EXAMPLES);
    expect(s.uncached[0]!.examples[0]).toEqual({ cwd: '/w/0', output: 'prog0', args: ['m0.o', '-o', 'prog0'], argsOmitted: 0 });
    expect(s.uncached[3]!.examples[0]).toEqual({ cwd: null, output: null, args: [], argsOmitted: 0 });
    const odd = s.uncached[2]!.examples[0]!;
    expect([odd.cwd, odd.output]).toEqual([null, null]);
    expect(odd.args.join('').length).toBeLessThanOrEqual(MAX_ARGS_CHARS + 3);
    expect(odd.args[0]).toBe('a');
    // The 1002 strings (the number is not one): the start kept, the rest counted.
    expect(odd.args.length + odd.argsOmitted).toBe(1002);
  });

  it('keeps at most MAX_DISTINCT uncached groups, the rest under OTHER', () => {
    const s = summarise(Array.from({ length: MAX_DISTINCT + 5 }, (_, i) => record({ route: 'not-cacheable', reason: `reason ${i}` })));
    expect(s.uncached).toHaveLength(MAX_DISTINCT + 1);
    expect(s.uncached.find((g) => g.route === OTHER)?.calls).toBe(5);
  });

  it('skips and counts lines that are not call records, and ignores fields of the wrong type', () => {
    const s = summarise([
      'not json',
      '{"route": "cache"',
      '[1, 2]',
      'null',
      '42',
      JSON.stringify({ route: 'cache' }),
      JSON.stringify({ route: '', compiler: 'x' }),
      JSON.stringify({ route: 7, compiler: 'x' }),
      record({ launcherMs: 'fast', durationMs: -5, exitCode: '1', signal: 9, rules: 'cuid', language: 3, cuid: 5, time: 'yesterday' }),
      record({ rules: [null, 'x', { rule: 3 }, { rule: 'ok', reason: 4 }] }),
    ]);
    expect(s.malformedLines).toBe(8);
    expect(s.calls).toBe(2);
    expect(s.launcherMs?.calls).toBe(1);
    expect(s.durationMs?.calls).toBe(1);
    expect(s.failures.calls).toBe(0);
    expect(s.languages).toEqual({});
    expect(s.cuidsAdded).toBe(0);
    expect(s.rules).toEqual({ ok: { calls: 1, reasons: {} } });
    expect(s.firstTime).toBe('2026-12-02T10:00:00.000Z');
  });

  it('takes __proto__ and friends from a hostile log as plain names', () => {
    const s = summarise([record({ route: '__proto__', compiler: 'constructor', rules: [{ rule: '__proto__', reason: 'toString' }] })]);
    expect(s.routes['__proto__']).toBe(1);
    expect(s.compilers['constructor']).toBe(1);
    expect(s.rules['__proto__']).toEqual({ calls: 1, reasons: { toString: 1 } });
    expect(JSON.parse(JSON.stringify(s)).routes.__proto__).toBe(1);
  });

  it(`keeps at most ${MAX_DISTINCT} names per table and adds the rest up under ${OTHER}`, () => {
    const s = summarise(Array.from({ length: MAX_DISTINCT + 50 }, (_, i) => record({ compiler: `/bin/cc-${i}` })));
    expect(Object.keys(s.compilers)).toHaveLength(MAX_DISTINCT + 1);
    expect(s.compilers[OTHER]).toBe(50);
    expect(s.calls).toBe(MAX_DISTINCT + 50);
  });

  it('an empty log is zero calls and no spreads', () => {
    const s = summarise([]);
    expect(s).toMatchObject({ calls: 0, malformedLines: 0, launcherMs: null, durationMs: null, firstTime: null });
  });
});

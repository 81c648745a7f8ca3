import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv } from '../helpers/caches.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { tools } from '../helpers/tools.js';

// The log names each call (working directory, output, bounded command line),
// so `stats` can say which calls went uncached and why, grouped, with the
// time they took: where a build's time is not being saved. A small real
// build through the built launcher and ccache: compiles, a link of objects,
// a preprocessing call and a probe.
describe('stats lists the calls that went uncached, by reason (built executable)', () => {
  let dir: string;
  let log: string;
  let env: NodeJS.ProcessEnv;
  const manyDefines = Array.from({ length: 400 }, (_, i) => `-DLONG_DEFINE_NUMBER_${i}=${'x'.repeat(40)}`);

  beforeAll(() => {
    dir = makeTempDir('hcl-uncached-');
    log = join(dir, 'calls.jsonl');
    writeFileSync(join(dir, 'main.cpp'), 'int f();\nint main() { return f(); }\n');
    writeFileSync(join(dir, 'f.cpp'), 'int f() { return 0; }\n');
    env = cleanEnv({ ...ccacheEnv(dir), HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_LOG: log });
    for (const name of ['main', 'f']) expect(runLauncher([tools.clangxx, '-c', `${name}.cpp`, '-o', `${name}.o`], { env, cwd: dir }).status).toBe(0);
    expect(runLauncher([tools.clangxx, 'main.o', 'f.o', '-o', 'prog'], { env, cwd: dir }).status).toBe(0);
    expect(runLauncher([tools.clangxx, ...manyDefines, '-E', 'f.cpp', '-o', 'f.i'], { env, cwd: dir }).status).toBe(0);
    expect(runLauncher([tools.clangxx, '--version'], { env, cwd: dir }).status).toBe(0);
  }, 120_000);

  it('records the working directory, the output and the command line of each call; a long one bounded', () => {
    const records = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => [r.route, r.cwd, r.output])).toEqual([
      ['cache', dir, 'main.o'],
      ['cache', dir, 'f.o'],
      ['not-cacheable', dir, 'prog'],
      ['not-cacheable', dir, 'f.i'],
      ['probe', dir, null],
    ]);
    expect(records[2].args).toEqual(['main.o', 'f.o', '-o', 'prog']);
    expect(records[2]).not.toHaveProperty('argsOmitted');
    // 400 defines of 70 characters: the start is kept, within 8 KiB, and the rest counted.
    const long = records[3];
    expect(long.args.join('').length).toBeLessThanOrEqual(8192);
    expect(long.args[0]).toBe(manyDefines[0]);
    expect(long.args.length + long.argsOmitted).toBe(manyDefines.length + 4);
  });

  it('groups the uncached calls by route and reason, most time first, each with an example', () => {
    const r = runLauncher(['stats', '--json'], { env, cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const { calls } = JSON.parse(r.stdout.toString());
    const groups = calls.uncached as { route: string; reason: string; calls: number; durationMs: number; examples: { cwd: string; output: string | null; args: string[]; argsOmitted: number }[] }[];
    expect(groups.map((g) => [g.route, g.calls]).sort()).toEqual([['not-cacheable', 1], ['not-cacheable', 1], ['probe', 1]]);
    for (let i = 1; i < groups.length; i++) expect(groups[i - 1]!.durationMs).toBeGreaterThanOrEqual(groups[i]!.durationMs);
    const link = groups.find((g) => g.examples[0]?.output === 'prog')!;
    expect(link.reason).toBe('a link call: no object for a cache to keep');
    expect(link.examples).toEqual([{ cwd: dir, output: 'prog', args: ['main.o', 'f.o', '-o', 'prog'], argsOmitted: 0 }]);
    // No cached compile is listed.
    expect(groups.flatMap((g) => g.examples.map((e) => e.output))).not.toContain('main.o');

    const text = runLauncher(['stats'], { env, cwd: dir }).stdout.toString();
    expect(text).toContain('calls not through a cache, by reason (most time first):');
    expect(text).toMatch(/ 1 call\(s\) +\d+\.\d s {2}not-cacheable: a link call: no object for a cache to keep\n +e\.g\. in \S+: -o prog: main\.o f\.o -o prog\n/);
    expect(text).toMatch(/e\.g\. in \S+: -o f\.i: -DLONG_DEFINE_NUMBER_0=x+ .*\.\.\.\n/);
  });
});

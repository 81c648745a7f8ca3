import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot, tools } from '../helpers/tools.js';

// Bad options to `npm run bench` end in one line naming the problem, exit 2,
// and nothing written; --render on a good report writes BENCHMARKS.md.
describe('bench options', () => {
  const dir = makeTempDir('hcl-bench-options-');
  const report = join(repoRoot, 'benchmarks.json');
  const bench = (args: string[]) =>
    spawnSync(tools.node24, [join(repoRoot, 'scripts/bench/bench.mjs'), ...args], { cwd: dir, encoding: 'utf8' });

  it('--render into a missing --out directory: one line, exit 2, before any work', () => {
    const missing = join(dir, 'no', 'such', 'dir');
    const r = bench(['--render', report, '--out', missing]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`bench: --out ${missing} is not an existing directory; create it first\n`);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  it('a missing --out directory is refused before measuring too', () => {
    const r = bench(['--quick', '--only', 'per-call', '--out', join(dir, 'absent')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--render of a file that is not a benchmarks.json: one line, exit 2, nothing written', () => {
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'root:x:0:0\n');
    for (const [file, why] of [[notJson, /cannot be read as a benchmarks\.json: .*JSON/], [join(dir, 'absent.json'), /cannot be read as a benchmarks\.json: ENOENT/]] as const) {
      const r = bench(['--render', file, '--out', dir]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '{}');
    const r = bench(['--render', empty, '--out', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bench: --render .*empty\.json: cannot render it into /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'BENCHMARKS.md'))).toBe(false);
  });

  it('--render of the committed report writes BENCHMARKS.md into --out', () => {
    const out = makeTempDir('hcl-bench-render-');
    const r = bench(['--render', report, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'BENCHMARKS.md'), 'utf8')).toContain('## Targets');
  });
});

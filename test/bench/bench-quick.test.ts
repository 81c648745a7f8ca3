import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot, tools } from '../helpers/tools.js';

// The CI smoke test of `npm run bench -- --quick`: every case runs and
// succeeds, the report has its structure. No timing is asserted.

interface Stats { n: number; median: number; p10: number; p90: number }
interface Case { id: string; ok: boolean; error?: string; stats?: Stats; extra?: Record<string, number> }
interface Group { id: string; runs: number; cases: Case[] }
interface Report { mode: string; groups: Group[]; targets: { id: string; status: string }[]; machine: { nproc: number; versions: Record<string, string> } }

const EXPECTED: Record<string, string[]> = {
  'per-call': [
    'direct', 'sh-stub', 'python', 'node-bare', 'node-empty-file', 'launcher', 'shim', 'launcher-bundle',
    'hip-launcher-auto', 'hip-ccache', 'hip-launcher-ccache', 'hip-sccache', 'hip-launcher-sccache', 'hipcc-ccache', 'hipcc-masquerade-ccache', 'hipcc-shim-ccache',
    'launcher-over-ccache', 'launcher-over-sccache', 'launcher-auto-over-ccache', 'shim-over-hipcc',
  ],
  'hip-hit': ['hipcc7-launcher-ccache', 'hipcc7-stub-ccache', 'ccache-direct', 'hipcc7-launcher-sccache', 'hipcc7-stub-sccache', 'sccache-direct', 'perl-shim-ccache', 'perl-stub-ccache'],
  memory: ['direct', 'sh-stub', 'python', 'launcher', 'shim', 'launcher-spawn-wait'],
  build: ['no-launcher', 'uncached', 'cold', 'warm', 'cold-nodepend', 'warm-nodepend', 'cold-sccache', 'cold-sccache-start', 'warm-sccache'],
  'env-size': ['direct', 'node-bare', 'launcher', 'launcher-log'],
  'ci-hits': ['uncached', 'same-checkout', 'other-checkout-default', 'other-checkout-basedir', 'reextracted-rocm', 'reextracted-rocm-mtime', 'device-lib-change', 'redis-machine-b', 'redis-down', 'redis-slow'],
};

describe('npm run bench -- --quick', () => {
  const out = makeTempDir('hcl-bench-test-');
  let status: number | null;
  let stderr: string;
  let report: Report;
  let markdown: string;

  beforeAll(() => {
    const run = spawnSync('npm', ['run', '--silent', 'bench', '--', '--quick', '--out', out], { cwd: repoRoot, encoding: 'utf8' });
    status = run.status;
    stderr = run.stderr;
    report = JSON.parse(readFileSync(join(out, 'benchmarks.json'), 'utf8')) as Report;
    markdown = readFileSync(join(out, 'BENCHMARKS.md'), 'utf8');
  }, 600_000);

  it('exits 0 with every case run and successful', () => {
    const failed = report.groups.flatMap((g) => g.cases.filter((c) => !c.ok).map((c) => `${g.id}/${c.id}: ${c.error}`));
    expect(failed).toEqual([]);
    expect(status, stderr).toBe(0);
  });

  it('reports every group and case, each with a measured spread', () => {
    expect(report.mode).toBe('quick');
    expect(Object.fromEntries(report.groups.map((g) => [g.id, g.cases.map((c) => c.id)]))).toEqual(EXPECTED);
    for (const g of report.groups) {
      for (const c of g.cases) {
        expect(c.stats?.n, `${g.id}/${c.id}`).toBe(g.runs);
        for (const k of ['median', 'p10', 'p90'] as const) expect(Number.isFinite(c.stats?.[k]), `${g.id}/${c.id} ${k}`).toBe(true);
      }
    }
  });

  it('decides every target (met or missed, none unmeasured)', () => {
    expect(report.targets.map((t) => t.id)).toEqual([
      'launcher-vs-node', 'shim-vs-node', 'launcher-ccache-vs-node', 'launcher-sccache-vs-node', 'launcher-auto-vs-node', 'shim-hipcc-vs-node',
      'warm-build-speedup', 'env-size', 'cold-build-overhead', 'linux-added-rss',
    ]);
    for (const t of report.targets) expect(['met', 'missed'], t.id).toContain(t.status);
  });

  it('sees execve leave only the compiler, and spawn-and-wait keep the launcher beside it', () => {
    const memory = report.groups.find((g) => g.id === 'memory')!;
    const processes = (id: string) => memory.cases.find((c) => c.id === id)?.extra?.processesWhileCompiling;
    expect(processes('launcher')).toBe(1);
    expect(processes('shim')).toBe(1);
    expect(processes('launcher-spawn-wait')).toBe(2);
  });

  it('writes BENCHMARKS.md with the tables, machine and versions, and no temporary paths', () => {
    for (const heading of ['## Summary', '## Targets', '## Cost per call', '## A real HIP warm hit', '## Memory added', '## A build', '## Machine and versions', '## Reproduce']) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).not.toContain('FAILED');
    expect(markdown).not.toContain(out);
    expect(markdown).not.toMatch(/\/tmp\/hcl-bench-/);
    expect(report.machine.nproc).toBeGreaterThan(0);
    expect(report.machine.versions.node).toMatch(/^v\d+\./);
    expect(report.machine.versions.launcher).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('bench with a prerequisite missing', () => {
  const out = makeTempDir('hcl-bench-missing-');
  it('fails the cases that need it, loudly, instead of skipping them', () => {
    // One timed round: the run above timed these cases' warm hits already; this one is about which cases fail.
    const run = spawnSync(tools.node24, [join(repoRoot, 'scripts/bench/bench.mjs'), '--quick', '--runs', '1', '--only', 'hip-hit', '--out', out], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, HCL_NODE: tools.node24, HCL_SCCACHE_HIP: join(out, 'no-such-sccache') },
    });
    expect(run.status).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'benchmarks.json'), 'utf8')) as Report;
    const failed = report.groups[0]!.cases.filter((c) => !c.ok).map((c) => c.id);
    expect(failed).toEqual(['hipcc7-launcher-sccache', 'hipcc7-stub-sccache', 'sccache-direct']);
    expect(run.stderr).toMatch(/sccache-direct: .*missing/);
    expect(readFileSync(join(out, 'BENCHMARKS.md'), 'utf8')).toContain('**FAILED**');
  }, 300_000);
});

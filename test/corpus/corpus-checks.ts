import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { requireLab } from '../helpers/lab.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// The adversarial HIP cache-correctness corpus (cases.mjs, run-corpus.mjs),
// run by scripts/corpus.mjs as `npm run bench` users run it: in the Debian sid
// lab (clang-21, ccache 4.14, sccache 0.17) and on the Debian 12 host
// (clang-15, ccache 4.7.5, sccache 0.10). The launcher's routes are held to
// its promise; the bare caches are recorded, and only used to show that the
// harness sees a wrong result when there is one. One file per toolchain
// (corpus-lab, corpus-host), so the suite runs the two side by side.

export interface SplitHandling {
  kind: 'split' | 'whole-call hit' | 'whole' | 'not HIP' | 'split failed' | 'unexplained';
  reason?: string;
  parts?: Array<{ name: string; route: string; result?: string }>;
}
export interface Call {
  build: string;
  step: string;
  kind: string;
  skipped?: boolean;
  exitCode?: number | null;
  outcome?: string;
  split?: SplitHandling;
}
export interface Judged {
  cell: string;
  failures: Array<{ kind: string; build: string; step: string; detail: string }>;
  wrong: Array<{ kind: string; build: string; step: string }>;
  rebuild: { compiles: number; hits: number };
  calls: Call[];
}
export interface Route {
  id: string;
  split?: boolean;
  summary: { wrongResults: number; cacheMadeFailures: number; legitimateRebuilds: number; hits: number };
  cases: Record<string, Judged>;
}
export interface Toolchain {
  toolchain: string;
  versions: { clang: string; ccache: string; sccache: string };
  cases: Array<{ id: string; compilable: boolean; notCompilable?: string }>;
  routes: Route[];
  launcherViolations: Record<string, string[]>;
}


// Runs the corpus for one toolchain once, before the file's tests; `chain()` is its result.
export function loadCorpus(name: 'lab' | 'host'): () => Toolchain {
  let t: Toolchain | undefined;
  const out = makeTempDir(`hcl-corpus-${name}-`);
  beforeAll(async () => {
    requireLab();
    let stderr = '';
    const status = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(tools.node24, [join(repoRoot, 'scripts/corpus.mjs'), '--toolchain', name, '--out', out], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, HCL_TOOLS: process.env.HCL_TOOLS, TMPDIR: process.env.TMPDIR },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr.on('data', (b: Buffer) => {
        process.stderr.write(b);
        stderr = (stderr + b.toString('utf8')).slice(-4000);
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    // The failure itself names the cause: CI shows a failed assertion's message, not always the file's output.
    expect(status, `scripts/corpus.mjs --toolchain ${name} exited with ${status}; its last output:\n${stderr.split('\n').slice(-15).join('\n')}`).toBe(0);
    const corpus = JSON.parse(readFileSync(join(out, 'corpus.json'), 'utf8')) as { toolchains: Toolchain[] };
    t = corpus.toolchains.find((x) => x.toolchain === name);
  }, 1_500_000);
  return () => {
    expect(t, `the ${name} corpus ran`).toBeDefined();
    return t!;
  };
}

export const route = (t: Toolchain, id: string) => t.routes.find((r) => r.id === id)!;

export function launcherKeepsItsPromise(chain: () => Toolchain) {
  for (const id of ['launcher+ccache', 'launcher+sccache', 'launcher+ccache+split', 'launcher+sccache+split']) {
    it(`${id}: 0 wrong results, 0 cache-made failures, a hit on every legitimate rebuild the bare cache gets right`, () => {
      const t = chain();
      expect(built.linux).toBeTruthy();
      expect(t.launcherViolations[id]).toEqual([]);
      expect(route(t, id).summary.wrongResults).toBe(0);
      expect(route(t, id).summary.cacheMadeFailures).toBe(0);
      expect(route(t, id).summary.hits).toBeGreaterThan(0);
    });
  }
}

// The split routes (HIP_CLANG_LAUNCHER_SPLIT=on): beyond the promise above
// (every object there is also held to clang's one-step compile given the
// logged -cuid, its depfile too), each call was split or kept whole with the
// logged reason, and the shapes the split serves were split.
export function splitServesEveryCase(chain: () => Toolchain, name: 'lab' | 'host') {
  const calls = (id: string, caseId: string) => route(chain(), id).cases[caseId]!.calls.filter((c) => c.kind === 'compile' && !c.skipped);
  it('with the split, through ccache: multi-arch, RDC and depfile shapes split on a miss; a rebuild is the whole-call entry; device-only and the rest whole with the reason', () => {
    const id = 'launcher+ccache+split';
    const kinds = (caseId: string) => calls(id, caseId).map((c) => `${c.build} ${c.split?.kind}`);
    for (const caseId of ['several-archs', 'rdc-several-archs', 'mode-full-depfile', 'rdc-two-sources']) {
      expect(kinds(caseId), caseId).toEqual(expect.arrayContaining(['cold split', 'warm whole-call hit', 'changed split']));
      // After the change a source that does not see it (rdc-two-sources' main.hip) is the whole-call entry.
      expect(kinds(caseId).filter((k) => k.startsWith('changed')).every((k) => k === 'changed split' || k === 'changed whole-call hit'), caseId).toBe(true);
    }
    // An arch added: the old archs' device parts hit, the new arch's misses.
    const added = calls(id, 'several-archs').find((c) => c.build === 'changed')!.split!.parts!;
    expect(added.filter((p) => p.name.startsWith('device')).map((p) => `${p.name} ${p.result}`)).toEqual(['device gfx90a hit', 'device gfx1030 hit', 'device gfx908 hit', 'device gfx906 miss']);
    expect(calls(id, 'mode-device-only')[0]!.split).toEqual({ kind: 'whole', reason: 'not split: already a device-only compile' });
    // With a depfile, clang-21 under ccache 4.14 is sent direct by a rule that speaks first: whole too, with its reason.
    expect(calls(id, 'mode-device-only-depfile')[0]!.split!.kind).toBe('whole');
    expect(calls(id, 'plain-cxx')[0]!.split!.kind).toBe('not HIP');
  });

  // clang-21 passes -cuid on to a host-only compile, so sccache's -fgpu-rdc calls split; clang-15 drops it (run-parts.ts), so they stay whole.
  const rdcSplits = name === 'lab';
  it(`with the split, through sccache: -fgpu-rdc compiles ${rdcSplits ? 'split at every build (warm: every part a hit)' : 'whole (clang-15 drops a host-only -cuid)'}, others whole with the reason`, () => {
    const id = 'launcher+sccache+split';
    for (const caseId of ['rdc-several-archs', 'rdc-two-sources']) {
      const warm = calls(id, caseId).filter((c) => c.build === 'warm');
      expect(warm.length, caseId).toBeGreaterThan(0);
      for (const c of warm) {
        if (!rdcSplits) {
          expect(c.split).toEqual({ kind: 'whole', reason: 'not split: this clang drops -cuid from a host-only compile, and sccache does not cache the -Xclang that gives it back' });
          continue;
        }
        expect(c.split!.kind).toBe('split');
        expect(c.split!.parts!.filter((p) => p.route === 'cache').every((p) => p.result === 'hit'), `${caseId} ${c.step}`).toBe(true);
      }
    }
    expect(calls(id, 'several-archs')[0]!.split).toEqual({ kind: 'whole', reason: 'not split: sccache cannot cache the host part without -fgpu-rdc (it passes -Xclang arguments through uncached)' });
  });
}


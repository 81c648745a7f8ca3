// The corpus in the Debian sid lab (corpus-checks.ts says what it is).
import { describe, expect, it } from 'vitest';
import { launcherKeepsItsPromise, loadCorpus, route, splitServesEveryCase } from './corpus-checks.js';

describe('in the sid lab', () => {
  const chain = loadCorpus('lab');

  it('runs clang-21, ccache 4.14+ and sccache 0.17+, and every case compiles uncached', () => {
    const t = chain();
    expect(t.versions.clang).toMatch(/clang version 21\./);
    expect(t.versions.ccache).toMatch(/^ccache version 4\.(1[1-9]|[2-9]\d)/);
    expect(t.versions.sccache).toMatch(/^sccache 0\.(1[7-9]|[2-9]\d)/);
    expect(t.cases.filter((c) => !c.compilable)).toEqual([]);
  });

  it('sees what the bare caches get wrong: the same RDC source twice is one object, and the link fails', () => {
    for (const id of ['ccache', 'sccache']) {
      const rdc = route(chain(), id).cases['rdc-same-source']!;
      expect(rdc.wrong.map((w) => `${w.kind} ${w.build} ${w.step}`)).toEqual(expect.arrayContaining(['wrong-hit cold b.o', 'link-failed cold app']));
    }
  });

  launcherKeepsItsPromise(chain);
  splitServesEveryCase(chain, 'lab');
});

// The corpus on the Debian 12 host (corpus-checks.ts says what it is).
import { describe, expect, it } from 'vitest';
import { launcherKeepsItsPromise, loadCorpus, splitServesEveryCase } from './corpus-checks.js';

describe('on the Debian 12 host', () => {
  const chain = loadCorpus('host');

  it('runs clang-15, ccache 4.7 and the HIP sccache 0.10; clang-15 cannot compile --offload-compress, recorded as data', () => {
    const t = chain();
    expect(t.versions.clang).toMatch(/clang version 15\./);
    expect(t.versions.ccache).toMatch(/^ccache version 4\.7\./);
    expect(t.versions.sccache).toMatch(/^sccache 0\.10\./);
    const notCompilable = t.cases.filter((c) => !c.compilable);
    expect(notCompilable.map((c) => c.id)).toEqual(['offload-compress']);
    expect(notCompilable[0]!.notCompilable).toContain("unsupported option '--offload-compress'");
  });

  launcherKeepsItsPromise(chain);
  splitServesEveryCase(chain, 'host');
});

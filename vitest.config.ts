import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

// The long files, longest first (seconds each took in a full run on an idle 2-core machine,
// two workers, this round's fresh clone): they start first, so the run does not end with one of
// them on one worker while the other idles. vitest's own order on a fresh clone (no results
// cache) is by file size, which started the corpus and Makefile files, small files with the
// longest runs, last of all.
const LONG_FILES = [
  'test/corpus/corpus-lab.test.ts', // 94
  'test/corpus/corpus-host.test.ts', // 93
  'test/shim/stress-while-installing-lab.test.ts', // 82
  'test/lab/another-checkout-lab.test.ts', // 81
  'test/bench/bench-quick.test.ts', // 78
  // Its Redis-killed build (a minute of sccache's own Redis time-outs) overlaps the rest.
  'test/lab/sccache-redis.test.ts', // 70
  'test/shim/stress-while-installing-host.test.ts', // 66
  // The Makefile files of one toolchain share one uncached build, one installed shim and its
  // one-step references (test/helpers/run-once.ts): one of each pair starts early and makes
  // them, and the other finds them made or waits for them (for the uncached build only where it
  // compares: its routes build meanwhile).
  'test/lab/makefile-rocthrust-ccache.test.ts', // 37
  'test/routes/makefile-rocthrust-host-ccache.test.ts', // 36
  'test/shim/transaction-faults.test.ts', // 43
  'test/lab/split.test.ts', // 43
  'test/lab/makefile-rocthrust-sccache.test.ts', // 33
  'test/routes/makefile-rocthrust-host-sccache.test.ts', // 31
  'test/launcher/split.test.ts', // 38
  'test/shim/shim-on-rocm-trees.test.ts', // 38
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONG_FILES.indexOf(relative(this.ctx.config.root, f.moduleId));
      return i < 0 ? LONG_FILES.length : i;
    };
    // The rest in vitest's order (its results cache where there is one, else by size); a stable sort keeps it.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  // The shipped .patch files are imported as text (esbuild's text loader in the build; this here).
  plugins: [
    {
      name: 'patch-as-text',
      transform(code: string, id: string) {
        return id.endsWith('.patch') ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // A backstop against a hang, not a speed limit: the real-compiler tests take
    // several times longer on a busy machine (routes/hipcc-environment passed
    // alone in 65 s and hit a 180 s limit in a loaded full run).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    sequence: { sequencer: LongestFirst },
  },
});

import { defineConfig } from 'vitest/config';

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
  },
});

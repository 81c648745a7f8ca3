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
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});

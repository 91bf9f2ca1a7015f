import { defineConfig } from 'vitest/config';

// Two suites: `unit` (beside the code and under test/, on the data bundled in data/) is what
// `npm test` runs; `corpus` reads ../shared/data (or $CAIRN_CORPUS) for files the repo may not
// carry, and .ci/run runs it as well.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/corpus/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'corpus',
          include: ['test/corpus/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

// Three suites: `unit` (beside the code and under test/, on the data bundled in data/) is what
// `npm test` runs; `corpus` reads ../shared/data (or $CAIRN_CORPUS) for files the repo may not
// carry; `live` runs real BGP daemons from Debian's packages against the collector on loopback.
// .ci/run runs all three.
export default defineConfig({
  test: {
    // Vitest's default is one worker less than the cores: a single worker on a 2-core machine,
    // which ran the test files one after the other. The main process does little while they run.
    maxWorkers: '100%',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/corpus/**', 'test/live/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // Real BGP daemons (BIRD 2, GoBGP) against the collector, on loopback only.
          name: 'live',
          include: ['test/live/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
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

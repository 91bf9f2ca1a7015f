import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// What cairn keeps in the user's cache folder (the rule actors' derived file, the fetch mirror's
// default) goes to one folder of the temporary directory instead: the suites never write into
// the home of whoever runs them, and a later run finds the derived files of an earlier one.
const env = { XDG_CACHE_HOME: path.join(os.tmpdir(), `cairn-test-cache-${process.getuid?.() ?? 0}`) };

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
          env,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/corpus/**', 'test/live/**', 'test/browser/**'],
          // A worker runs file after file without reloading modules: Node, DuckDB, zod and src/
          // load once per worker instead of once per file. The tests keep no global state (no
          // mocks, stubs or environment changes) and fixture caches are read-only, so files
          // cannot see each other's work. What a file keeps in module scope stays in the worker's
          // heap for every file after it, and each major GC marks it again: a file clears its
          // caches of big data in afterAll (bench/RESULTS-suite.md, 2026-12-06, suite14 and suite16).
          isolate: false,
          // Timeouts catch hangs, not slowness: the slowest tests take about a minute on a quiet
          // 2-core machine and several times that with every core busy (npm run test:under-load).
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
      {
        test: {
          // Real BGP daemons (BIRD 2, GoBGP) against the collector, on loopback only.
          name: 'live',
          env,
          include: ['test/live/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The web workspace in Debian's Chromium (playwright-core) against a server on loopback;
          // needs web/dist built (node scripts/build-web.mjs). One browser at a time.
          name: 'browser',
          env,
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'corpus',
          env,
          include: ['test/corpus/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

/** The reliability suite: long, bounded load runs kept out of `npm test` (see test/vitest.config.ts). */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts', 'test/reliability/summary-setup.ts'],
    pool: 'forks',
    // One load at a time: each one measures the machine.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});

import { defineConfig } from 'vitest/config';

/** Tests that start real server and CLI processes: start-up, signals, locks, shared limits, the importer's CLI runs. */
const PROCESS_TESTS = ['test/process/**', 'test/import/**'];

/**
 * `npm test`: unit and API tests, servers in this run's own workers. `npm run test:all`
 * (vitest.all.config.ts) adds the process tests.
 */
export function testConfig({ processes }: { processes: boolean }) {
  return defineConfig({
    test: {
      root: new URL('..', import.meta.url).pathname,
      include: ['test/**/*.test.ts'],
      // Minutes of load each: `npm run test:reliability` (test/reliability/vitest.config.ts).
      exclude: ['**/node_modules/**', 'test/reliability/**', ...(processes ? [] : PROCESS_TESTS)],
      globalSetup: ['test/setup/global.ts'],
      // Two cores, and each PGlite costs ~300 MB: at most two test files at once.
      pool: 'forks',
      maxWorkers: 2,
      fileParallelism: true,
      testTimeout: 30_000,
      hookTimeout: 60_000,
      teardownTimeout: 30_000,
    },
  });
}

export default testConfig({ processes: false });

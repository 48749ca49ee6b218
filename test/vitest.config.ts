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
      // A worker runs its files one after another in one module graph instead of importing the app and
      // compiling PGlite's WASM again for each (test/api: 145 s → 88 s). Safe because no test mocks a
      // module or changes process.env, each file opens its own database and servers, and the app keeps
      // no per-process state that one file could leave for the next (caches are per server or per session).
      isolate: false,
      fileParallelism: true,
      testTimeout: 30_000,
      hookTimeout: 60_000,
      teardownTimeout: 30_000,
    },
  });
}

export default testConfig({ processes: false });

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    // Minutes of load each: `npm run test:reliability` (test/reliability/vitest.config.ts).
    exclude: ['**/node_modules/**', 'test/reliability/**'],
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

import { testConfig } from './vitest.config.ts';

/** `npm run test:all`: `npm test` plus the process tests (test/process, test/import). */
export default testConfig({ processes: true });

/**
 * Import throughput (issue 17): `cli import uservoice` copying the benchmark data set (10,000 suggestions
 * with their 200 users, ~30,000 supporters and the forums, categories, statuses and labels they link to)
 * from one server into an empty database, timed end to end (the CLI process: start, token, every page,
 * the final recount). Records per second = records fetched ÷ wall-clock seconds.
 */
import { spawn } from 'node:child_process';
import { loadDataset } from '../lib/dataset.ts';
import { freshDatabase, REPO_ROOT, startServer } from '../lib/server.ts';
import type { Scenario } from '../index.ts';

const ONLY = 'users,forums,categories,statuses,labels,suggestions,supporters';

interface Summary {
  complete: boolean;
  resources: { resource: string; fetched: number; created: number; skippedCount: number }[];
  requests: number;
}

function runImport(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: Record<string, string> = { LOG_LEVEL: 'warn', ...env };
  for (const name of ['PATH', 'HOME'] as const) if (process.env[name]) childEnv[name] = process.env[name]!;
  const child = spawn(process.execPath, ['src/cli.ts', ...args], { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-20_000)));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

export const importScenario: Scenario = {
  name: 'import',
  description: 'cli import uservoice: 10,000 suggestions with their users and supporters, records per second',
  async run({ log }) {
    const sourceDb = await freshDatabase('import-src');
    const targetDb = await freshDatabase('import-dst');
    const dataset = await loadDataset(sourceDb.env);
    log(`import: source loaded in ${(dataset.ms / 1000).toFixed(1)} s: ${JSON.stringify(dataset.counts)}`);
    const server = await startServer({ ...sourceDb.env, RATE_LIMIT_PER_MINUTE: '10000000' }, { credentials: { clientId: dataset.clientId, clientSecret: dataset.clientSecret } });
    try {
      const started = performance.now();
      const result = await runImport(targetDb.env, ['import', 'uservoice', '--url', server.url, `--client-id=${server.clientId}`, `--client-secret=${server.clientSecret}`, '--only', ONLY, '--json']);
      const seconds = (performance.now() - started) / 1000;
      if (result.code !== 0) throw new Error(`import exited ${result.code}\n${result.stderr}`);
      const summary = JSON.parse(result.stdout) as Summary;
      const records = summary.resources.reduce((n, r) => n + r.fetched, 0);
      const skipped = summary.resources.reduce((n, r) => n + r.skippedCount, 0);
      const rate = records / seconds;
      log(`import: ${records} records in ${seconds.toFixed(1)} s (${rate.toFixed(0)}/s), ${summary.requests} requests, ${skipped} skipped`);
      return {
        rows: [],
        detail: summary.resources.map((r) => ({ resource: r.resource, fetched: r.fetched, created: r.created, skipped: r.skippedCount })),
        summary: {
          import: { rps: null, p50_ms: null, p99_ms: null, ratio: null, sql: null, records, seconds: Number(seconds.toFixed(1)), records_per_s: Math.round(rate), skipped },
        },
        checks: [{ target: 'import: every record copied (none skipped)', figure: `${skipped} skipped of ${records}`, threshold: '0', pass: skipped === 0 && summary.complete }],
        notes: [`import: ${records} records (${ONLY}) in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} records/s, end to end`],
      };
    } finally {
      await server.stop();
      await sourceDb.drop();
      await targetDb.drop();
    }
  },
};

/**
 * Issue 17: the importer is resumable on the enlarged data set. A run stopped after a few pages (as Ctrl-C
 * leaves it) exits 1 with its progress kept; a run SIGKILLed mid-walk leaves what it committed; the next
 * run continues and the result is identical to the source — every record once, every counter right, no
 * duplicated row (pivots included) and no stray stored file.
 */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyDb } from '../../src/resources/rows.ts';
import {
  attachmentDigests,
  differences,
  importArgs,
  IMPORTED_TABLES,
  runImport,
  snapshot,
  startProxy,
  startSourceAccount,
  summaryOf,
  withTarget,
  STEP_NAMES,
  type ProxyControl,
  type SourceAccount,
} from '../helpers/import.ts';
import { childDatabase, childEnv, killAllChildren, REPO_ROOT, withTimeout, type ChildDatabase } from '../helpers/process.ts';

let source: SourceAccount;
let proxy: ProxyControl;
let target: ChildDatabase;

beforeAll(async () => {
  source = await startSourceAccount(0.5);
  proxy = await startProxy(source.app.url);
  target = await childDatabase();
}, 120_000);

afterAll(async () => {
  await killAllChildren();
  await proxy?.close();
  await target?.cleanup();
  await source?.app.close();
});

async function rowCounts(db: AnyDb): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of IMPORTED_TABLES) out[table] = Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
  return out;
}

describe('import uservoice: resuming', () => {
  it('continues after a stop and after a SIGKILL mid-run; the result is the source, nothing duplicated', { timeout: 180_000 }, async () => {
    // 1. Stopped after five pages, as an interruption leaves it: exit 1, "run again to continue".
    const stopped = await runImport(target, proxy.url, source.creds, ['--stop-after-pages', '5']);
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(summaryOf(stopped).complete).toBe(false);

    // 2. The next run is SIGKILLed while it walks the suggestions (each source answer slowed down so the
    // kill lands mid-walk).
    proxy.delayMs = 100;
    const child = spawn(process.execPath, ['src/cli.ts', ...importArgs(proxy.url, source.creds)], {
      cwd: REPO_ROOT,
      env: childEnv({ ...target.env, LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
    const midway = new Promise<void>((resolve) =>
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (/^suggestions: 200\//m.test(stderr)) resolve();
      }),
    );
    await withTimeout(midway, 90_000, `the import never reached the third page of suggestions:\n${stderr}`);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    proxy.delayMs = 0;
    // The killed run resumed the stopped one rather than starting over.
    expect(stderr).not.toMatch(/^users: 100\//m);

    // 3. The rerun continues where the kill left it and finishes.
    const rerun = await runImport(target, proxy.url, source.creds);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/^users: already imported/m);
    expect(rerun.stderr).not.toMatch(/^suggestions: 100\//m);
    const summary = summaryOf(rerun);
    expect(summary.complete).toBe(true);

    const expected = await snapshot(source.app.url, source.token);
    // Over the three runs every record was fetched exactly once and created exactly once.
    expect(summary.resources.map((r) => [r.resource, r.fetched, r.created + r.updated + r.unchanged, r.skippedCount, r.missingCount])).toEqual(
      STEP_NAMES.map((type) => [type, expected[type]!.length, expected[type]!.length, 0, 0]),
    );

    const sourceCounts = await rowCounts(source.app.server.db.orm.em.fork().getKysely());
    const sourceFiles = await attachmentDigests(source.app.url, source.token);
    const copied = await withTarget(target, async (view) => ({
      lists: await snapshot(view.url, view.token),
      counts: await rowCounts(view.db),
      files: await attachmentDigests(view.url, view.token),
    }));
    expect(differences(expected, copied.lists)).toEqual({});
    for (const type of Object.keys(expected)) expect(copied.lists[type], type).toEqual(expected[type]);
    expect(copied.counts).toEqual(sourceCounts);
    expect(copied.files).toEqual(sourceFiles);
    // One stored file per attachment: none left over from the interrupted runs.
    const uploads = fs.readdirSync(target.env.UPLOADS_DIR!, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(uploads).toHaveLength(expected.attachments!.length);
  });
});

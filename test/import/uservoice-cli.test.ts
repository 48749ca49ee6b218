/**
 * Issue 17, item 6: `cli import uservoice` exits as the CLI does — 2 for usage, 1 when the source refuses
 * (the secret never echoed), 3 while another process holds the embedded database, 4 for
 * a bad setting — each with one line saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runImport, withTarget } from '../helpers/import.ts';
import { childDatabase, killAllChildren, POSTGRES_MODE, runCli, type ChildDatabase } from '../helpers/process.ts';

let source: TestApp;
let target: ChildDatabase;

beforeAll(async () => {
  source = await startTestApp();
  target = await childDatabase();
}, 60_000);

afterAll(async () => {
  await killAllChildren();
  await target?.cleanup();
  await source?.close();
});

const wrong = { client_id: 'NoSuchClient00000000', client_secret: '-starts-with-a-dash-and-is-wrong' };

describe('cli import uservoice: exit codes', () => {
  it('2 for usage errors, with the reason, before the database is opened', { timeout: 120_000 }, async () => {
    const cases: [string[], RegExp][] = [
      [['import', 'uservoice'], /needs --url, --client-id and --client-secret/],
      [['import', 'uservoice', '--url', 'ftp://example.com', '--client-id=a', '--client-secret=b'], /--url must be an http\(s\) URL/],
      [['import', 'uservoice', '--url', source.url, '--client-id=a', '--client-secret=b', '--since', 'yesterday-ish'], /--since is not a date: yesterday-ish/],
      [['import', 'uservoice', '--url', source.url, '--client-id=a', '--client-secret=b', '--only', 'suggestions,tickets'], /unknown resource tickets \(one of: users, forums, .*attachments\)/],
      [['import', 'uservoice', '--url', source.url, '--client-id=a', '--client-secret=b', '--per-page', '101'], /--per-page must be a whole number from 1 to 100/],
      [['import', 'zendesk'], /Unknown import source "zendesk"/],
    ];
    const results = [];
    for (const [args] of cases) results.push(await runCli(args, { ...target.env, LOG_LEVEL: 'warn' }));
    expect(results.map((r) => r.code)).toEqual(cases.map(() => 2));
    results.forEach((r, i) => expect(r.stderr).toMatch(cases[i]![1]));
  });

  it('1 when the source refuses the credentials, the secret not echoed', { timeout: 180_000 }, async () => {
    const refused = await runImport(target, source.url, wrong);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^import stopped: the source refused the client credentials \(HTTP 401\)$/m);
    expect(refused.stderr + refused.stdout).not.toContain(wrong.client_secret);
  });

  it('4 for an invalid setting', { timeout: 60_000 }, async () => {
    const bad = await runCli(['import', 'uservoice', '--url', source.url, `--client-id=${wrong.client_id}`, `--client-secret=${wrong.client_secret}`], { ...target.env, TOKEN_TTL: 'soon' });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/TOKEN_TTL/);
  });

  // PostgreSQL admits many processes (the import may run beside the server); only PGlite locks.
  it.skipIf(POSTGRES_MODE)('3 while the server has the embedded database open (a usage error is still 2)', { timeout: 120_000 }, async () => {
    const [busy, typo] = await withTarget(target, async () => [await runImport(target, source.url, wrong), await runCli(['import', 'uservoice', '--url', source.url], target.env)]);
    expect(busy!.code).toBe(3);
    expect(busy!.stderr).toMatch(/in use|lock/i);
    expect(typo!.code).toBe(2);
  });
});

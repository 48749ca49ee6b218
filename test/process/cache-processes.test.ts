/**
 * The caches across server processes (issue 15 points 3 and 4): two src/main.ts processes on one
 * PostgreSQL database. A write acknowledged by one is never answered with an older body by the other,
 * not even by the very next request; a client revoked by a third process (the CLI) is refused by the
 * next request to a server that had it cached.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { POSTGRES_MODE, childDatabase, killAllChildren, runCli, startServer, type ChildDatabase } from '../helpers/process.ts';

const TIMEOUT = 180_000;

const databases: ChildDatabase[] = [];
afterAll(async () => {
  await killAllChildren();
  for (const db of databases) await db.cleanup();
});

async function client(db: ChildDatabase, name: string): Promise<{ id: string; secret: string }> {
  const result = await runCli(['clients', 'create', '--name', name, '--json'], { ...db.env, LOG_LEVEL: 'warn' });
  expect(result.code, result.stderr).toBe(0);
  const parsed = JSON.parse(result.stdout) as { client_id: string; client_secret: string };
  return { id: parsed.client_id, secret: parsed.client_secret };
}

async function tokenFor(url: string, creds: { id: string; secret: string }): Promise<string> {
  const reply = await request(url, 'POST', '/api/v2/oauth/token', {
    form: `grant_type=client_credentials&client_id=${creds.id}&client_secret=${creds.secret}`,
  });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.access_token as string;
}

// Skipped without DATABASE_URL: several processes on one database need PostgreSQL; PGlite is one
// process (its cache is tested in test/api/response-cache.test.ts).
describe.skipIf(!POSTGRES_MODE)('two server processes on one PostgreSQL database', () => {
  it(
    'never answer with a body older than a write the other acknowledged; see a revocation at once',
    async () => {
      const db = await childDatabase();
      databases.push(db);
      const creds = await client(db, 'cache writer');
      const doomed = await client(db, 'cache doomed');
      const env = { ...db.env, RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' };
      const [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
      const token = await tokenFor(a.url, creds);
      const call = (url: string, method: string, path: string, json?: unknown) =>
        request(url, method, `/api/v2/admin${path}`, { token, ...(json === undefined ? {} : { json }) });

      const forum = (await call(a.url, 'POST', '/forums', { name: 'Cache forum' })).body.forums[0];
      const suggestion = (await call(a.url, 'POST', '/suggestions', { title: 'Version 0', links: { forum: forum.id } })).body.suggestions[0];
      const one = `/suggestions/${suggestion.id}?includes=forums`;
      const list = `/suggestions?forum=${forum.id}&includes=forums,users`;
      for (let i = 1; i <= 20; i++) {
        // B holds both bodies (read twice: the second is a hit), then A writes, then B reads at once.
        for (const path of [one, list, one, list]) expect((await call(b.url, 'GET', path)).status).toBe(200);
        const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
        if (i % 2 === 0) {
          expect((await call(writer.url, 'PUT', `/suggestions/${suggestion.id}`, { title: `Version ${i}` })).status).toBe(200);
        } else {
          expect((await call(writer.url, 'PUT', `/forums/${forum.id}`, { name: `Forum ${i}` })).status).toBe(200);
        }
        const title = `Version ${i - (i % 2)}`;
        const name = i % 2 === 0 ? `Forum ${i - 1}` : `Forum ${i}`;
        for (const url of [reader.url, writer.url, b.url]) {
          const got = await call(url, 'GET', one);
          expect([got.body.suggestions[0].title, got.body.forums[0].name], `round ${i}`).toEqual([title, name]);
          const listed = await call(url, 'GET', list);
          expect([listed.body.suggestions[0].title, listed.body.forums[0].name], `round ${i}`).toEqual([title, name]);
        }
      }

      // The Bearer check: B caches the client, the CLI (a third process) revokes it.
      const doomedToken = await tokenFor(a.url, doomed);
      const probe = () => request(b.url, 'GET', '/api/v2/admin/users/current', { token: doomedToken });
      expect((await probe()).status).toBe(200);
      expect((await probe()).status).toBe(200);
      const revoked = await runCli(['clients', 'revoke', doomed.id], { ...db.env, LOG_LEVEL: 'warn' });
      expect(revoked.code, revoked.stderr).toBe(0);
      // The very next request to the other process: its catch-up round trip sees the announcement.
      const late = await probe();
      expect(late.status).toBe(401);
      expect(late.body).toEqual({ errors: { error: 'not_authorized' } });

      for (const server of [a, b]) expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(a.stderr() + b.stderr()).toBe('');
    },
    TIMEOUT,
  );
});

/**
 * RELIABILITY.md F16, big ids (the CockroachDB stand-in): with the suggestions sequence past 2^53, a
 * create either returns the exact id in its JSON text (and GET finds it), or is refused with a clear
 * JSON error; never a silently rounded id. PostgreSQL only (it needs a real sequence); 127.0.0.1 only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startTestApp, type TestApp } from '../helpers/app.ts';
import { api } from '../helpers/factories.ts';
import { request } from '../helpers/http.ts';
import { POSTGRES_MODE } from '../helpers/process.ts';
import { count, newFigures, report } from './figures.ts';

const BIG = '9007199254740993'; // 2^53 + 1: the first integer a JS number cannot hold

let app: TestApp | undefined;
const logs: string[] = [];
afterAll(async () => app?.close());

// Skipped without DATABASE_URL: restarting a sequence past 2^53 needs the real PostgreSQL.
describe.skipIf(!POSTGRES_MODE)('F16 big ids (PostgreSQL)', () => {
  it('as migrated, ids are integer: PostgreSQL itself refuses to restart a sequence past 2^31 - 1', async () => {
    const database = await createTestDatabase();
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: database.databaseUrl });
    await client.connect();
    try {
      await expect(client.query(`alter sequence suggestions_id_seq restart with ${BIG}`)).rejects.toThrow(/cannot be greater than MAXVALUE \(2147483647\)/);
    } finally {
      await client.end();
      await database.drop();
    }
  });

  it(`a suggestion id of ${BIG} round-trips exactly or is refused clearly, never rounded`, async () => {
    const started = await startTestApp({
      logs,
      beforeStart: async ({ databaseUrl }) => {
        const pg = (await import('pg')).default;
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          // The schema's ids are PostgreSQL integer (serial): widen the column and its sequence to bigint,
          // as CockroachDB's INT is, so the sequence can pass 2^53.
          await client.query('alter table suggestions alter column id type bigint');
          await client.query('alter sequence suggestions_id_seq as bigint');
          await client.query(`alter sequence suggestions_id_seq restart with ${BIG}`);
        } finally {
          await client.end();
        }
      },
    }).catch((error: Error) => error);
    const f = newFigures();
    if (started instanceof Error) {
      // Refused at start, with one line that says why (src/db/index.ts assertSafeIds).
      expect(started.message).toMatch(/ids can exceed 2\^53 \(sequence suggestions_id_seq/);
      report('F16', 'big ids', f, { outcome: 'refused at start', message: started.message.slice(0, 120) });
      return;
    }
    app = started;
    const a = await api(app);
    const token = await app.token();
    const forum = (await a.forum()).id as number;
    const created = await request(app.url, 'POST', '/api/v2/admin/suggestions', { token, json: { title: 'Big id', links: { forum } } });
    count(f, created.status, false);
    let outcome: string;
    if (created.status === 200) {
      // The id as written in the JSON text, before any JSON.parse rounding.
      const idText = /"suggestions":\[\{"id":(\d+)/.exec(created.text)?.[1];
      expect(idText, created.text.slice(0, 300)).toBe(BIG);
      const read = await request(app.url, 'GET', `/api/v2/admin/suggestions/${BIG}`, { token });
      count(f, read.status, read.status !== 200);
      expect(read.status, read.text.slice(0, 300)).toBe(200);
      expect(/"suggestions":\[\{"id":(\d+)/.exec(read.text)?.[1]).toBe(BIG);
      outcome = 'round-trip';
    } else {
      // Refused: a JSON error that says why, not a 500 and not a row with a rounded id.
      expect(created.status, `${created.text}\n${logs.filter((l) => l.includes('"error"')).join('\n').slice(0, 2000)}`).not.toBe(500);
      expect(created.headers.get('content-type')).toMatch(/^application\/json/);
      expect(created.text).toMatch(/id/i);
      outcome = `refused ${created.status}`;
    }
    // Nothing anywhere carries the rounded neighbours of the id.
    const list = await request(app.url, 'GET', '/api/v2/admin/suggestions?per_page=100', { token });
    count(f, list.status, list.status !== 200);
    expect(list.text).not.toContain('9007199254740992');
    expect(list.text).not.toContain('9007199254740994');
    report('F16', 'big ids', f, { outcome, answer: created.text.slice(0, 160) });
  }, 60_000);
});

/**
 * RELIABILITY.md L3, no lost writes: 20 connections POST suggestions with unique titles for ~20 s
 * (L3_SECONDS; the catalogue's 60 s is the nightly figure). Afterwards the rows for the run equal the
 * 2xx answers exactly, every returned id GETs 200, no title is stored twice, and there was no 5xx.
 * PostgreSQL only (PGlite runs one transaction at a time, so nothing races); 127.0.0.1 traffic only.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyDb } from '../../src/resources/rows.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api } from '../helpers/factories.ts';
import { request } from '../helpers/http.ts';
import { POSTGRES_MODE } from '../helpers/process.ts';
import { count, newFigures, report } from './figures.ts';

const SECONDS = Number(process.env.L3_SECONDS ?? 20);
const CONNECTIONS = 20;

let app: TestApp | undefined;
afterAll(async () => app?.close());

// Skipped without DATABASE_URL: PGlite serialises every transaction, so there is no race to lose a write in.
describe.skipIf(!POSTGRES_MODE)('L3 no lost writes (PostgreSQL)', () => {
  it(`${CONNECTIONS} connections × ${SECONDS} s of creates: rows = 2xx, every id readable, no duplicates, no 5xx`, async () => {
    app = await startTestApp();
    const a = await api(app);
    const token = await app.token();
    const forum = (await a.forum()).id as number;
    const run = `L3-${randomUUID().slice(0, 8)}`;
    const f = newFigures();
    const acknowledged = new Map<number, string>();
    const fiveHundreds: string[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, worker) => {
        for (let n = 0; Date.now() < deadline; n++) {
          const title = `${run} ${worker}-${n}`;
          const reply = await request(app!.url, 'POST', '/api/v2/admin/suggestions', { token, json: { title, links: { forum } } });
          count(f, reply.status, reply.status >= 300);
          if (reply.status >= 200 && reply.status < 300) acknowledged.set(reply.body.suggestions[0].id, title);
          else if (reply.status >= 500) fiveHundreds.push(reply.text.slice(0, 200));
        }
      }),
    );

    const db = app.server.db.orm.em.fork().getKysely() as unknown as AnyDb;
    const like = `${run} %`;
    const { rows } = await sql<{ id: string | number; title: string }>`select id, title from suggestions where title like ${like}`.execute(db);
    const { rows: dupes } = await sql<{ title: string }>`select title from suggestions where title like ${like} group by title having count(*) > 1`.execute(db);
    const stored = new Map(rows.map((r) => [Number(r.id), r.title]));
    const missing = [...acknowledged].filter(([id, title]) => stored.get(id) !== title);
    let unreadable = 0;
    for (const id of acknowledged.keys()) {
      const reply = await request(app.url, 'GET', `/api/v2/admin/suggestions/${id}`, { token });
      if (reply.status !== 200 || reply.body.suggestions[0].id !== id) unreadable++;
    }
    f.lostWrites = missing.length + unreadable;
    report('L3', `no lost writes (${CONNECTIONS} connections, ${SECONDS} s)`, f, {
      acknowledged: acknowledged.size,
      rows: rows.length,
      duplicate_titles: dupes.length,
      unreadable,
    });

    expect(fiveHundreds).toEqual([]);
    expect(f.errors).toBe(0);
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(rows.length).toBe(acknowledged.size);
    expect(missing).toEqual([]);
    expect(unreadable).toBe(0);
    expect(dupes).toEqual([]);
  }, (SECONDS + 90) * 1000);
});

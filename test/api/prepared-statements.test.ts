/**
 * PostgreSQL: a long statement of records by id runs as a named prepared statement, parsed once per
 * session (src/db/prepared.ts, mikro-orm.config.ts): the second run on the same session reuses it
 * (preparing the name again would fail with "prepared statement already exists"). So is a list page with
 * no condition in id order; other list pages are sent unnamed. PGlite has no such sessions.
 */
import { hash } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { BY_ID, ID_ORDER } from '../../src/db/prepared.ts';
import { parseListParams } from '../../src/http/params.ts';
import { listStatement } from '../../src/resources/list.ts';
import { suggestions } from '../../src/resources/suggestions.ts';
import type { AnyDb } from '../../src/resources/rows.ts';
import { describe, expect, it } from 'vitest';
import { POSTGRES_MODE } from '../helpers/process.ts';
import { useTestApp } from '../helpers/factories.ts';

// No response cache: every request below runs its statements.
const { app, a } = useTestApp({ env: { RESPONSE_CACHE_BYTES: '0' } });

describe.skipIf(!POSTGRES_MODE)('prepared statements (PostgreSQL)', () => {
  it('a long statement is prepared once per session under the hash of its text; short ones are not prepared', async () => {
    const long = `select ${Array.from({ length: 300 }, (_, i) => `${i} as c${i}`).join(', ')}${BY_ID}`;
    const page = long.slice(0, -BY_ID.length);
    const prepared = await app.server.db.orm.em.fork().transactional(async (tx) => {
      const first = await tx.execute(long);
      const second = await tx.execute(long);
      expect(second).toEqual(first);
      await tx.execute('select 1 as one');
      await tx.execute(page);
      return tx.execute(`select name, statement from pg_prepared_statements where statement in (?, ?, 'select 1 as one')`, [long, page]);
    });
    expect(prepared).toEqual([{ name: `uv_${hash('sha1', long, 'base64url')}`, statement: long }]);
    // PostgreSQL's default whatever the server says (unnamed statements planned for their parameters): mikro-orm.config.ts.
    expect(await app.server.db.orm.em.fork().execute('show plan_cache_mode')).toEqual([{ plan_cache_mode: 'auto' }]);
  });

  it('the API answers the same list again and again through its prepared statements', async () => {
    const forum = await a.forum();
    const suggestion = await a.suggestion(forum.id);
    const path = `/suggestions?per_page=100&includes=forums,users,categories,statuses,labels&forum=${forum.id}`;
    const first = await a.get(path);
    expect(first.status).toBe(200);
    expect(first.body.suggestions.map((s: { id: number }) => s.id)).toEqual([suggestion.id]);
    // Past PostgreSQL's five custom plans, into whatever plan it keeps for the statement.
    for (let i = 0; i < 8; i++) {
      app.sql.length = 0;
      const again = await a.get(path);
      // The page (filtered by forum) unnamed, its side-loads by id prepared.
      expect(app.sql.filter((statement) => statement.length > 2_000).map((statement) => statement.endsWith(BY_ID))).toEqual([false, true]);
      expect(again.status).toBe(200);
      expect(again.text).toBe(first.text);
    }
  });

  it('prepares an unfiltered page in id order (first, offset and cursor pages), not one sorted otherwise', async () => {
    const forum = await a.forum();
    for (let i = 0; i < 3; i++) await a.suggestion(forum.id);
    const includes = 'includes=forums,users,categories,statuses,labels';
    const first = await a.get(`/suggestions?per_page=2&${includes}`);
    expect(first.status).toBe(200);
    const paths = [
      `/suggestions?per_page=2&${includes}`,
      `/suggestions?per_page=2&page=2&${includes}`,
      `/suggestions?per_page=2&cursor=${first.body.pagination.cursor}&${includes}`,
    ];
    for (const path of paths) {
      // Past PostgreSQL's five custom plans: the same answer from the prepared statement.
      const once = await a.get(path);
      for (let i = 0; i < 7; i++) {
        app.sql.length = 0;
        const again = await a.get(path);
        expect(again.status, path).toBe(200);
        expect(again.text, path).toBe(once.text);
        expect(app.sql.filter((statement) => statement.length > 2_000).map((statement) => statement.slice(statement.lastIndexOf(' /*'))), path).toEqual([ID_ORDER, BY_ID]);
      }
    }
    app.sql.length = 0;
    expect((await a.get(`/suggestions?per_page=2&sort=-updated_at&${includes}`)).status).toBe(200);
    expect(app.sql.filter((statement) => statement.length > 2_000).map((statement) => statement.endsWith(ID_ORDER) || statement.endsWith(BY_ID))).toEqual([false, true]);
  });

  it('runs the unfiltered first page and cursor page in id order on their generic plan after five custom ones', async () => {
    const forum = await a.forum();
    const db = app.server.db.orm.em.fork().getKysely() as AnyDb;
    // Enough rows that a tenth of the table (what PostgreSQL assumes of a LIMIT parameter) is far more
    // than a page: there, a page with LIMIT $n was planned anew on every run.
    await sql`insert into suggestions (created_at, updated_at, title, state, approved_at, forum_id)
      select now(), now(), 'Plan ' || i, 'approved', now(), ${forum.id} from generate_series(1, 3000) i`.execute(db);
    await sql`analyze suggestions`.execute(db);
    const env = { publicUrl: app.config.publicUrl, signedUrl: (path: string) => path };
    const first = await a.get('/suggestions?per_page=2');
    const queries = [{ per_page: '100' }, { per_page: '2', cursor: first.body.pagination.cursor as string }];
    // A session of its own, so that pg_prepared_statements is the one the statements ran on.
    const client = new pg.Client({ connectionString: app.config.databaseUrl, options: '-c plan_cache_mode=auto' });
    await client.connect();
    try {
      for (const [i, query] of queries.entries()) {
        const statement = listStatement(db, suggestions, parseListParams({ query } as never, suggestions), env);
        expect(statement.sql.endsWith(ID_ORDER)).toBe(true);
        const answers = [];
        for (let run = 0; run < 8; run++) answers.push((await client.query({ name: `page_${i}`, text: statement.sql, values: [...statement.parameters] })).rows);
        expect(new Set(answers.map((rows) => JSON.stringify(rows))).size).toBe(1);
        const plans = await client.query('select generic_plans, custom_plans from pg_prepared_statements where name = $1', [`page_${i}`]);
        // Five custom plans, then the generic one kept: three runs without planning.
        expect(plans.rows, JSON.stringify(query)).toEqual([{ generic_plans: '3', custom_plans: '5' }]);
      }
    } finally {
      await client.end();
    }
  });
});

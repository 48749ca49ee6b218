/**
 * PostgreSQL: a long statement of records by id runs as a named prepared statement, parsed once per
 * session (src/db/prepared.ts, mikro-orm.config.ts): the second run on the same session reuses it
 * (preparing the name again would fail with "prepared statement already exists"). So is a list page with
 * no condition in id order; other list pages are sent unnamed. PGlite has no such sessions.
 */
import { hash } from 'node:crypto';
import { BY_ID, ID_ORDER } from '../../src/db/prepared.ts';
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
});

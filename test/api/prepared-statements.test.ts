/**
 * PostgreSQL: a long statement runs as a named prepared statement, parsed once per session
 * (src/db/prepared.ts, mikro-orm.config.ts): the second run on the same session reuses it (preparing the
 * name again would fail with "prepared statement already exists"). PGlite has no such sessions.
 */
import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { POSTGRES_MODE } from '../helpers/process.ts';
import { useTestApp } from '../helpers/factories.ts';

// No response cache: every request below runs its statements.
const { app, a } = useTestApp({ env: { RESPONSE_CACHE_BYTES: '0' } });

describe.skipIf(!POSTGRES_MODE)('prepared statements (PostgreSQL)', () => {
  it('a long statement is prepared once per session under the hash of its text; short ones are not prepared', async () => {
    const long = `select ${Array.from({ length: 300 }, (_, i) => `${i} as c${i}`).join(', ')}`;
    const prepared = await app.server.db.orm.em.fork().transactional(async (tx) => {
      const first = await tx.execute(long);
      const second = await tx.execute(long);
      expect(second).toEqual(first);
      await tx.execute('select 1 as one');
      return tx.execute(`select name, statement from pg_prepared_statements where statement = ? or statement = 'select 1 as one'`, [long]);
    });
    expect(prepared).toEqual([{ name: `uv_${hash('sha1', long, 'base64url')}`, statement: long }]);
    // Planned for their parameters each time (no generic plan): mikro-orm.config.ts.
    expect(await app.server.db.orm.em.fork().execute('show plan_cache_mode')).toEqual([{ plan_cache_mode: 'force_custom_plan' }]);
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
      expect(app.sql.some((statement) => statement.length > 2_000)).toBe(true);
      expect(again.status).toBe(200);
      expect(again.text).toBe(first.text);
    }
  });
});

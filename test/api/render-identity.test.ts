import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parseListParams } from '../../src/http/params.ts';
import type { PresentEnv } from '../../src/resources/define.ts';
import { present } from '../../src/resources/define.ts';
import { buildDocument } from '../../src/resources/document.ts';
import { listRows } from '../../src/resources/list.ts';
import { registry } from '../../src/resources/registry.ts';
import { seedDemo } from '../../src/seed.ts';
import { localStore } from '../../src/storage/local.ts';
import { CHUNK_ROWS, renderedByIds } from '../../src/resources/render.ts';
import { rowsByIds, type AnyDb } from '../../src/resources/rows.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { enlargeDemo } from '../helpers/large-account.ts';
import { request } from '../helpers/http.ts';

/**
 * Read routes send records rendered by PostgreSQL (resources/render.ts); writes and the bench's legacy
 * variant build the same records as JS objects (resources/define.ts present()). The two must agree byte
 * for byte. The HTTP tests compare parsed bodies, which would not see `1.50` vs `1.5` or a key order,
 * so this file compares the bytes: every registered declaration over the demo data plus records with
 * awkward values, and whole list documents from the real routes against the object path's
 * JSON.stringify.
 */
let app: TestApp;
let a: Api;
let db: AnyDb;
let env: PresentEnv;

const AWKWARD = 'quote " backslash \\ slash / tab \t newline \n cr \r nul-free controls \u0001\u001f del \u007f é ü 中文 😀 \u2028 \u2029 <script>';

beforeAll(async () => {
  app = await startTestApp();
  // Signed attachment URLs carry an expiry from the clock: both paths must see the same time.
  app.clock.now = Date.now();
  // Rows in (nearly) every table: the demo data, enlarged (as the importer tests' source account).
  const em = app.server.db.orm.em.fork();
  const store = localStore(app.config.uploadsDir);
  await seedDemo(em, store);
  await enlargeDemo(em.getKysely(), store, { scale: 0.5 });
  a = await api(app);
  db = app.server.db.orm.em.fork().getKysely();
  env = { publicUrl: app.config.publicUrl, signedUrl: (path) => `${app.config.publicUrl}${path}` };
  const forum = await a.forum({ name: AWKWARD, welcome_message: AWKWARD, prompt: '' });
  const category = await a.category(forum.id, { name: AWKWARD });
  const user = await a.user({ name: AWKWARD });
  await a.suggestion(forum.id, { title: AWKWARD.slice(0, 120), body: AWKWARD, links: { category: category.id } });
  await a.suggestion(forum.id, { title: 'no body', body: '' });
  // Importance ties (201 / 200 = 1.005 is 1.00499… as a double) and fractional timestamps.
  const tie = await a.suggestion(forum.id, { title: 'importance tie' });
  await db
    .updateTable('suggestions')
    .set({ importance_low_count: 199, importance_medium_count: 1, importance_high_count: 0, created_at: sql`'2024-02-29 23:59:59.999+00'` })
    .where('id', '=', tie.id)
    .execute();
  await db.updateTable('users').set({ last_login: sql`'1999-12-31 23:59:59.5+00'`, city: AWKWARD }).where('id', '=', user.id).execute();
  // Sentiment averages at the rounding edges: (1 − 2) × 100 / 200 = −0.5 rounds to −0 (printed 0), 1 / 200
  // to 0.01, 1 / 3 to 0.33, −2 / 3 to −0.67.
  for (const [promoter, neutral, detractor] of [[0, 199, 1], [1, 199, 0], [1, 2, 0], [0, 1, 2]] as const) {
    const rated = await a.suggestion(forum.id, { title: `sentiment ${promoter}/${neutral}/${detractor}` });
    await db
      .updateTable('suggestions')
      .set({ satisfaction_promoter_count: promoter, satisfaction_neutral_count: neutral, satisfaction_detractor_count: detractor })
      .where('id', '=', rated.id)
      .execute();
  }
  // A service hook (no event of it happens below).
  expect((await a.post('/service_hooks', { url: 'https://hooks.example.com/uv', events: ['comment_created'], secret: 'render-identity-secret-0123456789abcdef' })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

describe('records rendered by PostgreSQL', () => {
  it('equal JSON.stringify(present()) byte for byte for every declaration', async () => {
    let compared = 0;
    const empty: string[] = [];
    for (const def of registry.values()) {
      const ids = (await db.selectFrom(def.table).select('id').orderBy('id').limit(300).execute()).map((r) => Number(r.id));
      if (ids.length === 0) {
        empty.push(def.type);
        continue;
      }
      const rows = (await rowsByIds(db, def, ids)).sort((x, y) => Number(x.id) - Number(y.id));
      const expected = rows.map((row) => JSON.stringify(present(def, row, env)));
      const batch = await renderedByIds(db, def, ids, env);
      expect(batch.ids, def.type).toEqual(ids);
      expect(batch.records(), def.type).toEqual(expected);
      compared += ids.length;
    }
    // The enlarged demo reaches all but two declarations (suggested merges and service hook logs are
    // only made by later activity); the service hook is made above.
    expect(compared).toBeGreaterThan(3000);
    expect(empty.sort()).toEqual(['service_hook_logs', 'suggested_merges']);
  });

  it('make the same list documents as the object path (sorts, cursors, filters, includes)', async () => {
    const queries: Array<[string, Record<string, string>]> = [
      ['suggestions', { per_page: '100', includes: 'forums,users,categories,statuses,labels,features' }],
      ['suggestions', { per_page: '3', sort: '-updated_at', includes: 'users' }],
      ['suggestions', { per_page: '5', sort: 'title' }],
      ['suggestions', { per_page: '2', state: 'approved', includes: 'forums,categories' }],
      ['users', { per_page: '50', includes: 'teams,external_users,crm_accounts' }],
      ['comments', { per_page: '20', includes: 'suggestions,users' }],
      ['forums', { per_page: '100', includes: 'users' }],
      ['labels', { per_page: '100', includes: 'labels' }],
      // Pages come back in chunks of CHUNK_ROWS records: across a chunk boundary, and past the last page
      // (no record, yet the total).
      ['suggestions', { per_page: String(CHUNK_ROWS + 1), page: '2', includes: 'users' }],
      ['suggestions', { per_page: '100', page: '1000', includes: 'users' }],
    ];
    for (const [type, query] of queries) {
      const def = registry.get(type)!;
      const search = new URLSearchParams(query).toString();
      const reply = await request(app.url, 'GET', `/api/v2/admin/${type}?${search}`, { token: await app.token() });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const params = parseListParams({ query } as never, def);
      const { rows, pagination } = await listRows(db, def, params);
      const includes = new Set(query.includes?.split(',') ?? []);
      expect(reply.text, `${type}?${search}`).toBe(JSON.stringify(await buildDocument(db, def, rows, env, { includes, pagination })));
      // The next page through the cursor, too.
      if (reply.body.pagination.cursor) {
        const next = { ...query, cursor: reply.body.pagination.cursor as string };
        const nextReply = await request(app.url, 'GET', `/api/v2/admin/${type}?${new URLSearchParams(next)}`, { token: await app.token() });
        const nextList = await listRows(db, def, parseListParams({ query: next } as never, def));
        expect(nextReply.text).toBe(JSON.stringify(await buildDocument(db, def, nextList.rows, env, { includes, pagination: nextList.pagination })));
      }
    }
  });

  it('keep the requested order on multi-id reads', async () => {
    const ids = (await db.selectFrom('suggestions').select('id').orderBy('id', 'desc').limit(3).execute()).map((r) => Number(r.id));
    const order = [ids[1]!, ids[0]!, ids[2]!];
    const reply = await a.get(`/suggestions/${order.join(',')}?includes=users`);
    expect(reply.status).toBe(200);
    const rows = await rowsByIds(db, registry.get('suggestions')!, order);
    const byId = new Map(rows.map((row) => [Number(row.id), row]));
    const expected = await buildDocument(db, registry.get('suggestions')!, order.map((id) => byId.get(id)!), env, { includes: new Set(['users']) });
    expect(reply.text).toBe(JSON.stringify(expected));
  });
});

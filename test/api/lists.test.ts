import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { suggestions as suggestionsResource } from '../../src/resources/suggestions.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, insertSuggestions, type Api } from '../helpers/factories.ts';
import type { Reply } from '../helpers/http.ts';
import { SUGGESTION_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
/** The user every API-created suggestion is attributed to (the token's user). */
let me: number;

beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  me = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

const db = (): Kysely<DB> => app.server.db.orm.em.fork().getKysely<DB>();
const unique = () => randomUUID().slice(0, 8);
const at = (iso: string) => new Date(iso);

/** GET a list and insist on a 200 with the list envelope. */
async function list(path: string): Promise<Reply> {
  const reply = await a.get(path);
  expect(reply.status, `${path} → ${reply.text}`).toBe(200);
  expect(reply.body.list_meta, path).toBeNull();
  return reply;
}

/** Ids of the primary collection of a list, in response order. */
async function ids(path: string): Promise<number[]> {
  const collection = path.slice(1).split('?')[0]!;
  const reply = await list(path);
  return (reply.body[collection] as Array<{ id: number }>).map((r) => r.id);
}

/** Newest first: the default `-id` order. */
const desc = (...values: number[]) => [...values].sort((x, y) => y - x);

function expectBadRequest(reply: Reply, mentions?: string) {
  expect(reply.status, reply.text).toBe(400);
  expect(reply.body).toEqual({
    errors: { error: 'bad_request', message: mentions ? expect.stringContaining(mentions) : expect.any(String) },
  });
}


describe('pagination walk: 1,000 suggestions with identical created_at and updated_at', () => {
  const PER_PAGE = 37;
  const TOTAL = 1000;
  const PAGES = Math.ceil(TOTAL / PER_PAGE); // 28
  let forumId: number;
  let all: number[];

  beforeAll(async () => {
    forumId = (await a.forum()).id;
    all = await insertSuggestions(app, forumId, TOTAL, { created_at: at('2024-01-15T10:30:00Z'), updated_at: at('2024-01-15T10:30:00Z') });
    expect(all).toHaveLength(TOTAL);
    expect(PAGES).toBe(28);
  });

  // Every timestamp is equal, so each sort degenerates to its id tie-breaker in the same direction.
  const SORTS: Array<string | undefined> = [undefined, '-id', 'id', 'created_at', '-created_at', 'updated_at', '-updated_at'];
  const expectedOrder = (sort: string | undefined) => (sort === undefined || sort.startsWith('-') ? [...all].reverse() : all);
  const base = (sort: string | undefined) => `/suggestions?forum=${forumId}&per_page=${PER_PAGE}${sort ? `&sort=${sort}` : ''}`;

  function checkPage(reply: Reply, page: number) {
    const rows = reply.body.suggestions as unknown[];
    expect(rows.length).toBeLessThanOrEqual(PER_PAGE);
    expect(rows).toHaveLength(page < PAGES ? PER_PAGE : page === PAGES ? TOTAL - (PAGES - 1) * PER_PAGE : 0);
    const { cursor, page_token, ...rest } = reply.body.pagination;
    expect(rest).toEqual({ page, per_page: PER_PAGE, total_pages: PAGES, total_records: TOTAL });
    if (page < PAGES) expect(cursor, `cursor on page ${page}`).toEqual(expect.any(String));
    else expect(reply.body.pagination, `no cursor on page ${page}`).not.toHaveProperty('cursor');
    expect(page_token, `page_token on page ${page}`).toBe(cursor);
  }

  it.each(SORTS.map((s) => [s ?? '(default -id)', s]))('by page numbers, sort %s', async (_label, sort) => {
    const seen: number[] = [];
    let page = 1;
    for (; page <= PAGES + 1; page++) {
      const reply = await list(`${base(sort)}&page=${page}`);
      checkPage(reply, page);
      seen.push(...reply.body.suggestions.map((s: { id: number }) => s.id));
      if (page > reply.body.pagination.total_pages) break;
    }
    expect(page).toBe(PAGES + 1);
    expect(new Set(seen).size).toBe(TOTAL);
    expect(seen).toEqual(expectedOrder(sort));
  });

  it.each(SORTS.map((s) => [s ?? '(default -id)', s]))('by following pagination.cursor, sort %s', async (_label, sort) => {
    const seen: number[] = [];
    let reply = await list(base(sort));
    let page = 1;
    for (;;) {
      checkPage(reply, page);
      seen.push(...reply.body.suggestions.map((s: { id: number }) => s.id));
      const cursor = reply.body.pagination.cursor as string | undefined;
      if (!cursor) break;
      expect(page).toBeLessThan(PAGES);
      page++;
      // `page_token` is a synonym of `cursor`: use it on every third step.
      const key = page % 3 === 0 ? 'page_token' : 'cursor';
      reply = await list(`${base(sort)}&${key}=${encodeURIComponent(cursor)}`);
    }
    expect(page).toBe(PAGES);
    expect(new Set(seen).size).toBe(TOTAL);
    expect(seen).toEqual(expectedOrder(sort));
  });

  it('walks the whole way with page_token alone', async () => {
    const seen: number[] = [];
    let reply = await list(base('created_at'));
    for (let page = 1; ; page++) {
      checkPage(reply, page);
      seen.push(...reply.body.suggestions.map((s: { id: number }) => s.id));
      const cursor = reply.body.pagination.cursor as string | undefined;
      if (!cursor) break;
      reply = await list(`${base('created_at')}&page_token=${encodeURIComponent(cursor)}`);
    }
    expect(seen).toEqual(all);
  });
});

describe('pagination edges', () => {
  it('an empty result: no rows, zero pages, no cursor', async () => {
    const forum = await a.forum();
    const reply = await list(`/suggestions?forum=${forum.id}`);
    expect(reply.body).toEqual({
      suggestions: [],
      links: SUGGESTION_LINKS,
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 0, total_records: 0 },
    });
  });

  it('an exact multiple of per_page: 40 rows at 20 are 2 pages, a cursor on page 1 only', async () => {
    const forum = await a.forum();
    const all = await insertSuggestions(app, forum.id, 40);
    const first = await list(`/suggestions?forum=${forum.id}&per_page=20`);
    expect(first.body.pagination).toEqual({ page: 1, per_page: 20, total_pages: 2, total_records: 40, cursor: expect.any(String), page_token: expect.any(String) });
    expect(first.body.suggestions.map((s: { id: number }) => s.id)).toEqual(all.slice(20).reverse());

    const byNumber = await list(`/suggestions?forum=${forum.id}&per_page=20&page=2`);
    expect(byNumber.body.pagination).toEqual({ page: 2, per_page: 20, total_pages: 2, total_records: 40 });
    expect(byNumber.body.suggestions.map((s: { id: number }) => s.id)).toEqual(all.slice(0, 20).reverse());

    const byCursor = await list(`/suggestions?forum=${forum.id}&per_page=20&cursor=${encodeURIComponent(first.body.pagination.cursor)}`);
    expect(byCursor.body.pagination).toEqual({ page: 2, per_page: 20, total_pages: 2, total_records: 40 });
    expect(byCursor.body.suggestions.map((s: { id: number }) => s.id)).toEqual(all.slice(0, 20).reverse());
  });

  it('a page past the end: an empty array, totals still right, no cursor', async () => {
    const forum = await a.forum();
    await insertSuggestions(app, forum.id, 40);
    for (const page of [3, 4, 1000]) {
      const reply = await list(`/suggestions?forum=${forum.id}&per_page=20&page=${page}`);
      expect(reply.body.suggestions).toEqual([]);
      expect(reply.body.pagination).toEqual({ page, per_page: 20, total_pages: 2, total_records: 40 });
    }
  });

  it('per_page defaults to 20', async () => {
    const forum = await a.forum();
    const all = await insertSuggestions(app, forum.id, 45);
    const reply = await list(`/suggestions?forum=${forum.id}`);
    expect(reply.body.suggestions.map((s: { id: number }) => s.id)).toEqual(all.slice(25).reverse());
    expect(reply.body.pagination).toEqual({ page: 1, per_page: 20, total_pages: 3, total_records: 45, cursor: expect.any(String), page_token: expect.any(String) });
    // An empty value is the default too.
    const empty = await list(`/suggestions?forum=${forum.id}&per_page=&page=`);
    expect(empty.body.pagination).toEqual(reply.body.pagination);
  });

  it('per_page above 100 is clamped to 100', async () => {
    const forum = await a.forum();
    const all = await insertSuggestions(app, forum.id, 120);
    for (const perPage of ['101', '100000', '2147483647']) {
      const reply = await list(`/suggestions?forum=${forum.id}&per_page=${perPage}`);
      expect(reply.body.suggestions).toHaveLength(100);
      expect(reply.body.suggestions.map((s: { id: number }) => s.id)).toEqual(all.slice(20).reverse());
      expect(reply.body.pagination).toEqual({ page: 1, per_page: 100, total_pages: 2, total_records: 120, cursor: expect.any(String), page_token: expect.any(String) });
      const next = await list(`/suggestions?forum=${forum.id}&per_page=${perPage}&cursor=${encodeURIComponent(reply.body.pagination.cursor)}`);
      expect(next.body.suggestions.map((s: { id: number }) => s.id)).toEqual(all.slice(0, 20).reverse());
      expect(next.body.pagination).toEqual({ page: 2, per_page: 100, total_pages: 2, total_records: 120 });
    }
  });

  it('400 bad_request for invalid page, per_page, sort and cursor values', async () => {
    const forum = await a.forum();
    await insertSuggestions(app, forum.id, 3);
    const base = `/suggestions?forum=${forum.id}`;
    const byId = await list(`${base}&per_page=1&sort=id`);
    const idCursor = encodeURIComponent(byId.body.pagination.cursor);
    const forge = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases: Array<[string, string | undefined]> = [
      ['per_page=0', 'per_page'],
      ['per_page=-1', 'per_page'],
      ['per_page=abc', 'per_page'],
      ['per_page=1.5', 'per_page'],
      ['per_page=10&per_page=20', 'per_page'],
      ['page=0', 'page'],
      ['page=-1', 'page'],
      ['page=abc', 'page'],
      ['page=1&page=2', 'page'],
      ['sort=nope', 'nope'],
      ['sort=-nope', 'nope'],
      ['sort=body', 'body'],
      ['sort=id&sort=-id', 'sort'],
      ['cursor=not-a-cursor', 'cursor'],
      ['page_token=not-a-cursor', 'cursor'],
      [`cursor=${forge(['-id', null, 1.5, 2])}`, 'cursor'],
      [`cursor=${forge(['-id', null, 1, 0])}`, 'cursor'],
      [`cursor=${forge({ sort: '-id' } as unknown as unknown[])}`, 'cursor'],
      // A cursor made for another sort order.
      [`cursor=${idCursor}`, 'cursor'],
      [`sort=-id&cursor=${idCursor}`, 'cursor'],
      [`sort=created_at&page_token=${idCursor}`, 'cursor'],
    ];
    for (const [query, mentions] of cases) {
      const reply = await a.get(`${base}&${query}`);
      expect(reply.status, `${query} → ${reply.text}`).toBe(400);
      expectBadRequest(reply, mentions);
    }
  });

  it('400 bad_request for a cursor of the right sort whose position value does not fit the column', async () => {
    // Cursors are opaque but client-held: a tampered or corrupted one is the client's error, not a 500.
    const forum = await a.forum();
    await insertSuggestions(app, forum.id, 3);
    const forge = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const queries = [
      `sort=created_at&cursor=${forge(['created_at', 'not a timestamp', 1, 2])}`,
      `sort=-updated_at&page_token=${forge(['-updated_at', '2024-99-99', 1, 2])}`,
      `sort=votes_count&cursor=${forge(['votes_count', 'many', 1, 2])}`,
      `sort=votes_count&cursor=${forge(['votes_count', '99999999999999999999999', 1, 2])}`,
      // No position value at all for a sort that needs one.
      `sort=created_at&cursor=${forge(['created_at', null, 1, 2])}`,
    ];
    const replies = [];
    for (const query of queries) {
      const reply = await a.get(`/suggestions?forum=${forum.id}&${query}`);
      replies.push({ query, status: reply.status, body: reply.body });
    }
    expect(replies).toEqual(
      queries.map((query) => ({ query, status: 400, body: { errors: { error: 'bad_request', message: expect.any(String) } } })),
    );
  });
});

describe('suggestion filters', () => {
  it('forum: comma list and repeated keys, includes and excludes', async () => {
    const [f, g, h] = [await a.forum(), await a.forum(), await a.forum()];
    const s1 = (await a.suggestion(f.id)).id;
    const s2 = (await a.suggestion(g.id)).id;
    const s3 = (await a.suggestion(h.id)).id;
    expect(await ids(`/suggestions?forum=${f.id}`)).toEqual([s1]);
    expect(await ids(`/suggestions?forum=${h.id}`)).toEqual([s3]);
    expect(await ids(`/suggestions?forum=${f.id},${g.id}`)).toEqual(desc(s1, s2));
    expect(await ids(`/suggestions?forum=${f.id}&forum=${g.id}`)).toEqual(desc(s1, s2));
    expect(await ids(`/suggestions?forum=${f.id}%2C${h.id}&forum=${g.id}`)).toEqual(desc(s1, s2, s3));
    expectBadRequest(await a.get(`/suggestions?forum=abc`), 'forum');
  });

  it('category, category_none', async () => {
    const f = await a.forum();
    const [c1, c2] = [await a.category(f.id), await a.category(f.id)];
    const s1 = (await a.suggestion(f.id, { links: { category: c1.id } })).id;
    const s2 = (await a.suggestion(f.id, { links: { category: c2.id } })).id;
    const s3 = (await a.suggestion(f.id)).id;
    const q = `/suggestions?forum=${f.id}`;
    expect(await ids(`${q}&category=${c1.id}`)).toEqual([s1]);
    expect(await ids(`${q}&category=${c2.id}`)).toEqual([s2]);
    expect(await ids(`${q}&category=${c1.id},${c2.id}`)).toEqual(desc(s1, s2));
    expect(await ids(`${q}&category=${c1.id}&category=${c2.id}`)).toEqual(desc(s1, s2));
    expect(await ids(`${q}&category_none=true`)).toEqual([s3]);
    expect(await ids(`${q}&category_none=false`)).toEqual(desc(s1, s2));
    expect(await ids(q)).toEqual(desc(s1, s2, s3));
    expectBadRequest(await a.get(`${q}&category_none=maybe`), 'category_none');
  });

  it('status, status_none', async () => {
    const f = await a.forum();
    const [st1, st2] = [await a.status(), await a.status()];
    const s1 = (await a.suggestion(f.id, { links: { status: st1.id } })).id;
    const s2 = (await a.suggestion(f.id, { links: { status: st2.id } })).id;
    const s3 = (await a.suggestion(f.id)).id;
    const q = `/suggestions?forum=${f.id}`;
    expect(await ids(`${q}&status=${st1.id}`)).toEqual([s1]);
    expect(await ids(`${q}&status=${st2.id}`)).toEqual([s2]);
    expect(await ids(`${q}&status=${st1.id},${st2.id}`)).toEqual(desc(s1, s2));
    expect(await ids(`${q}&status=${st1.id}&status=${st2.id}`)).toEqual(desc(s1, s2));
    expect(await ids(`${q}&status_none=true`)).toEqual([s3]);
    expect(await ids(`${q}&status_none=false`)).toEqual(desc(s1, s2));
  });

  it('label (attached through POST /labels/attach); a row with two matching labels appears once', async () => {
    const f = await a.forum();
    const [l1, l2, l3] = [await a.label(), await a.label(), await a.label()];
    const s1 = (await a.suggestion(f.id)).id;
    const s2 = (await a.suggestion(f.id)).id;
    const s3 = (await a.suggestion(f.id)).id;
    const s4 = (await a.suggestion(f.id)).id;
    for (const [label, suggestion] of [
      [l1.id, s1],
      [l2.id, s2],
      [l1.id, s3],
      [l2.id, s3],
    ]) {
      const reply = await a.post('/labels/attach', { links: { label, suggestion } });
      expect(reply.status, reply.text).toBe(200);
    }
    const q = `/suggestions?forum=${f.id}`;
    expect(await ids(`${q}&label=${l1.id}`)).toEqual(desc(s1, s3));
    expect(await ids(`${q}&label=${l2.id}`)).toEqual(desc(s2, s3));
    expect(await ids(`${q}&label=${l3.id}`)).toEqual([]);
    expect(await ids(`${q}&label=${l1.id},${l2.id}`)).toEqual(desc(s1, s2, s3));
    expect(await ids(`${q}&label=${l1.id}&label=${l2.id}`)).toEqual(desc(s1, s2, s3));
    expect(await ids(q)).toEqual(desc(s1, s2, s3, s4));
    const withLinks = await list(`${q}&label=${l1.id},${l2.id}&per_page=1`);
    expect(withLinks.body.suggestions[0].links.labels).toEqual([l1.id, l2.id]);
    expect(withLinks.body.pagination).toEqual({ page: 1, per_page: 1, total_pages: 3, total_records: 3, cursor: expect.any(String), page_token: expect.any(String) });
  });

  it('state: values, negations, comma lists and repeated keys', async () => {
    const f = await a.forum();
    const approved = (await a.suggestion(f.id)).id;
    const spam = (await a.suggestion(f.id)).id;
    const deleted = (await a.suggestion(f.id)).id;
    expect((await a.put(`/suggestions/${spam}/spam`)).status).toBe(200);
    expect((await a.delete(`/suggestions/${deleted}`)).status).toBe(200);
    const q = `/suggestions?forum=${f.id}`;
    expect(await ids(`${q}&state=approved`)).toEqual([approved]);
    expect(await ids(`${q}&state=spam`)).toEqual([spam]);
    expect(await ids(`${q}&state=spam,deleted`)).toEqual(desc(spam, deleted));
    expect(await ids(`${q}&state=spam&state=deleted`)).toEqual(desc(spam, deleted));
    expect(await ids(`${q}&state=-deleted,-spam`)).toEqual([approved]);
    expect(await ids(`${q}&state=-deleted&state=-spam`)).toEqual([approved]);
    expect(await ids(`${q}&state=-deleted`)).toEqual(desc(approved, spam));
    expect(await ids(`${q}&state=published`)).toEqual([]);
    expect(await ids(q)).toEqual(desc(approved, spam, deleted));
    expectBadRequest(await a.get(`${q}&state=bogus`), 'state');
  });

  it('creator', async () => {
    const f = await a.forum();
    const other = (await a.user()).id;
    const mine = (await a.suggestion(f.id)).id;
    const theirs = (await a.suggestion(f.id)).id;
    await db().updateTable('suggestions').set({ created_by_id: other }).where('id', '=', theirs).execute();
    const q = `/suggestions?forum=${f.id}`;
    expect(await ids(`${q}&creator=${me}`)).toEqual([mine]);
    expect(await ids(`${q}&creator=${other}`)).toEqual([theirs]);
    expect(await ids(`${q}&creator=${me},${other}`)).toEqual(desc(mine, theirs));
    expect(await ids(`${q}&creator=${me}&creator=${other}`)).toEqual(desc(mine, theirs));
    const [row] = (await list(`${q}&creator=${other}`)).body.suggestions;
    expect(row.links.created_by).toBe(other);
  });

  it('q: case-insensitive substring of title or body; % and _ are literal', async () => {
    const f = await a.forum();
    const dark = (await a.suggestion(f.id, { title: 'Dark Mode please' })).id;
    const darkBody = (await a.suggestion(f.id, { title: 'Theme', body: 'It needs a DARK theme' })).id;
    const percent = (await a.suggestion(f.id, { title: '100% uptime' })).id;
    const thousand = (await a.suggestion(f.id, { title: '1000 uptime' })).id;
    const underscore = (await a.suggestion(f.id, { title: 'snake_case names' })).id;
    const lookalike = (await a.suggestion(f.id, { title: 'snakeXcase names' })).id;
    const q = `/suggestions?forum=${f.id}`;
    expect(await ids(`${q}&q=dark`)).toEqual(desc(dark, darkBody));
    expect(await ids(`${q}&q=DARK%20MODE`)).toEqual([dark]);
    expect(await ids(`${q}&q=dark+theme`)).toEqual([darkBody]);
    expect(await ids(`${q}&q=${encodeURIComponent('100%')}`)).toEqual([percent]);
    expect(await ids(`${q}&q=${encodeURIComponent('%')}`)).toEqual([percent]);
    expect(await ids(`${q}&q=e_c`)).toEqual([underscore]);
    expect(await ids(`${q}&q=_`)).toEqual([underscore]);
    expect(await ids(`${q}&q=uptime`)).toEqual(desc(percent, thousand));
    expect(await ids(`${q}&q=nothing-like-this`)).toEqual([]);
    expect(await ids(`${q}&q=`)).toEqual(desc(dark, darkBody, percent, thousand, underscore, lookalike));
  });

  it('filters combine with AND', async () => {
    const f = await a.forum();
    const g = await a.forum();
    const c = await a.category(f.id);
    const l = await a.label();
    const s1 = (await a.suggestion(f.id, { title: 'combo match', links: { category: c.id } })).id;
    const s2 = (await a.suggestion(f.id, { title: 'combo wrong state', links: { category: c.id } })).id;
    const s3 = (await a.suggestion(f.id, { title: 'combo no category' })).id;
    const s4 = (await a.suggestion(f.id, { title: 'other title', links: { category: c.id } })).id;
    const s5 = (await a.suggestion(g.id, { title: 'combo other forum' })).id;
    for (const s of [s1, s2, s3, s4]) expect((await a.post('/labels/attach', { links: { label: l.id, suggestion: s } })).status).toBe(200);
    expect((await a.put(`/suggestions/${s2}/spam`)).status).toBe(200);
    expect(await ids(`/suggestions?forum=${f.id},${g.id}&q=combo`)).toEqual(desc(s1, s2, s3, s5));
    expect(await ids(`/suggestions?forum=${f.id},${g.id}&q=combo&category=${c.id}`)).toEqual(desc(s1, s2));
    expect(await ids(`/suggestions?forum=${f.id},${g.id}&q=combo&category=${c.id}&state=-spam`)).toEqual([s1]);
    expect(await ids(`/suggestions?forum=${f.id},${g.id}&label=${l.id}&state=approved&category_none=false`)).toEqual(desc(s1, s4));
    expect(await ids(`/suggestions?forum=${g.id}&label=${l.id}`)).toEqual([]);
    expect(await ids(`/suggestions?forum=${f.id}&creator=${me}&q=combo&category_none=true`)).toEqual([s3]);
  });

  it('unknown filter names are ignored', async () => {
    const f = await a.forum();
    const s1 = (await a.suggestion(f.id)).id;
    const s2 = (await a.suggestion(f.id)).id;
    expect(await ids(`/suggestions?forum=${f.id}&colour=red&bogus&filter[x]=1&forum_id=999999`)).toEqual(desc(s1, s2));
  });
});

/** The forms of 2024-01-15T10:30:00 UTC clients send, as they appear in a query string. */
const TIMESTAMP_FORMS: Array<[string, string]> = [
  ['Z', '2024-01-15T10:30:00Z'],
  ['.000Z', '2024-01-15T10:30:00.000Z'],
  ['+00:00 (encoded)', '2024-01-15T10:30:00%2B00:00'],
  ['+00:00 (raw +, arrives as a space)', '2024-01-15T10:30:00+00:00'],
  ['.NET seven fractional digits, no zone', '2024-01-15T10:30:00.0000000'],
];
const BEFORE = '2024-01-15T10:29:59Z';
const EXACT = '2024-01-15T10:30:00Z';
const AFTER = '2024-01-15T10:30:01Z';

type TimestampedTable = 'suggestions' | 'forums' | 'categories' | 'users' | 'statuses' | 'labels';

/**
 * Sets three records' updated_at to one second before, exactly at and one second after 10:30:00, then
 * checks updated_after / updated_before are strict in every accepted form. `scope` narrows the list to
 * this test's rows where the collection has a filter for it; elsewhere these are the only rows on that day.
 */
async function checkUpdatedWindow(table: TimestampedTable, [early, exact, late]: [number, number, number], scope = '') {
  const k = db();
  for (const [id, when] of [
    [early, BEFORE],
    [exact, EXACT],
    [late, AFTER],
  ] as const) {
    await k.updateTable(table).set({ updated_at: at(when) }).where('id', '=', id).execute();
  }
  const path = `/${table}?per_page=100${scope}`;
  for (const [label, form] of TIMESTAMP_FORMS) {
    expect(await ids(`${path}&updated_after=${form}&updated_before=2024-01-16T00:00:00Z`), `${table} updated_after ${label}`).toEqual([late]);
    expect(await ids(`${path}&updated_before=${form}&updated_after=2024-01-14T00:00:00Z`), `${table} updated_before ${label}`).toEqual([early]);
    expect(await ids(`${path}&updated_before=${form}`), `${table} updated_before ${label} alone`).toEqual([early]);
  }
  expect(await ids(`${path}&updated_after=${BEFORE}&updated_before=${AFTER}`), `${table} strict on both sides`).toEqual([exact]);
  expect(await ids(`${path}&updated_after=${EXACT}&updated_before=${AFTER}`), `${table} empty window`).toEqual([]);
  expect(await ids(`${path}&updated_after=2024-01-15T10:29:58Z&updated_before=2024-01-15T10:30:02Z`)).toEqual(desc(early, exact, late));
  expectBadRequest(await a.get(`${path}&updated_after=yesterday`), 'updated_after');
  expectBadRequest(await a.get(`${path}&updated_before=2024-13-45T99:99:99Z`), 'updated_before');
}

describe('updated_after / updated_before on every list', () => {
  it('suggestions', async () => {
    const f = await a.forum();
    const rows = [(await a.suggestion(f.id)).id, (await a.suggestion(f.id)).id, (await a.suggestion(f.id)).id] as [number, number, number];
    await checkUpdatedWindow('suggestions', rows, `&forum=${f.id}`);
    // Without the upper bound, rows created now are after 10:30 too.
    const fresh = (await a.suggestion(f.id)).id;
    expect(await ids(`/suggestions?forum=${f.id}&updated_after=2024-01-15T10:30:00Z`)).toEqual(desc(rows[2], fresh));
  });

  it('forums', async () => {
    const rows = [(await a.forum()).id, (await a.forum()).id, (await a.forum()).id] as [number, number, number];
    await checkUpdatedWindow('forums', rows);
  });

  it('categories', async () => {
    const f = await a.forum();
    const rows = [(await a.category(f.id)).id, (await a.category(f.id)).id, (await a.category(f.id)).id] as [number, number, number];
    await checkUpdatedWindow('categories', rows, `&forum=${f.id}`);
  });

  it('users', async () => {
    const rows = [(await a.user()).id, (await a.user()).id, (await a.user()).id] as [number, number, number];
    await checkUpdatedWindow('users', rows);
  });

  it('statuses', async () => {
    const rows = [(await a.status()).id, (await a.status()).id, (await a.status()).id] as [number, number, number];
    await checkUpdatedWindow('statuses', rows);
  });

  it('labels', async () => {
    const rows = [(await a.label()).id, (await a.label()).id, (await a.label()).id] as [number, number, number];
    await checkUpdatedWindow('labels', rows);
  });
});

describe('filters of the other lists', () => {
  it('categories: forum', async () => {
    const [f, g, h] = [await a.forum(), await a.forum(), await a.forum()];
    const c1 = (await a.category(f.id)).id;
    const c2 = (await a.category(f.id)).id;
    const c3 = (await a.category(g.id)).id;
    expect(await ids(`/categories?forum=${f.id}`)).toEqual(desc(c1, c2));
    expect(await ids(`/categories?forum=${g.id}`)).toEqual([c3]);
    expect(await ids(`/categories?forum=${h.id}`)).toEqual([]);
    expect(await ids(`/categories?forum=${f.id},${g.id}`)).toEqual(desc(c1, c2, c3));
    expect(await ids(`/categories?forum=${f.id}&forum=${g.id}`)).toEqual(desc(c1, c2, c3));
    const reply = await list(`/categories?forum=${f.id}&per_page=1`);
    expect(reply.body.pagination).toEqual({ page: 1, per_page: 1, total_pages: 2, total_records: 2, cursor: expect.any(String), page_token: expect.any(String) });
  });

  it('users: email_address (case-insensitive, list) and q', async () => {
    const tag = unique();
    const alpha = (await a.user({ email: `alpha.${tag}@example.com`, name: `Alpha ${tag}` })).id;
    const beta = (await a.user({ email: `Beta.${tag}@Example.COM`, name: 'Beta' })).id;
    const gamma = (await a.user({ email: `gamma.${tag}@example.org`, name: `Gamma` })).id;
    expect(await ids(`/users?email_address=alpha.${tag}@example.com`)).toEqual([alpha]);
    expect(await ids(`/users?email_address=ALPHA.${tag}@EXAMPLE.COM`)).toEqual([alpha]);
    expect(await ids(`/users?email_address=beta.${tag}@example.com`)).toEqual([beta]);
    expect(await ids(`/users?email_address=alpha.${tag}@example.com,BETA.${tag}@example.com`)).toEqual(desc(alpha, beta));
    expect(await ids(`/users?email_address=alpha.${tag}@example.com&email_address=gamma.${tag}@example.org`)).toEqual(desc(alpha, gamma));
    expect(await ids(`/users?email_address=nobody.${tag}@example.com`)).toEqual([]);

    expect(await ids(`/users?q=${tag}`)).toEqual(desc(alpha, beta, gamma));
    expect(await ids(`/users?q=${tag.toUpperCase()}`)).toEqual(desc(alpha, beta, gamma));
    expect(await ids(`/users?q=ALPHA%20${tag}`)).toEqual([alpha]); // the name
    expect(await ids(`/users?q=${tag}@example.org`)).toEqual([gamma]); // the email
    expect(await ids(`/users?q=${tag}&email_address=beta.${tag}@example.com`)).toEqual([beta]);
  });

  it('forums: open=true|false', async () => {
    const open = (await a.forum()).id;
    const closed = (await a.forum({ is_open: false })).id;
    const openList = await list(`/forums?open=true&per_page=100`);
    const closedList = await list(`/forums?open=false&per_page=100`);
    const everything = await list(`/forums?per_page=100`);
    expect(everything.body.pagination.total_records).toBeLessThanOrEqual(100);
    const idsOf = (reply: Reply) => reply.body.forums.map((f: { id: number }) => f.id) as number[];
    expect(idsOf(openList)).toContain(open);
    expect(idsOf(openList)).not.toContain(closed);
    expect(idsOf(closedList)).toContain(closed);
    expect(idsOf(closedList)).not.toContain(open);
    expect(openList.body.forums.every((f: { is_open: boolean }) => f.is_open)).toBe(true);
    expect(closedList.body.forums.every((f: { is_open: boolean }) => !f.is_open)).toBe(true);
    expect(openList.body.pagination.total_records + closedList.body.pagination.total_records).toBe(everything.body.pagination.total_records);
    expect([...idsOf(openList), ...idsOf(closedList)].sort((x, y) => x - y)).toEqual([...idsOf(everything)].sort((x, y) => x - y));
    expectBadRequest(await a.get('/forums?open=perhaps'), 'open');
  });

  it('labels: parent', async () => {
    const p1 = (await a.label()).id;
    const p2 = (await a.label()).id;
    const p3 = (await a.label()).id;
    const k1 = (await a.label({ links: { parent: p1 } })).id;
    const k2 = (await a.label({ links: { parent: p1 } })).id;
    const k3 = (await a.label({ links: { parent: p2 } })).id;
    const grandchild = (await a.label({ links: { parent: k1 } })).id;
    expect(await ids(`/labels?parent=${p1}`)).toEqual(desc(k1, k2));
    expect(await ids(`/labels?parent=${p2}`)).toEqual([k3]);
    expect(await ids(`/labels?parent=${p3}`)).toEqual([]);
    expect(await ids(`/labels?parent=${k1}`)).toEqual([grandchild]);
    expect(await ids(`/labels?parent=${p1},${p2}`)).toEqual(desc(k1, k2, k3));
    expect(await ids(`/labels?parent=${p1}&parent=${p2}`)).toEqual(desc(k1, k2, k3));
  });

  it('unknown filter names are ignored on every list', async () => {
    const f = await a.forum();
    for (const collection of ['forums', 'categories', 'users', 'statuses', 'labels']) {
      const plain = await list(`/${collection}?per_page=100&forum=${f.id}`);
      const noisy = await list(`/${collection}?per_page=100&forum=${f.id}&bogus=1&colour=red,blue&nope`);
      expect(noisy.body, collection).toEqual(plain.body);
    }
  });
});

describe('sorts', () => {
  const FIELDS = ['created_at', 'updated_at', 'title', 'supporters_count', 'votes_count', 'comments_count', 'requests_count'] as const;
  type Field = (typeof FIELDS)[number];
  interface Fixture {
    id: number;
    values: Record<Field, string | number>;
  }
  let forumId: number;
  let rows: Fixture[];

  beforeAll(async () => {
    forumId = (await a.forum()).id;
    const titles = ['delta', 'alpha', 'charlie', 'alpha', 'bravo', 'delta', 'echo', 'bravo', 'alpha'];
    const ids_ = await insertSuggestions(app, forumId, titles.length);
    // Every column has ties, each in a different pattern, so the id tie-breaker matters everywhere.
    const seconds = (n: number) => new Date(Date.UTC(2024, 0, 15, 10, 30, n)).toISOString();
    rows = ids_.map((id, i) => ({
      id,
      values: {
        created_at: seconds([2, 0, 1, 0, 2, 1, 3, 0, 2][i]!),
        updated_at: seconds([5, 5, 4, 6, 4, 5, 6, 7, 4][i]!),
        title: titles[i]!,
        supporters_count: [3, 1, 2, 1, 3, 0, 2, 1, 0][i]!,
        votes_count: [10, 10, 20, 0, 20, 10, 5, 5, 0][i]!,
        comments_count: [0, 0, 1, 1, 0, 2, 2, 0, 1][i]!,
        requests_count: [7, 3, 7, 3, 7, 3, 1, 1, 1][i]!,
      },
    }));
    const k = db();
    for (const row of rows) {
      const { created_at, updated_at, ...rest } = row.values;
      await k
        .updateTable('suggestions')
        .set({ ...(rest as Record<string, string | number>), created_at: at(created_at as string), updated_at: at(updated_at as string) })
        .where('id', '=', row.id)
        .execute();
    }
  });

  function expected(field: Field | 'id', descending: boolean): number[] {
    const value = (r: Fixture) => (field === 'id' ? r.id : r.values[field]);
    const ascending = [...rows].sort((x, y) => {
      const [vx, vy] = [value(x), value(y)];
      return vx < vy ? -1 : vx > vy ? 1 : x.id - y.id;
    });
    return (descending ? ascending.reverse() : ascending).map((r) => r.id);
  }

  it('covers every declared sort of suggestions', () => {
    expect(Object.keys(suggestionsResource.sorts ?? {}).sort()).toEqual([...FIELDS].sort());
  });

  const cases = [...FIELDS, 'id' as const].flatMap((field) => [
    [field, false],
    [`-${field}`, true],
  ] as Array<[string, boolean]>).map(([sort, descending]) => [sort, sort.replace(/^-/, '') as Field | 'id', descending] as const);

  it.each(cases)('sort=%s, ties broken by id in the same direction (one page and a cursor walk of 2)', async (sort, field, descending) => {
    const want = expected(field, descending);
    expect(await ids(`/suggestions?forum=${forumId}&sort=${sort}&per_page=100`)).toEqual(want);
    // The keyset cursor must agree with ORDER BY for this column type, across ties.
    const walked: number[] = [];
    let reply = await list(`/suggestions?forum=${forumId}&sort=${sort}&per_page=2`);
    for (;;) {
      walked.push(...reply.body.suggestions.map((s: { id: number }) => s.id));
      const cursor = reply.body.pagination.cursor as string | undefined;
      if (!cursor) break;
      reply = await list(`/suggestions?forum=${forumId}&sort=${sort}&per_page=2&cursor=${encodeURIComponent(cursor)}`);
    }
    expect(walked).toEqual(want);
    // And page numbers agree too.
    const paged: number[] = [];
    for (let page = 1; page <= 5; page++) paged.push(...(await ids(`/suggestions?forum=${forumId}&sort=${sort}&per_page=2&page=${page}`)));
    expect(paged).toEqual(want);
  });

  it('the wire values are in the requested order', async () => {
    const reply = await list(`/suggestions?forum=${forumId}&sort=-votes_count&per_page=100`);
    const votes = reply.body.suggestions.map((s: { votes_count: number }) => s.votes_count);
    expect(votes).toEqual([...votes].sort((x: number, y: number) => y - x));
    const byTitle = await list(`/suggestions?forum=${forumId}&sort=title&per_page=100`);
    expect(byTitle.body.suggestions.map((s: { title: string }) => s.title)).toEqual([
      'alpha',
      'alpha',
      'alpha',
      'bravo',
      'bravo',
      'charlie',
      'delta',
      'delta',
      'echo',
    ]);
  });

  it('an unknown sort field is a 400', async () => {
    for (const sort of ['nope', '-nope', 'body', 'state', '--id', 'forum_id', '']) {
      const reply = await a.get(`/suggestions?forum=${forumId}&sort=${encodeURIComponent(sort)}`);
      if (sort === '') {
        // An empty sort is the default.
        expect(reply.status).toBe(200);
        continue;
      }
      expectBadRequest(reply, 'sort');
    }
  });
});

describe('totals reflect the filtered query', () => {
  it('7 of 30 rows kept at per_page 5: total_records 7, total_pages 2', async () => {
    const f = await a.forum();
    const all = await insertSuggestions(app, f.id, 30);
    const kept = [all[1]!, all[4]!, all[9]!, all[10]!, all[17]!, all[25]!, all[29]!];
    await db().updateTable('suggestions').set({ state: 'spam' }).where('id', 'in', kept).execute();

    const unfiltered = await list(`/suggestions?forum=${f.id}&per_page=5`);
    expect(unfiltered.body.pagination).toEqual({ page: 1, per_page: 5, total_pages: 6, total_records: 30, cursor: expect.any(String), page_token: expect.any(String) });

    const page1 = await list(`/suggestions?forum=${f.id}&state=spam&per_page=5`);
    expect(page1.body.suggestions.map((s: { id: number }) => s.id)).toEqual(desc(...kept).slice(0, 5));
    expect(page1.body.pagination).toEqual({ page: 1, per_page: 5, total_pages: 2, total_records: 7, cursor: expect.any(String), page_token: expect.any(String) });

    const page2 = await list(`/suggestions?forum=${f.id}&state=spam&per_page=5&cursor=${encodeURIComponent(page1.body.pagination.cursor)}`);
    expect(page2.body.suggestions.map((s: { id: number }) => s.id)).toEqual(desc(...kept).slice(5));
    expect(page2.body.pagination).toEqual({ page: 2, per_page: 5, total_pages: 2, total_records: 7 });

    const byNumber = await list(`/suggestions?forum=${f.id}&state=spam&per_page=5&page=2`);
    expect(byNumber.body.pagination).toEqual({ page: 2, per_page: 5, total_pages: 2, total_records: 7 });

    const negated = await list(`/suggestions?forum=${f.id}&state=-spam&per_page=5`);
    expect(negated.body.pagination).toEqual({ page: 1, per_page: 5, total_pages: 5, total_records: 23, cursor: expect.any(String), page_token: expect.any(String) });

    const searched = await list(`/suggestions?forum=${f.id}&q=Bulk%202&per_page=5`);
    // "Bulk 2", "Bulk 20".."Bulk 29": 11 rows.
    expect(searched.body.pagination).toEqual({ page: 1, per_page: 5, total_pages: 3, total_records: 11, cursor: expect.any(String), page_token: expect.any(String) });

    const windowed = await list(`/suggestions?forum=${f.id}&updated_after=2024-01-15T10:30:00Z&per_page=5`);
    expect(windowed.body.pagination).toEqual({ page: 1, per_page: 5, total_pages: 0, total_records: 0 });
  });
});

import { expect } from 'vitest';
import type { TestApp } from './app.ts';
import type { Api } from './factories.ts';
import type { Reply } from './http.ts';

/**
 * List checks every collection owes its clients (cursor walks, updated_after windows, a statement count
 * that does not grow with per_page), written once for the collections that only need the generic ones.
 */

/** GET a list and insist on a 200 with the list envelope. */
export async function listOf(a: Api, path: string): Promise<Reply> {
  const reply = await a.get(path);
  expect(reply.status, `${path} → ${reply.text}`).toBe(200);
  expect(reply.body.list_meta, path).toBeNull();
  return reply;
}

const collectionOf = (path: string) => path.slice(1).split('?')[0]!;

/** Ids of the primary collection of a list, in response order. */
export async function listIds(a: Api, path: string): Promise<number[]> {
  const reply = await listOf(a, path);
  return (reply.body[collectionOf(path)] as Array<{ id: number }>).map((r) => r.id);
}

/**
 * Follows `pagination.cursor` (and its synonym `page_token` on every other step) from the first page
 * to the last; answers the ids in the order seen. Each non-final page is full and carries a cursor; the
 * last one has none; page numbers count up; totals never change.
 */
export async function walkCursor(a: Api, path: string): Promise<number[]> {
  const seen: number[] = [];
  const join = path.includes('?') ? '&' : '?';
  let reply = await listOf(a, path);
  const { total_pages: pages, total_records: total, per_page: perPage } = reply.body.pagination;
  for (let page = 1; ; page++) {
    const rows = reply.body[collectionOf(path)] as Array<{ id: number }>;
    seen.push(...rows.map((r) => r.id));
    expect(reply.body.pagination, `page ${page}`).toMatchObject({ page, per_page: perPage, total_pages: pages, total_records: total });
    const cursor = reply.body.pagination.cursor as string | undefined;
    if (page < pages) {
      expect(rows, `page ${page} is full`).toHaveLength(perPage);
      expect(cursor, `cursor on page ${page}`).toEqual(expect.any(String));
    } else {
      expect(reply.body.pagination, `no cursor on the last page (${page})`).not.toHaveProperty('cursor');
      break;
    }
    const key = page % 2 === 0 ? 'page_token' : 'cursor';
    reply = await listOf(a, `${path}${join}${key}=${encodeURIComponent(cursor!)}`);
  }
  expect(seen).toHaveLength(total);
  expect(new Set(seen).size).toBe(total);
  return seen;
}

const BEFORE = '2024-01-15T10:29:59Z';
const EXACT = '2024-01-15T10:30:00Z';
const AFTER = '2024-01-15T10:30:01Z';

/**
 * Moves three rows' updated_at to one second before, exactly at and one second after 10:30:00 (straight
 * in the database), then checks `updated_after` / `updated_before` are strict and combine. Every other
 * row of the list must be newer than that day (rows made by the test run are).
 */
export async function checkUpdatedWindow(app: TestApp, a: Api, table: string, [early, exact, late]: [number, number, number], scope = '') {
  const db = app.server.db.orm.em.fork().getKysely<any>();
  for (const [id, when] of [
    [early, BEFORE],
    [exact, EXACT],
    [late, AFTER],
  ] as const) {
    await db.updateTable(table).set({ updated_at: new Date(when) }).where('id', '=', id).execute();
  }
  const path = `/${table}?per_page=100${scope}`;
  const desc = (...ids: number[]) => ids.sort((x, y) => y - x);
  expect(await listIds(a, `${path}&updated_after=${EXACT}&updated_before=2024-01-16T00:00:00Z`), 'after').toEqual([late]);
  expect(await listIds(a, `${path}&updated_after=2024-01-15T10:30:00.000Z&updated_before=2024-01-16T00:00:00%2B00:00`), 'after, other forms').toEqual([late]);
  expect(await listIds(a, `${path}&updated_before=${EXACT}`), 'before').toEqual([early]);
  expect(await listIds(a, `${path}&updated_after=${BEFORE}&updated_before=${AFTER}`), 'strict on both sides').toEqual([exact]);
  expect(await listIds(a, `${path}&updated_after=${EXACT}&updated_before=${AFTER}`), 'empty window').toEqual([]);
  expect(await listIds(a, `${path}&sort=-id&updated_after=2024-01-15T10:29:58Z&updated_before=2024-01-15T10:30:02Z`)).toEqual(desc(early, exact, late));
  const bad = await a.get(`${path}&updated_after=yesterday`);
  expect(bad.status).toBe(400);
  expect(bad.body).toEqual({ errors: { error: 'bad_request', message: expect.stringContaining('updated_after') } });
}

/** SQL statements the server ran for one GET of `path` with each per_page value. */
export async function statementCounts(app: TestApp, a: Api, path: string, perPages: number[] = [1, 10, 100]): Promise<number[]> {
  const counts: number[] = [];
  const join = path.includes('?') ? '&' : '?';
  for (const perPage of perPages) {
    app.sql.length = 0;
    const reply = await listOf(a, `${path}${join}per_page=${perPage}`);
    expect((reply.body[collectionOf(path)] as unknown[]).length, `per_page=${perPage}`).toBe(Math.min(perPage, reply.body.pagination.total_records));
    counts.push(app.sql.length);
  }
  return counts;
}

import { randomUUID } from 'node:crypto';
import type { DB } from '../../src/db/schema.ts';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp, type TestAppOptions } from './app.ts';
import { request, type Reply, type RequestOptions } from './http.ts';

/** An authenticated client for one test app: every factory goes through the public API. */
export interface Api {
  get(path: string, options?: RequestOptions): Promise<Reply>;
  post(path: string, json?: unknown, options?: RequestOptions): Promise<Reply>;
  put(path: string, json?: unknown, options?: RequestOptions): Promise<Reply>;
  delete(path: string, options?: RequestOptions): Promise<Reply>;
  forum(fields?: Record<string, unknown>): Promise<any>;
  category(forumId: number, fields?: Record<string, unknown>): Promise<any>;
  status(fields?: Record<string, unknown>): Promise<any>;
  label(fields?: Record<string, unknown>): Promise<any>;
  user(fields?: Record<string, unknown>): Promise<any>;
  suggestion(forumId: number, fields?: Record<string, unknown>): Promise<any>;
  /** A new forum with one new suggestion in it. */
  forumWithSuggestion(): Promise<{ forum: any; suggestion: any }>;
  /** POSTs a record that hangs off a suggestion (comment, note, status update, feedback); `fields.links` adds links. */
  onSuggestion(collection: string, suggestionId: number, fields: Record<string, unknown>): Promise<any>;
  /** One record as GET /<collection>/<id> reads it now. */
  one(collection: string, id: number): Promise<any>;
}

const unique = () => randomUUID().slice(0, 8);

export async function api(app: TestApp, token?: string): Promise<Api> {
  const bearer = token ?? (await app.token());
  const call = (method: string, path: string, options: RequestOptions = {}) =>
    request(app.url, method, `/api/v2/admin${path}`, { token: bearer, ...options });
  const create = async (collection: string, path: string, json: unknown) => {
    const reply = await call('POST', path, { json });
    if (reply.status !== 200) throw new Error(`POST ${path} → ${reply.status} ${reply.text}`);
    return reply.body[collection][0];
  };
  const client: Api = {
    get: (path, options) => call('GET', path, options),
    post: (path, json, options) => call('POST', path, { ...(json === undefined ? {} : { json }), ...options }),
    put: (path, json, options) => call('PUT', path, { ...(json === undefined ? {} : { json }), ...options }),
    delete: (path, options) => call('DELETE', path, options),
    forum: (fields = {}) => create('forums', '/forums', { name: `Forum ${unique()}`, ...fields }),
    category: (forumId, fields = {}) => create('categories', '/categories', { name: `Category ${unique()}`, links: { forum: forumId }, ...fields }),
    status: (fields = {}) => create('statuses', '/statuses', { name: `status ${unique()}`, ...fields }),
    label: (fields = {}) => create('labels', '/labels', { name: `Label ${unique()}`, ...fields }),
    user: (fields = {}) => create('users', '/users/find_or_create', { email: `${unique()}@example.com`, name: 'Test User', ...fields }),
    suggestion: (forumId, fields = {}) => {
      const { links, ...rest } = fields as { links?: Record<string, unknown> };
      return create('suggestions', '/suggestions', { title: `Idea ${unique()}`, ...rest, links: { forum: forumId, ...links } });
    },
    async forumWithSuggestion() {
      const forum = await client.forum();
      return { forum, suggestion: await client.suggestion(forum.id) };
    },
    onSuggestion: (collection, suggestionId, fields) => {
      const { links, ...rest } = fields as { links?: Record<string, unknown> };
      return create(collection, `/${collection}`, { ...rest, links: { suggestion: suggestionId, ...links } });
    },
    one: async (collection, id) => {
      const reply = await call('GET', `/${collection}/${id}`);
      if (reply.status !== 200) throw new Error(`GET /${collection}/${id} → ${reply.status} ${reply.text}`);
      return reply.body[collection][0];
    },
  };
  return client;
}

/**
 * Inserts many suggestions straight into the database (for pagination tests that need 1,000 rows with
 * identical timestamps); returns their ids in ascending order.
 */
export async function insertSuggestions(
  app: TestApp,
  forumId: number,
  count: number,
  fields: { created_at?: Date; updated_at?: Date; title?: (i: number) => string } = {},
): Promise<number[]> {
  const db = app.server.db.orm.em.fork().getKysely<DB>();
  const at = fields.created_at ?? new Date('2024-01-15T10:30:00Z');
  const rows = Array.from({ length: count }, (_, i) => ({
    title: fields.title?.(i) ?? `Bulk ${i}`,
    forum_id: forumId,
    state: 'approved',
    created_at: at,
    updated_at: fields.updated_at ?? at,
  }));
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    const inserted = await db.insertInto('suggestions').values(rows.slice(i, i + 500)).returning('id').execute();
    ids.push(...inserted.map((r) => Number(r.id)));
  }
  return ids.sort((a, b) => a - b);
}

/**
 * The setup most API test files share: the real server (its own database) started before the tests of
 * the file or describe block that calls this, an Api over it, and both closed after. The handles forward
 * to the started instances, so a file names them where it calls this, at its top level.
 */
export function useTestApp(options?: TestAppOptions): { app: TestApp; a: Api } {
  let app: TestApp | undefined;
  let a: Api | undefined;
  beforeAll(async () => {
    app = await startTestApp(options);
    a = await api(app);
  });
  afterAll(() => app?.close());
  return { app: forwardTo(() => app), a: forwardTo(() => a) };
}

function forwardTo<T extends object>(current: () => T | undefined): T {
  const target = () => {
    const value = current();
    if (!value) throw new Error('the test app is used before beforeAll started it');
    return value;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const t = target();
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
    set: (_, key, value) => Reflect.set(target(), key, value),
  });
}

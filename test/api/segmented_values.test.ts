import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, statementCounts, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND, USER_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let me: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  me = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

const db = (): Kysely<DB> => app.server.db.orm.em.fork().getKysely<DB>();
const unique = () => randomUUID().slice(0, 8);

const VALUE_LINKS = {
  'segmented_values.segment': { type: 'segments' },
  'segmented_values.created_by': { type: 'users' },
  'segmented_values.updated_by': { type: 'users' },
};
const SEGMENT_LINKS = { 'segments.created_by': { type: 'users' }, 'segments.updated_by': { type: 'users' } };

function valueRecord(id: number, segmentId: number, fields: { name: string; key: string; column_type: string; object_type?: string; [more: string]: unknown }) {
  const { name, key, column_type, object_type, ...rest } = fields;
  return {
    id,
    name,
    key,
    object_type: object_type ?? 'features',
    column_type,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { segment: segmentId, created_by: me, updated_by: me },
    ...rest,
  };
}

const segment = async () => {
  const reply = await a.post('/segments', { name: `Segment ${unique()}` });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.segments[0];
};
const value = async (segmentId: number, fields: Record<string, unknown> = {}) => {
  const reply = await a.post('/segmented_values', { name: 'Users', column_type: 'users_count', key: `k_${unique()}`, links: { segment: segmentId }, ...fields });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.segmented_values[0];
};

describe('POST /admin/segmented_values', () => {
  it('creates from JSON with links.segment; the key defaults to <segment key>.<column_type>; GET reads it back', async () => {
    const s = await segment();
    const reply = await a.post('/segmented_values', { name: 'Segment users', column_type: 'users_count', links: { segment: s.id } });
    expect(reply.status).toBe(200);
    const id = reply.body.segmented_values[0].id;
    expect(reply.body).toEqual({ segmented_values: [valueRecord(id, s.id, { name: 'Segment users', key: `${s.key}.users_count`, column_type: 'users_count' })], links: VALUE_LINKS });
    expect((await a.get(`/segmented_values/${id}`)).body).toEqual(reply.body);
  });

  it('creates from form bodies with segment_id (the SDK name) or links.segment, & and ;, and a wrapped body', async () => {
    const s = await segment();
    const amp = await a.post('/segmented_values', undefined, { form: `name=Accounts&column_type=accounts_count&segment_id=${s.id}&object_type=suggestions` });
    expect(amp.status, amp.text).toBe(200);
    expect(amp.body.segmented_values[0]).toEqual(
      valueRecord(amp.body.segmented_values[0].id, s.id, { name: 'Accounts', key: `${s.key}.accounts_count`, column_type: 'accounts_count', object_type: 'suggestions' }),
    );
    const semi = await a.post('/segmented_values', undefined, { form: `name=MRR;column_type=mrr;key=custom.key;links.segment=${s.id};` });
    expect(semi.status).toBe(200);
    expect(semi.body.segmented_values[0]).toEqual(valueRecord(semi.body.segmented_values[0].id, s.id, { name: 'MRR', key: 'custom.key', column_type: 'mrr' }));
    const wrapped = await a.post('/segmented_values', { segmented_value: { name: 'Wrapped', column_type: 'mrr', id: 999_999, segment_id: s.id, object_type: 'suggestions' } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body.segmented_values[0]).toEqual(
      valueRecord(wrapped.body.segmented_values[0].id, s.id, { name: 'Wrapped', key: `${s.key}.mrr`, column_type: 'mrr', object_type: 'suggestions' }),
    );
  });

  it('422 for missing or invalid fields, an unknown segment, or a key taken on the same object type; nothing is written', async () => {
    const s = await segment();
    const first = await value(s.id, { key: undefined, column_type: 'mrr' });
    const before = await listIds(a, '/segmented_values?per_page=100');
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { name: ["can't be blank"], column_type: ["can't be blank"], 'links.segment': ["can't be blank"] }],
      [
        { name: 'x', column_type: 'revenue', object_type: 'users', links: { segment: 999_999 } },
        { column_type: ['must be one of users_count, accounts_count, mrr'], object_type: ['must be one of features, suggestions'], 'links.segment': ['does not exist'] },
      ],
      [{ name: 'x', column_type: 'mrr', segment_id: 'abc' }, { segment_id: ['does not exist'], 'links.segment': ["can't be blank"] }],
      [{ name: 'x', column_type: 'mrr', links: { segment: s.id } }, { key: ['has already been taken'] }],
      [{ name: 'x', column_type: 'users_count', key: first.key, links: { segment: s.id } }, { key: ['has already been taken'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/segmented_values', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors });
    }
    // The same key on the other object type is free.
    expect((await a.post('/segmented_values', { name: 'x', column_type: 'mrr', object_type: 'suggestions', links: { segment: s.id } })).status).toBe(200);
    expect((await listIds(a, '/segmented_values?per_page=100')).length).toBe(before.length + 1);
  });
});

describe('PUT and DELETE /admin/segmented_values/{id} (extension)', () => {
  it('PUT changes name, column type, segment and key; DELETE answers it as it was, then 404', async () => {
    const [s1, s2] = [await segment(), await segment()];
    const created = await value(s1.id, { name: 'Before' });
    const json = await a.put(`/segmented_values/${created.id}`, { name: 'After', column_type: 'mrr', links: { segment: s2.id } });
    expect(json.status).toBe(200);
    // The key stays unless sent; an empty key is made again from the segment and column type.
    expect(json.body).toEqual({ segmented_values: [valueRecord(created.id, s2.id, { name: 'After', key: created.key, column_type: 'mrr', created_at: created.created_at })], links: VALUE_LINKS });
    const form = await a.put(`/segmented_values/${created.id}`, undefined, { form: 'key=' });
    expect(form.body.segmented_values[0].key).toBe(`${s2.key}.mrr`);
    const bad = await a.put(`/segmented_values/${created.id}`, { name: '', links: { segment: 999_999 } });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ errors: { name: ["can't be blank"], 'links.segment': ['does not exist'] } });
    expect((await a.put('/segmented_values/999999', { name: 'x' })).body).toEqual(NOT_FOUND);

    const current = (await a.get(`/segmented_values/${created.id}`)).body.segmented_values[0];
    const deleted = await a.delete(`/segmented_values/${created.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ segmented_values: [current], links: VALUE_LINKS });
    const again = await a.delete(`/segmented_values/${created.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual(NOT_FOUND);
  });
});

describe('GET /admin/segmented_values', () => {
  it('filters by segment, object_type, column_type and key; reads several ids; 404s', async () => {
    const [s1, s2] = [await segment(), await segment()];
    const v1 = await value(s1.id, { column_type: 'users_count' });
    const v2 = await value(s1.id, { column_type: 'mrr', object_type: 'suggestions' });
    const v3 = await value(s2.id, { column_type: 'mrr' });
    expect(await listIds(a, `/segmented_values?segment=${s1.id}`)).toEqual([v2.id, v1.id]);
    expect(await listIds(a, `/segmented_values?segment=${s1.id},${s2.id}&column_type=mrr`)).toEqual([v3.id, v2.id]);
    expect(await listIds(a, `/segmented_values?segment=${s1.id}&segment=${s2.id}&object_type=features`)).toEqual([v3.id, v1.id]);
    expect(await listIds(a, `/segmented_values?key=${v1.key},${v3.key}`)).toEqual([v3.id, v1.id]);
    for (const query of ['segment=x', 'object_type=users', 'column_type=revenue']) {
      const bad = await a.get(`/segmented_values?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.errors.error).toBe('bad_request');
    }
    expect((await a.get(`/segmented_values/${v3.id},${v1.id}`)).body).toEqual({ segmented_values: [v3, v1], links: VALUE_LINKS });
    for (const ids of ['999999', `${v1.id},999999`, 'abc']) {
      const missing = await a.get(`/segmented_values/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('side-loads segments and users, transitively', async () => {
    const s = await segment();
    const v = await value(s.id);
    const owner = (await a.get(`/users/${me}`)).body.users[0];
    expect((await a.get(`/segmented_values/${v.id}?includes=segments`)).body).toEqual({ segmented_values: [v], segments: [s], links: { ...VALUE_LINKS, ...SEGMENT_LINKS } });
    expect((await a.get(`/segmented_values/${v.id}?includes=segments,users`)).body).toEqual({
      segmented_values: [v],
      segments: [s],
      users: [owner],
      links: { ...VALUE_LINKS, ...SEGMENT_LINKS, ...USER_LINKS },
    });
  });

  it('walks by cursor, updated_after windows, statements flat in per_page', async () => {
    const s = await segment();
    for (let i = 0; i < 13; i++) await value(s.id);
    expect(await walkCursor(a, '/segmented_values?per_page=4')).toEqual(await listIds(a, '/segmented_values?per_page=100'));
    expect(await walkCursor(a, `/segmented_values?per_page=3&sort=key&segment=${s.id}`)).toEqual(await listIds(a, `/segmented_values?per_page=100&sort=key&segment=${s.id}`));
    await checkUpdatedWindow(app, a, 'segmented_values', [(await value(s.id)).id, (await value(s.id)).id, (await value(s.id)).id]);

    const segments = [await segment(), await segment()];
    await db()
      .insertInto('segmented_values')
      .values(
        Array.from({ length: 100 }, (_, i) => ({
          name: `Bulk ${i}`,
          key: `bulk_${unique()}`,
          object_type: 'features',
          column_type: 'mrr',
          segment_id: segments[i % 2]!.id,
          created_by_id: me,
          updated_by_id: me,
          created_at: new Date(),
          updated_at: new Date(),
        })),
      )
      .execute();
    // page and count (one statement, resources/render.ts) + segments and users (one round) + none left for the segments' users.
    expect(await statementCounts(app, a, '/segmented_values?includes=segments,users')).toEqual([3, 3, 3]);
  });
});

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { useTestApp } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, statementCounts, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND } from '../helpers/wire.ts';

const { app, a } = useTestApp();

const db = (): Kysely<DB> => app.server.db.orm.em.fork().getKysely<DB>();
const unique = () => `k${randomUUID().slice(0, 8)}`;

function fieldRecord(id: number, fields: { name: string; key: string; field_type: string; object_type: string; [more: string]: unknown }) {
  return {
    id,
    name: fields.name,
    key: fields.key,
    field_type: fields.field_type,
    object_type: fields.object_type,
    combined_type: fields.field_type,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: {},
  };
}

const field = async (fields: Record<string, unknown> = {}) => {
  const reply = await a.post('/custom_fields', { name: 'Persona', key: unique(), field_type: 'string', object_type: 'external_users', ...fields });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.custom_fields[0];
};

describe('POST /admin/custom_fields', () => {
  it('creates from JSON; GET reads it back; the links map is empty', async () => {
    const key = unique();
    const reply = await a.post('/custom_fields', { name: 'Industry', key, field_type: 'string', object_type: 'external_accounts' });
    expect(reply.status).toBe(200);
    const id = reply.body.custom_fields[0].id;
    expect(reply.body).toEqual({ custom_fields: [fieldRecord(id, { name: 'Industry', key, field_type: 'string', object_type: 'external_accounts' })], links: {} });
    expect((await a.get(`/custom_fields/${id}`)).body).toEqual(reply.body);
  });

  it('creates from form bodies (& and ;) and a wrapped body, every field type; ignores read-only fields', async () => {
    const types = ['boolean', 'timestamp', 'string', 'text', 'number'];
    for (const [i, type] of types.entries()) {
      const key = unique();
      const reply =
        i % 2 === 0
          ? await a.post('/custom_fields', undefined, { form: `name=Field+${i}&key=${key}&field_type=${type}&object_type=features` })
          : await a.post('/custom_fields', undefined, { form: `name=Field%20${i};key=${key};field_type=${type};object_type=external_users;` });
      expect(reply.status, type).toBe(200);
      const record = reply.body.custom_fields[0];
      expect(record, type).toEqual(fieldRecord(record.id, { name: `Field ${i}`, key, field_type: type, object_type: i % 2 === 0 ? 'features' : 'external_users' }));
    }
    const key = unique();
    const wrapped = await a.post('/custom_fields', {
      custom_field: { name: 'Wrapped', key, field_type: 'number', object_type: 'external_accounts', id: 999_999, combined_type: 'select', created_at: '2001-01-01T00:00:00Z' },
    });
    expect(wrapped.status).toBe(200);
    const record = wrapped.body.custom_fields[0];
    expect(record.id).not.toBe(999_999);
    expect(record).toEqual(fieldRecord(record.id, { name: 'Wrapped', key, field_type: 'number', object_type: 'external_accounts' }));
    expect(record.created_at).not.toBe('2001-01-01T00:00:00Z');
  });

  it('a key is unique per object type: the same key on another object type is fine, twice on one is a 422', async () => {
    const key = unique();
    await field({ key, object_type: 'external_users' });
    await field({ key, object_type: 'features' });
    const again = await a.post('/custom_fields', { name: 'Again', key, field_type: 'text', object_type: 'external_users' });
    expect(again.status).toBe(422);
    expect(again.body).toEqual({ errors: { key: ['has already been taken'] } });
    expect(await listIds(a, `/custom_fields?key=${key}&object_type=external_users`)).toHaveLength(1);
  });

  it('422 with every field error at once; nothing is written', async () => {
    const before = await listIds(a, '/custom_fields?per_page=100');
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { name: ["can't be blank"], key: ["can't be blank"], field_type: ["can't be blank"], object_type: ["can't be blank"] }],
      [
        { name: ' ', key: '', field_type: 'select', object_type: 'suggestions' },
        {
          name: ["can't be blank"],
          key: ["can't be blank"],
          field_type: ['must be one of boolean, timestamp, string, text, number'],
          object_type: ['must be one of external_users, external_accounts, features'],
        },
      ],
      [{ name: 'x', key: 'has space', field_type: 'string', object_type: 'features' }, { key: ['may contain only letters, digits and underscores'] }],
      [{ name: 'x', key: 'k'.repeat(101), field_type: 'string', object_type: 'features' }, { key: ['is too long (maximum is 100 characters)'] }],
      [{ name: 'x'.repeat(256), key: 'ok', field_type: ['string'], object_type: null }, {
        name: ['is too long (maximum is 255 characters)'],
        field_type: ['must be one of boolean, timestamp, string, text, number'],
        object_type: ["can't be blank"],
      }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/custom_fields', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors });
    }
    const form = await a.post('/custom_fields', undefined, { form: 'name=x&key=ok&field_type=string&object_type=users' });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { object_type: ['must be one of external_users, external_accounts, features'] } });
    expect(await listIds(a, '/custom_fields?per_page=100')).toEqual(before);
  });
});

describe('PUT and DELETE /admin/custom_fields/{id}', () => {
  it('PUT changes name and key (JSON and form); field_type and object_type stay', async () => {
    const created = await field({ name: 'Before', field_type: 'number', object_type: 'features' });
    const key = unique();
    const json = await a.put(`/custom_fields/${created.id}`, { name: 'After', key, field_type: 'text', object_type: 'external_users' });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ custom_fields: [{ ...fieldRecord(created.id, { name: 'After', key, field_type: 'number', object_type: 'features' }), created_at: created.created_at }], links: {} });
    const form = await a.put(`/custom_fields/${created.id}`, undefined, { form: 'name=Form+name;field_type=nonsense' });
    expect(form.status).toBe(200);
    expect(form.body.custom_fields[0]).toEqual(fieldRecord(created.id, { name: 'Form name', key, field_type: 'number', object_type: 'features' }));
  });

  it('PUT: 422 for a blank name, a bad key or a key taken on the same object type; 404 for an unknown id', async () => {
    const taken = await field({ object_type: 'features' });
    const elsewhere = await field({ object_type: 'external_accounts' });
    const created = await field({ object_type: 'features' });
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{ name: '' }, { name: ["can't be blank"] }],
      [{ key: 'no-dashes' }, { key: ['may contain only letters, digits and underscores'] }],
      [{ key: taken.key }, { key: ['has already been taken'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.put(`/custom_fields/${created.id}`, json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors });
    }
    expect((await a.get(`/custom_fields/${created.id}`)).body.custom_fields[0]).toEqual(created);
    // A key another object type uses is free here; its own key is too.
    expect((await a.put(`/custom_fields/${created.id}`, { key: elsewhere.key })).status).toBe(200);
    expect((await a.put(`/custom_fields/${created.id}`, { key: elsewhere.key })).status).toBe(200);
    for (const id of ['999999', 'abc']) {
      const missing = await a.put(`/custom_fields/${id}`, { name: 'x' });
      expect(missing.status, id).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('DELETE answers the field as it was, then it is gone (404) and its key is free again', async () => {
    const created = await field();
    const reply = await a.delete(`/custom_fields/${created.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ custom_fields: [created], links: {} });
    expect((await a.get(`/custom_fields/${created.id}`)).status).toBe(404);
    const again = await a.delete(`/custom_fields/${created.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual(NOT_FOUND);
    await field({ key: created.key });
  });
});

describe('GET /admin/custom_fields', () => {
  it('reads several ids in order; 404 when any is missing', async () => {
    const [f1, f2] = [await field(), await field()];
    expect((await a.get(`/custom_fields/${f2.id},${f1.id}`)).body).toEqual({ custom_fields: [f2, f1], links: {} });
    for (const ids of ['999999', `${f1.id},999999`, 'abc']) {
      const missing = await a.get(`/custom_fields/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('filters by object_type and key (lists, repeated keys); an unknown object_type is a 400; includes are ignored', async () => {
    const [k1, k2] = [unique(), unique()];
    const u1 = await field({ key: k1, object_type: 'external_users' });
    const acc1 = await field({ key: k1, object_type: 'external_accounts' });
    const feat2 = await field({ key: k2, object_type: 'features' });
    expect(await listIds(a, `/custom_fields?key=${k1}`)).toEqual([acc1.id, u1.id]);
    expect(await listIds(a, `/custom_fields?key=${k1},${k2}&object_type=external_users,features`)).toEqual([feat2.id, u1.id]);
    expect(await listIds(a, `/custom_fields?key=${k1}&key=${k2}&object_type=external_accounts`)).toEqual([acc1.id]);
    const bad = await a.get('/custom_fields?object_type=tickets');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errors: { error: 'bad_request', message: 'The parameter object_type accepts external_users, external_accounts, features' } });
    const included = await a.get(`/custom_fields?key=${k2}&includes=users,features`);
    expect(included.body).toEqual({ custom_fields: [feat2], links: {}, list_meta: null, pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 1 } });
  });

  it('sorts by key and name; walks by cursor; updated_after windows; statements flat in per_page', async () => {
    const tag = unique();
    const b = await field({ key: `${tag}_b`, name: 'A name' });
    const c = await field({ key: `${tag}_c`, name: 'C name' });
    const a1 = await field({ key: `${tag}_a`, name: 'B name' });
    const mine = (ids: number[]) => ids.filter((id) => [a1.id, b.id, c.id].includes(id));
    expect(mine(await listIds(a, '/custom_fields?per_page=100&sort=key'))).toEqual([a1.id, b.id, c.id]);
    expect(mine(await listIds(a, '/custom_fields?per_page=100&sort=-name'))).toEqual([c.id, a1.id, b.id]);

    for (let i = 0; i < 17; i++) await field();
    expect(await walkCursor(a, '/custom_fields?per_page=6')).toEqual(await listIds(a, '/custom_fields?per_page=100'));
    expect(await walkCursor(a, '/custom_fields?per_page=4&sort=-key&object_type=external_users')).toEqual(
      await listIds(a, '/custom_fields?per_page=100&sort=-key&object_type=external_users'),
    );
    await checkUpdatedWindow(app, a, 'custom_fields', [(await field()).id, (await field()).id, (await field()).id]);

    await db()
      .insertInto('custom_fields')
      .values(Array.from({ length: 100 }, () => ({ name: 'Bulk', key: unique(), field_type: 'text', object_type: 'features', created_at: new Date(), updated_at: new Date() })))
      .execute();
    // page + count (the Bearer check's client is cached: no statement)
    expect(await statementCounts(app, a, '/custom_fields')).toEqual([2, 2, 2]);
  });
});

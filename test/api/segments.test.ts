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

const SEGMENT_LINKS = { 'segments.created_by': { type: 'users' }, 'segments.updated_by': { type: 'users' } };

/** An expression node as the wire sends it: all five keys. */
const node = (fields: Partial<Record<'column' | 'operator' | 'unit', string>> & { val?: string; expressions?: unknown[] } = {}) => ({
  column: fields.column ?? null,
  operator: fields.operator ?? null,
  operand: fields.val === undefined ? null : { val: fields.val },
  unit: fields.unit ?? null,
  expressions: fields.expressions ?? [],
});

function segmentRecord(id: number, name: string, key: string, filters: unknown, fields: Record<string, unknown> = {}) {
  return {
    id,
    name,
    key,
    filters,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { created_by: me, updated_by: me },
    ...fields,
  };
}

const segment = async (fields: Record<string, unknown> = {}) => {
  const reply = await a.post('/segments', { name: `Segment ${unique()}`, ...fields });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.segments[0];
};

const ENTERPRISE = {
  operator: 'and',
  expressions: [
    { column: 'external_accounts.plan', operator: 'eq', operand: { val: 'Enterprise' } },
    { column: 'external_accounts.created_at', operator: 'within', operand: { val: '30' }, unit: 'days' },
  ],
};
const ENTERPRISE_WIRE = node({
  operator: 'and',
  expressions: [
    node({ column: 'external_accounts.plan', operator: 'eq', val: 'Enterprise' }),
    node({ column: 'external_accounts.created_at', operator: 'within', val: '30', unit: 'days' }),
  ],
});

describe('POST /admin/segments', () => {
  it('creates from JSON with a filter expression; the key comes from the name; GET reads it back', async () => {
    const tag = unique();
    const reply = await a.post('/segments', { name: `Enterprise Customers (EU) ${tag}`, filters: ENTERPRISE });
    expect(reply.status).toBe(200);
    const id = reply.body.segments[0].id;
    expect(reply.body).toEqual({ segments: [segmentRecord(id, `Enterprise Customers (EU) ${tag}`, `enterprise_customers_eu_${tag}`, ENTERPRISE_WIRE)], links: SEGMENT_LINKS });
    expect((await a.get(`/segments/${id}`)).body).toEqual(reply.body);
  });

  it('creates from dotted form keys (& and ;), with indexed sub-expressions and a plain-string operand', async () => {
    const form = [
      `name=Big+accounts+${unique()}`,
      'filters.operator=or',
      'filters.expressions[0].column=external_accounts.mrr',
      'filters.expressions[0].operator=gt',
      'filters.expressions[0].operand.val=5000',
      'filters.expressions[1].column=external_accounts.plan',
      'filters.expressions[1].operator=eq',
      'filters.expressions[1].operand=Enterprise',
    ];
    const amp = await a.post('/segments', undefined, { form: form.join('&') });
    expect(amp.status, amp.text).toBe(200);
    const wire = node({
      operator: 'or',
      expressions: [node({ column: 'external_accounts.mrr', operator: 'gt', val: '5000' }), node({ column: 'external_accounts.plan', operator: 'eq', val: 'Enterprise' })],
    });
    expect(amp.body.segments[0].filters).toEqual(wire);
    const semi = await a.post('/segments', undefined, { form: `${form.join(';')};` });
    expect(semi.status).toBe(200);
    expect(semi.body.segments[0].filters).toEqual(wire);
    // Without filters, and wrapped; read-only fields ignored.
    const wrapped = await a.post('/segments', { segment: { name: 'No filters at all', key: 'chosen', id: 999_999, links: { created_by: 999_999 } } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body).toEqual({ segments: [segmentRecord(wrapped.body.segments[0].id, 'No filters at all', expect.stringMatching(/^no_filters_at_all(_\d+)?$/), null)], links: SEGMENT_LINKS });
  });

  it('the same name twice gets key, key_2, key_3; a name with nothing to key gets `segment`', async () => {
    const name = `Twins ${unique()}`;
    const base = name.toLowerCase().replace(' ', '_');
    const keys = [(await segment({ name })).key, (await segment({ name })).key, (await segment({ name: `${name}!` })).key];
    expect(keys).toEqual([base, `${base}_2`, `${base}_3`]);
    expect((await segment({ name: '¿¡!' })).key).toMatch(/^segment(_\d+)?$/);
    expect((await segment({ name: 'Crème Brûlée' })).key).toMatch(/^creme_brulee(_\d+)?$/);
  });

  it('422 for a missing name or a malformed expression, naming where; nothing is written', async () => {
    const before = await listIds(a, '/segments?per_page=100');
    const deep = (n: number): Record<string, unknown> => (n === 0 ? { column: 'x' } : { operator: 'and', expressions: [deep(n - 1)] });
    const wide = { operator: 'or', expressions: Array.from({ length: 100 }, (_, i) => ({ column: `c${i}` })) };
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { name: ["can't be blank"] }],
      [{ name: ' ', filters: 'everyone' }, { name: ["can't be blank"], filters: ['must be an object'] }],
      [{ name: 'x', filters: [ENTERPRISE] }, { filters: ['must be an object'] }],
      [{ name: 'x', filters: { colum: 'typo' } }, { filters: ['has an unknown key "colum"'] }],
      [{ name: 'x', filters: { operator: 'and', expressions: [{ column: 1 }, { column: { a: 1 } }] } }, { filters: ['expressions[1].column must be a string'] }],
      [{ name: 'x', filters: { expressions: { column: 'a' } } }, { filters: ['expressions must be an array'] }],
      [{ name: 'x', filters: { expressions: ['a'] } }, { filters: ['expressions[0] must be an object'] }],
      [{ name: 'x', filters: { operand: { val: 'a', op: 'b' } } }, { filters: ['operand accepts only val'] }],
      [{ name: 'x', filters: { operand: { val: ['a'] } } }, { filters: ['operand.val must be a string'] }],
      [{ name: 'x', filters: { column: 'c'.repeat(256) } }, { filters: ['column is too long (maximum is 255 characters)'] }],
      [{ name: 'x', filters: deep(5) }, { filters: ['nests deeper than 5 levels'] }],
      [{ name: 'x', filters: wide }, { filters: ['has more than 100 expressions'] }],
      [
        { name: 'x', filters: { operator: 'or', expressions: Array.from({ length: 60 }, () => ({ column: 'c'.repeat(200) })) } },
        { filters: ['is too large (maximum is 10000 characters)'] },
      ],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/segments', json);
      expect(reply.status, JSON.stringify(json).slice(0, 120)).toBe(422);
      expect(reply.body, JSON.stringify(json).slice(0, 120)).toEqual({ errors });
    }
    // Four levels nest fine.
    expect((await a.post('/segments', { name: 'Deep enough', filters: deep(4) })).status).toBe(200);
    const form = await a.post('/segments', undefined, { form: 'name=x&filters.expressions[0].colour=red' });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { filters: ['expressions[0] has an unknown key "colour"'] } });
    expect((await listIds(a, '/segments?per_page=100')).length).toBe(before.length + 1);
  });
});

describe('PUT and DELETE /admin/segments/{id} (extension)', () => {
  it('PUT renames (the key stays) and replaces or clears the filters, stamping updated_by', async () => {
    const other = await app.token();
    const b = await api(app, other);
    const created = await segment({ name: 'Original', filters: ENTERPRISE });
    const renamed = await b.put(`/segments/${created.id}`, { name: 'Renamed' });
    expect(renamed.status).toBe(200);
    // Every client acts as the account owner, so updated_by is the same user.
    expect(renamed.body).toEqual({ segments: [segmentRecord(created.id, 'Renamed', created.key, ENTERPRISE_WIRE, { created_at: created.created_at })], links: SEGMENT_LINKS });
    const replaced = await a.put(`/segments/${created.id}`, undefined, { form: 'filters.column=users.email;filters.operator=ends_with;filters.operand.val=@example.com' });
    expect(replaced.body.segments[0]).toEqual(segmentRecord(created.id, 'Renamed', created.key, node({ column: 'users.email', operator: 'ends_with', val: '@example.com' })));
    const cleared = await a.put(`/segments/${created.id}`, { filters: null });
    expect(cleared.body.segments[0].filters).toBeNull();
    const bad = await a.put(`/segments/${created.id}`, { name: '', filters: { nope: 1 } });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ errors: { name: ["can't be blank"], filters: ['has an unknown key "nope"'] } });
    for (const id of ['999999', 'abc']) {
      const missing = await a.put(`/segments/${id}`, { name: 'x' });
      expect(missing.status, id).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('DELETE answers the segment as it was; a segment with segmented values is a 422 until they go', async () => {
    const created = await segment();
    const value = (await a.post('/segmented_values', { name: 'Users', column_type: 'users_count', links: { segment: created.id } })).body.segmented_values[0];
    const refused = await a.delete(`/segments/${created.id}`);
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ errors: { segment: ['has segmented values; delete them first'] } });
    expect((await a.delete(`/segmented_values/${value.id}`)).status).toBe(200);
    const reply = await a.delete(`/segments/${created.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ segments: [created], links: SEGMENT_LINKS });
    const again = await a.delete(`/segments/${created.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual(NOT_FOUND);
  });
});

describe('GET /admin/segments', () => {
  it('lists in ascending id order by default (the SDK default); filters by created_by; reads several ids; 404s', async () => {
    const [s1, s2, s3] = [await segment(), await segment(), await segment()];
    const all = await listIds(a, '/segments?per_page=100');
    expect(all).toEqual([...all].sort((x, y) => x - y));
    expect(all.slice(-3)).toEqual([s1.id, s2.id, s3.id]);
    expect(await listIds(a, `/segments?per_page=100&created_by=${me}`)).toEqual(all);
    const someone = await a.user();
    expect(await listIds(a, `/segments?created_by=${someone.id}`)).toEqual([]);
    await db().updateTable('segments').set({ created_by_id: someone.id }).where('id', '=', s2.id).execute();
    expect(await listIds(a, `/segments?created_by=${someone.id}`)).toEqual([s2.id]);
    expect(await listIds(a, `/segments?created_by=${someone.id},${me}&sort=-id&per_page=2`)).toEqual([s3.id, s2.id]);
    expect((await a.get('/segments?created_by=me')).status).toBe(400);

    expect((await a.get(`/segments/${s3.id},${s1.id}`)).body).toEqual({ segments: [s3, s1], links: SEGMENT_LINKS });
    for (const ids of ['999999', `${s1.id},999999`, 'abc']) {
      const missing = await a.get(`/segments/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('side-loads the creating and updating users', async () => {
    const s = await segment({ filters: ENTERPRISE });
    const owner = (await a.get(`/users/${me}`)).body.users[0];
    expect((await a.get(`/segments/${s.id}?includes=users`)).body).toEqual({ segments: [s], users: [owner], links: { ...SEGMENT_LINKS, ...USER_LINKS } });
  });

  it('walks by cursor (default and by name), updated_after windows, statements flat in per_page', async () => {
    for (let i = 0; i < 14; i++) await segment();
    expect(await walkCursor(a, '/segments?per_page=4')).toEqual(await listIds(a, '/segments?per_page=100'));
    expect(await walkCursor(a, '/segments?per_page=5&sort=-name')).toEqual(await listIds(a, '/segments?per_page=100&sort=-name'));
    await checkUpdatedWindow(app, a, 'segments', [(await segment()).id, (await segment()).id, (await segment()).id]);

    await db()
      .insertInto('segments')
      .values(Array.from({ length: 100 }, (_, i) => ({ name: `Bulk ${i}`, key: `bulk_${unique()}`, created_by_id: me, updated_by_id: me, created_at: new Date(), updated_at: new Date() })))
      .execute();
    // page + count + users
    expect(await statementCounts(app, a, '/segments?includes=users')).toEqual([3, 3, 3]);
  });
});

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, statementCounts, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND, SUGGESTION_LINKS, USER_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let owner: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  owner = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

const db = (): Kysely<DB> => app.server.db.orm.em.fork().getKysely<DB>();
const unique = () => randomUUID().slice(0, 8);
const TIME = expect.stringMatching(ISO_SECONDS);

const AUTHOR_LINKS = (type: string) => ({ [`${type}.created_by`]: { type: 'users' }, [`${type}.updated_by`]: { type: 'users' } });
const FEATURE_LINKS = {
  ...AUTHOR_LINKS('features'),
  'features.feature_status': { type: 'feature_statuses' },
  'features.product_area': { type: 'product_areas' },
  'features.suggestions': { type: 'suggestions' },
  'features.roadmap': { type: 'roadmaps' },
  'features.custom_fields': { type: 'custom_fields' },
};

const areaRecord = (id: number, name: string) => ({ id, name, created_at: TIME, updated_at: TIME, links: { created_by: owner, updated_by: owner } });
const statusRecord = (id: number, fields: Record<string, unknown>) => ({
  id,
  name: fields.name,
  hex_color: fields.hex_color ?? '#808080',
  position: fields.position ?? 0,
  is_default: fields.is_default ?? false,
  created_at: TIME,
  updated_at: TIME,
  links: { created_by: owner, updated_by: owner },
});
function featureRecord(id: number, fields: Record<string, unknown>, links: Record<string, unknown> = {}) {
  return {
    id,
    name: fields.name,
    description: fields.description ?? null,
    position: fields.position ?? 0,
    suggestions_count: 0,
    supporting_users_count: 0,
    supporting_accounts_count: 0,
    supporter_mrr_cents: 0,
    supporter_revenue: 0,
    is_blocker: null,
    jira_link_count: 0,
    vsts_link_count: 0,
    created_at: TIME,
    updated_at: TIME,
    links: { created_by: owner, updated_by: owner, feature_status: null, product_area: null, suggestions: [], roadmap: null, custom_fields: [], ...links },
    ...fields,
  };
}

const create = async (collection: string, json: unknown) => {
  const reply = await a.post(`/${collection}`, json);
  expect(reply.status, reply.text).toBe(200);
  return reply.body[collection][0];
};

describe('product_areas and feature_statuses', () => {
  it('create (JSON and form), read back, update, list, delete; 422 and 404 in the envelope', async () => {
    const area = await a.post('/product_areas', { name: 'Billing' });
    expect(area.status).toBe(200);
    expect(area.body).toEqual({ product_areas: [areaRecord(area.body.product_areas[0].id, 'Billing')], links: AUTHOR_LINKS('product_areas') });
    expect((await a.get(`/product_areas/${area.body.product_areas[0].id}`)).body).toEqual(area.body);
    const form = await a.post('/product_areas', undefined, { form: 'name=Mobile+apps' });
    expect(form.body).toEqual({ product_areas: [areaRecord(form.body.product_areas[0].id, 'Mobile apps')], links: AUTHOR_LINKS('product_areas') });
    const renamed = await a.put(`/product_areas/${form.body.product_areas[0].id}`, { name: 'Mobile' });
    expect(renamed.body.product_areas[0]).toEqual({ ...areaRecord(form.body.product_areas[0].id, 'Mobile'), created_at: form.body.product_areas[0].created_at });

    const status = await a.post('/feature_statuses', { name: 'Shipped', hex_color: '#22AA44', position: 3, is_default: 'true' });
    expect(status.status).toBe(200);
    const sid = status.body.feature_statuses[0].id;
    expect(status.body).toEqual({ feature_statuses: [statusRecord(sid, { name: 'Shipped', hex_color: '#22aa44', position: 3, is_default: true })], links: AUTHOR_LINKS('feature_statuses') });
    expect((await a.get(`/feature_statuses/${sid}`)).body).toEqual(status.body);

    const bad = await a.post('/feature_statuses', { name: '', hex_color: 'red', position: 'x' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ errors: { name: ["can't be blank"], hex_color: ['must look like #a1b2c3'], position: ['is invalid'] } });
    const blank = await a.post('/product_areas', {});
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ errors: { name: ["can't be blank"] } });

    const gone = await a.delete(`/feature_statuses/${sid}`);
    expect(gone.body).toEqual({ feature_statuses: [status.body.feature_statuses[0]], links: AUTHOR_LINKS('feature_statuses') });
    for (const path of [`/feature_statuses/${sid}`, '/product_areas/999999', '/product_areas/abc']) {
      const missing = await a.get(path);
      expect(missing.status, path).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
    expect((await a.put('/product_areas/999999', { name: 'x' })).status).toBe(404);
    expect((await a.delete('/feature_statuses/999999')).body).toEqual(NOT_FOUND);
  });

  it('walk by cursor, sort by name and position, filter by updated_after, and side-load their authors', async () => {
    const tag = unique();
    for (let i = 0; i < 12; i++) await create('feature_statuses', { name: `${tag} ${String.fromCharCode(108 - i)}`, position: i });
    for (let i = 0; i < 12; i++) await create('product_areas', { name: `${tag} ${i}` });
    for (const type of ['feature_statuses', 'product_areas']) {
      const all = await listIds(a, `/${type}?per_page=100`);
      expect(await walkCursor(a, `/${type}?per_page=5`)).toEqual(all);
      expect(await walkCursor(a, `/${type}?per_page=5&sort=name`)).toEqual(await listIds(a, `/${type}?per_page=100&sort=name`));
      const three = all.slice(0, 3) as [number, number, number];
      await checkUpdatedWindow(app, a, type, three);
    }
    const byPosition = await listIds(a, '/feature_statuses?per_page=100&sort=-position');
    const positions = (await a.get(`/feature_statuses/${byPosition.join(',')}`)).body.feature_statuses.map((s: { position: number }) => s.position);
    expect(positions).toEqual([...positions].sort((x, y) => y - x));
    const me = (await a.get('/users/current')).body.users[0];
    const withUsers = await a.get(`/product_areas/${(await create('product_areas', { name: 'Side' })).id}?includes=users`);
    expect(withUsers.body).toEqual({ product_areas: [areaRecord(withUsers.body.product_areas[0].id, 'Side')], users: [me], links: { ...AUTHOR_LINKS('product_areas'), ...USER_LINKS } });
    const bad = await a.get('/product_areas?sort=colour');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errors: { error: 'bad_request', message: expect.stringContaining('sort') } });
  });
});

describe('features', () => {
  it('creates with its status, area and suggestions; suggestions link back (links.features) and get a new updated_at', async () => {
    const { forum, suggestion: s1 } = await a.forumWithSuggestion();
    const s2 = await a.suggestion(forum.id);
    const bystander = await a.suggestion(forum.id);
    const old = new Date('2024-01-01T00:00:00Z');
    await db().updateTable('suggestions').set({ updated_at: old }).where('id', 'in', [s1.id, s2.id, bystander.id]).execute();
    const status = await create('feature_statuses', { name: 'Planned' });
    const area = await create('product_areas', { name: 'Exports' });

    const reply = await a.post('/features', { name: 'CSV export', description: 'All reports', position: 2, links: { feature_status: status.id, product_area: area.id, suggestions: [s2.id, s1.id] } });
    expect(reply.status, reply.text).toBe(200);
    const id = reply.body.features[0].id;
    expect(reply.body).toEqual({
      features: [featureRecord(id, { name: 'CSV export', description: 'All reports', position: 2, suggestions_count: 2 }, { feature_status: status.id, product_area: area.id, suggestions: [s1.id, s2.id] })],
      links: FEATURE_LINKS,
    });
    expect((await a.get(`/features/${id}`)).body).toEqual(reply.body);
    expect((await a.one('suggestions', s1.id)).links.features).toEqual([id]);
    expect((await a.one('suggestions', bystander.id)).links.features).toEqual([]);
    const changed = await listIds(a, `/suggestions?per_page=100&forum=${forum.id}&updated_after=2024-06-01T00:00:00Z`);
    expect(changed).toEqual([s2.id, s1.id]);

    // Side-loading both ways, with the top-level links map.
    const both = await a.get(`/features/${id}?includes=suggestions,feature_statuses,product_areas`);
    const suggestions = (await a.get(`/suggestions/${s1.id},${s2.id}`)).body.suggestions;
    expect(both.body).toEqual({
      features: reply.body.features,
      suggestions,
      feature_statuses: [status],
      product_areas: [area],
      links: { ...FEATURE_LINKS, ...SUGGESTION_LINKS, ...AUTHOR_LINKS('feature_statuses'), ...AUTHOR_LINKS('product_areas') },
    });
    const back = await a.get(`/suggestions/${s1.id}?includes=features`);
    expect(back.body).toEqual({ suggestions: [suggestions[0]], features: reply.body.features, links: { ...SUGGESTION_LINKS, ...FEATURE_LINKS } });
  });

  it('counts the supporters and accounts of its suggestions at read time', async () => {
    const { forum, suggestion: s1 } = await a.forumWithSuggestion();
    const s2 = await a.suggestion(forum.id);
    const [u1, u2] = [await a.user(), await a.user()];
    const accounts = await a.post('/external_accounts/import', { accounts: [{ external_id: `acc-${unique()}`, name: 'Acme', mrr_cents: 1000, ltv_cents: 50_000 }] });
    const account = accounts.body.external_accounts[0];
    await a.post('/external_users/import', { users: [{ external_id: `u-${unique()}`, email: u1.email_address, account: { external_id: account.external_id } }] });
    for (const [s, u] of [[s1, u1], [s2, u1], [s2, u2]] as const) await a.onSuggestion('feedback', s.id, { body: 'want', links: { user: u.id } });
    const feature = await create('features', { name: 'Counted', links: { suggestions: [s1.id, s2.id] } });
    expect(feature).toEqual(
      featureRecord(feature.id, { name: 'Counted', suggestions_count: 2, supporting_users_count: 2, supporting_accounts_count: 1, supporter_mrr_cents: 1000, supporter_revenue: 500 }, { suggestions: [s1.id, s2.id] }),
    );
    // Filters: by suggestion, by supporting user, by supporting account.
    expect(await listIds(a, `/features?suggestion=${s2.id}`)).toEqual([feature.id]);
    expect(await listIds(a, `/features?user=${u2.id}`)).toEqual([feature.id]);
    expect(await listIds(a, `/features?account=${account.id}`)).toEqual([feature.id]);
    expect(await listIds(a, `/features?user=${(await a.user()).id}`)).toEqual([]);
  });

  it('PUT replaces suggestions and links, null clears; DELETE unlinks its suggestions; 422 names every bad field', async () => {
    const { forum, suggestion: s1 } = await a.forumWithSuggestion();
    const s2 = await a.suggestion(forum.id);
    const status = await create('feature_statuses', { name: 'Next' });
    const feature = await create('features', { name: 'Before', links: { suggestions: [s1.id], feature_status: status.id } });

    const moved = await a.put(`/features/${feature.id}`, undefined, { form: `name=After&links.suggestions=${s2.id}&links.feature_status=` });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toEqual({ features: [{ ...featureRecord(feature.id, { name: 'After', suggestions_count: 1 }, { suggestions: [s2.id] }), created_at: feature.created_at }], links: FEATURE_LINKS });
    expect((await a.one('suggestions', s1.id)).links.features).toEqual([]);
    expect((await a.one('suggestions', s2.id)).links.features).toEqual([feature.id]);

    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{ name: '' }, { name: ["can't be blank"] }],
      [{ name: 'x', links: { suggestions: [s1.id, 999_999] } }, { 'links.suggestions': ['does not exist'] }],
      [{ name: 'x', links: { feature_status: 999_999, product_area: 999_999 } }, { 'links.feature_status': ['does not exist'], 'links.product_area': ['does not exist'] }],
      [{ description: 'x'.repeat(65_536) }, { name: ["can't be blank"], description: ['is too long (maximum is 65535 characters)'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/features', json);
      expect(reply.status, JSON.stringify(json).slice(0, 80)).toBe(422);
      expect(reply.body).toEqual({ errors });
    }
    expect((await a.put('/features/999999', { name: 'x' })).body).toEqual(NOT_FOUND);

    const deleted = await a.delete(`/features/${feature.id}`);
    expect(deleted.body).toEqual({ features: [moved.body.features[0]], links: FEATURE_LINKS });
    expect((await a.one('suggestions', s2.id)).links.features).toEqual([]);
    expect((await a.get(`/features/${feature.id}`)).status).toBe(404);

    // Deleting a feature status unlinks its features.
    const linked = await create('features', { name: 'Linked', links: { feature_status: status.id } });
    await a.delete(`/feature_statuses/${status.id}`);
    expect((await a.one('features', linked.id)).links.feature_status).toBeNull();
  });

  it('walks by cursor, filters by status and area, lists updated_after windows, and costs the same SQL for any per_page', async () => {
    const status = await create('feature_statuses', { name: 'S' });
    const area = await create('product_areas', { name: 'A' });
    const ids: number[] = [];
    for (let i = 0; i < 11; i++) ids.push((await create('features', { name: `F ${i}`, links: i % 2 === 0 ? { feature_status: status.id } : { product_area: area.id } })).id);
    expect(await listIds(a, `/features?per_page=100&feature_status=${status.id}`)).toEqual(ids.filter((_, i) => i % 2 === 0).reverse());
    expect(await listIds(a, `/features?per_page=100&product_area=${area.id}`)).toEqual(ids.filter((_, i) => i % 2 === 1).reverse());
    expect(await walkCursor(a, '/features?per_page=4')).toEqual(await listIds(a, '/features?per_page=100'));
    expect(await walkCursor(a, '/features?per_page=4&sort=name')).toEqual(await listIds(a, '/features?per_page=100&sort=name'));
    await checkUpdatedWindow(app, a, 'features', [ids[0]!, ids[1]!, ids[2]!]);
    const bad = await a.get('/features?feature_status=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.error).toBe('bad_request');
    const k = db();
    const { suggestion } = await a.forumWithSuggestion();
    const many = await k.insertInto('features').values(Array.from({ length: 105 }, (_, i) => ({ name: `Bulk ${i}`, position: 0, created_at: new Date(), updated_at: new Date() }))).returning('id').execute();
    await k.insertInto('feature_suggestions').values(many.map((f) => ({ feature_id: f.id, suggestion_id: suggestion.id }))).execute();
    // page + count + suggestions.
    expect(await statementCounts(app, a, '/features?includes=suggestions')).toEqual([3, 3, 3]);
  });
});

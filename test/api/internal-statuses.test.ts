import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, statementCounts, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND, SUGGESTION_LINKS } from '../helpers/wire.ts';

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
const TIME = expect.stringMatching(ISO_SECONDS);

const UPDATE_LINKS = {
  'internal_status_updates.suggestion': { type: 'suggestions' },
  'internal_status_updates.created_by': { type: 'users' },
  'internal_status_updates.new_internal_status': { type: 'internal_statuses' },
  'internal_status_updates.old_internal_status': { type: 'internal_statuses' },
};
const FLAG_LINKS = {
  'internal_flags.suggestion': { type: 'suggestions' },
  'internal_flags.user': { type: 'users' },
  'internal_flags.created_by': { type: 'users' },
};

const create = async (collection: string, json: unknown) => {
  const reply = await a.post(`/${collection}`, json);
  expect(reply.status, reply.text).toBe(200);
  return reply.body[collection][0];
};

const statusRecord = (id: number, fields: Record<string, unknown>) => ({
  id,
  name: fields.name,
  hex_color: fields.hex_color ?? '#808080',
  position: fields.position ?? 0,
  is_default: fields.is_default ?? false,
  created_at: TIME,
  updated_at: TIME,
  links: {},
});

function updateRecord(id: number, suggestion: number, status: { id: number; name: string; hex_color: string } | null, old: number | null) {
  return {
    id,
    name: status?.name ?? null,
    hex_color: status?.hex_color ?? null,
    internal_status_id: status?.id ?? null,
    teams_notified: false,
    thumbs_up_count: 0,
    thumbs_down_count: 0,
    created_at: TIME,
    updated_at: TIME,
    links: { suggestion, created_by: owner, new_internal_status: status?.id ?? null, old_internal_status: old },
  };
}

const flagRecord = (id: number, suggestion: number, reason: string | null, user: number | null = null) => ({
  id,
  reason,
  created_at: TIME,
  updated_at: TIME,
  links: { suggestion, user, created_by: owner },
});

describe('internal_statuses', () => {
  it('create, get, update, delete (our extension); list walks, sorts and filters by updated_after; 422 and 404', async () => {
    const reply = await a.post('/internal_statuses', undefined, { form: 'name=Triage;hex_color=%23AABBCC;position=2;is_default=1' });
    expect(reply.status, reply.text).toBe(200);
    const id = reply.body.internal_statuses[0].id;
    expect(reply.body).toEqual({ internal_statuses: [statusRecord(id, { name: 'Triage', hex_color: '#aabbcc', position: 2, is_default: true })], links: {} });
    expect((await a.get(`/internal_statuses/${id}`)).body).toEqual(reply.body);
    const renamed = await a.put(`/internal_statuses/${id}`, { name: 'Needs triage' });
    expect(renamed.body.internal_statuses[0]).toEqual({ ...statusRecord(id, { name: 'Needs triage', hex_color: '#aabbcc', position: 2, is_default: true }), created_at: reply.body.internal_statuses[0].created_at });
    const bad = await a.post('/internal_statuses', { name: ' ', is_default: 'perhaps' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ errors: { name: ["can't be blank"], is_default: ['is invalid'] } });
    for (let i = 0; i < 8; i++) await create('internal_statuses', { name: `S${i}`, position: 10 - i });
    const all = await listIds(a, '/internal_statuses?per_page=100');
    expect(await walkCursor(a, '/internal_statuses?per_page=3')).toEqual(all);
    expect(await walkCursor(a, '/internal_statuses?per_page=3&sort=position')).toEqual(await listIds(a, '/internal_statuses?per_page=100&sort=position'));
    await checkUpdatedWindow(app, a, 'internal_statuses', [all[0]!, all[1]!, all[2]!]);
    const deleted = await a.delete(`/internal_statuses/${id}`);
    expect(deleted.body).toEqual({ internal_statuses: [renamed.body.internal_statuses[0]], links: {} });
    for (const path of [`/internal_statuses/${id}`, `/internal_statuses/${all[1]},999999`]) expect((await a.get(path)).body, path).toEqual(NOT_FOUND);
  });
});

describe('internal_status_updates', () => {
  it('moves a suggestion between internal statuses: old and new recorded, last_internal_status_update follows, side-loads', async () => {
    const { suggestion } = await a.forumWithSuggestion();
    const [triage, spec] = [await create('internal_statuses', { name: 'Triage', hex_color: '#111111' }), await create('internal_statuses', { name: 'Spec' })];
    await db().updateTable('suggestions').set({ updated_at: new Date('2024-01-01T00:00:00Z') }).where('id', '=', suggestion.id).execute();

    const first = await a.post('/internal_status_updates', { links: { suggestion: suggestion.id, internal_status: triage.id } });
    expect(first.status, first.text).toBe(200);
    const u1 = first.body.internal_status_updates[0].id;
    expect(first.body).toEqual({ internal_status_updates: [updateRecord(u1, suggestion.id, triage, null)], links: UPDATE_LINKS });
    const after = await a.one('suggestions', suggestion.id);
    expect(after.links.last_internal_status_update).toBe(u1);
    expect(after.updated_at).not.toBe('2024-01-01T00:00:00Z');

    const second = await a.post('/internal_status_updates', undefined, { form: `links.suggestion=${suggestion.id}&links.internal_status=${spec.id}` });
    const u2 = second.body.internal_status_updates[0].id;
    expect(second.body).toEqual({ internal_status_updates: [updateRecord(u2, suggestion.id, spec, triage.id)], links: UPDATE_LINKS });
    const cleared = await a.post('/internal_status_updates', { links: { suggestion: suggestion.id, internal_status: null } });
    const u3 = cleared.body.internal_status_updates[0].id;
    expect(cleared.body).toEqual({ internal_status_updates: [updateRecord(u3, suggestion.id, null, spec.id)], links: UPDATE_LINKS });

    const withAll = await a.get(`/suggestions/${suggestion.id}?includes=internal_status_updates`);
    expect(withAll.body).toEqual({ suggestions: [await a.one('suggestions', suggestion.id)], internal_status_updates: cleared.body.internal_status_updates, links: { ...SUGGESTION_LINKS, ...UPDATE_LINKS } });
    expect((await a.one('suggestions', suggestion.id)).links.last_internal_status_update).toBe(u3);
    const side = await a.get(`/internal_status_updates/${u2}?includes=internal_statuses`);
    expect(side.body).toEqual({
      internal_status_updates: second.body.internal_status_updates,
      internal_statuses: [triage, spec],
      links: { ...UPDATE_LINKS },
    });
    expect(await listIds(a, `/internal_status_updates?suggestion=${suggestion.id}`)).toEqual([u3, u2, u1]);
    expect(await listIds(a, `/internal_status_updates?internal_status=${spec.id}`)).toEqual([u2]);

    // A renamed or deleted status leaves the recorded name and colour.
    await a.delete(`/internal_statuses/${triage.id}`);
    expect(await a.one('internal_status_updates', u1)).toEqual({ ...first.body.internal_status_updates[0], internal_status_id: null, links: { ...first.body.internal_status_updates[0].links, new_internal_status: null } });
  });

  it('422 names every bad field and writes nothing; walks by cursor; same SQL for any per_page', async () => {
    const { suggestion } = await a.forumWithSuggestion();
    const before = await listIds(a, '/internal_status_updates?per_page=100');
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { 'links.suggestion': ["can't be blank"], 'links.internal_status': ["can't be blank"] }],
      [{ links: { suggestion: 999_999, internal_status: 999_999 } }, { 'links.suggestion': ['does not exist'], 'links.internal_status': ['does not exist'] }],
      [{ links: { suggestion: suggestion.id, internal_status: 'x' } }, { 'links.internal_status': ['does not exist'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/internal_status_updates', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body).toEqual({ errors });
    }
    expect(await listIds(a, '/internal_status_updates?per_page=100')).toEqual(before);
    const status = await create('internal_statuses', { name: 'Walk' });
    for (let i = 0; i < 9; i++) await create('internal_status_updates', { links: { suggestion: suggestion.id, internal_status: status.id } });
    expect(await walkCursor(a, '/internal_status_updates?per_page=4')).toEqual(await listIds(a, '/internal_status_updates?per_page=100'));
    const ids = await listIds(a, `/internal_status_updates?suggestion=${suggestion.id}`);
    await checkUpdatedWindow(app, a, 'internal_status_updates', [ids[0]!, ids[1]!, ids[2]!]);
    const k = db();
    await k
      .insertInto('internal_status_updates')
      .values(Array.from({ length: 100 }, () => ({ suggestion_id: suggestion.id, new_internal_status_id: status.id, name: 'Walk', teams_notified: false, created_at: new Date(), updated_at: new Date() })))
      .execute();
    // page and count (one statement, resources/render.ts) + suggestions + internal_statuses.
    expect(await statementCounts(app, a, '/internal_status_updates?includes=suggestions,internal_statuses')).toEqual([3, 3, 3]);
  });
});

describe('internal_flags', () => {
  it('create and delete move the suggestion’s counts and last_internal_flag_at; the merge target counts its merged suggestions’ flags', async () => {
    const { forum, suggestion: target } = await a.forumWithSuggestion();
    const merged = await a.suggestion(forum.id);
    const user = await a.user();
    const flag = await a.post('/internal_flags', { reason: 'Check with legal', links: { suggestion: target.id, user: user.id } });
    expect(flag.status, flag.text).toBe(200);
    const f1 = flag.body.internal_flags[0];
    expect(flag.body).toEqual({ internal_flags: [flagRecord(f1.id, target.id, 'Check with legal', user.id)], links: FLAG_LINKS });
    const counts = async (id: number) => {
      const s = await a.one('suggestions', id);
      return [s.internal_flags_count, s.all_internal_flags_count, s.last_internal_flag_at];
    };
    expect(await counts(target.id)).toEqual([1, 1, f1.created_at]);

    const merge = await a.post('/suggestions/bulk/merge', { include_ids: [merged.id], action: { links: { to_suggestion: target.id } } });
    expect(merge.status, merge.text).toBe(200);
    const onMerged = await create('internal_flags', { links: { suggestion: merged.id } });
    expect(onMerged).toEqual(flagRecord(onMerged.id, merged.id, null));
    expect(await counts(merged.id)).toEqual([1, 1, onMerged.created_at]);
    expect(await counts(target.id)).toEqual([1, 2, f1.created_at]);

    const deleted = await a.delete(`/internal_flags/${onMerged.id}`);
    expect(deleted.body).toEqual({ internal_flags: [onMerged], links: FLAG_LINKS });
    expect(await counts(target.id)).toEqual([1, 1, f1.created_at]);
    expect(await counts(merged.id)).toEqual([0, 0, null]);
    expect((await a.delete(`/internal_flags/${onMerged.id}`)).body).toEqual(NOT_FOUND);
    expect((await a.get(`/internal_flags/${onMerged.id}`)).body).toEqual(NOT_FOUND);

    expect(await listIds(a, `/internal_flags?suggestion=${target.id}`)).toEqual([f1.id]);
    expect(await listIds(a, `/internal_flags?user=${user.id}`)).toEqual([f1.id]);
    expect(await listIds(a, `/internal_flags?created_by=${owner}&suggestion=${target.id},${merged.id}`)).toEqual([f1.id]);
    const side = await a.get(`/internal_flags/${f1.id}?includes=suggestions,users`);
    expect(side.body.suggestions).toEqual([await a.one('suggestions', target.id)]);
    expect(side.body.users.map((u: { id: number }) => u.id).sort()).toEqual([owner, user.id].sort((x, y) => x - y));
  });

  it('422 for a missing or unknown suggestion and an unknown user; walks by cursor; updated_after', async () => {
    const { suggestion } = await a.forumWithSuggestion();
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{ reason: 'x' }, { 'links.suggestion': ["can't be blank"] }],
      [{ links: { suggestion: 999_999, user: 999_999 } }, { 'links.suggestion': ['does not exist'], 'links.user': ['does not exist'] }],
      [{ reason: 'r'.repeat(1001), links: { suggestion: suggestion.id } }, { reason: ['is too long (maximum is 1000 characters)'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/internal_flags', json);
      expect(reply.status, JSON.stringify(json).slice(0, 60)).toBe(422);
      expect(reply.body).toEqual({ errors });
    }
    expect((await a.one('suggestions', suggestion.id)).internal_flags_count).toBe(0);
    for (let i = 0; i < 7; i++) await create('internal_flags', { reason: `r${i}`, links: { suggestion: suggestion.id } });
    expect((await a.one('suggestions', suggestion.id)).internal_flags_count).toBe(7);
    expect(await walkCursor(a, '/internal_flags?per_page=3')).toEqual(await listIds(a, '/internal_flags?per_page=100'));
    const ids = await listIds(a, `/internal_flags?suggestion=${suggestion.id}`);
    await checkUpdatedWindow(app, a, 'internal_flags', [ids[0]!, ids[1]!, ids[2]!]);
  });
});

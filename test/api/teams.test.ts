import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { useTestApp } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, statementCounts, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND, USER_LINKS } from '../helpers/wire.ts';

const { app, a } = useTestApp();

const db = (): Kysely<DB> => app.server.db.orm.em.fork().getKysely<DB>();
const unique = () => randomUUID().slice(0, 8);

const TEAM_LINKS = { 'teams.users': { type: 'users' } };

function teamRecord(id: number, name: string, users: number[], fields: Record<string, unknown> = {}) {
  return {
    id,
    name,
    members_count: users.length,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { users },
    ...fields,
  };
}

const team = async (fields: Record<string, unknown> = {}) => {
  const reply = await a.post('/teams', { name: `Team ${unique()}`, ...fields });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.teams[0];
};
const teamsOf = async (userId: number): Promise<number[]> => (await a.one('users', userId)).links.teams;

describe('POST /admin/teams (extension)', () => {
  it('creates from JSON with members; GET reads it back; the members link back through links.teams', async () => {
    const [u1, u2] = [await a.user(), await a.user()];
    const reply = await a.post('/teams', { name: 'Product', links: { users: [u2.id, u1.id] } });
    expect(reply.status).toBe(200);
    const id = reply.body.teams[0].id;
    // Members come back in id order, whatever order they were sent in.
    expect(reply.body).toEqual({ teams: [teamRecord(id, 'Product', [u1.id, u2.id])], links: TEAM_LINKS });
    expect((await a.get(`/teams/${id}`)).body).toEqual(reply.body);
    expect(await teamsOf(u1.id)).toEqual([id]);
    expect(await teamsOf(u2.id)).toEqual([id]);
  });

  it('creates from form bodies: comma list, indexed keys, `;` pairs, and a wrapped JSON body; ignores read-only fields', async () => {
    const [u1, u2, u3] = [await a.user(), await a.user(), await a.user()];
    const comma = await a.post('/teams', undefined, { form: `name=Support+Team&links.users=${u1.id},${u2.id}` });
    expect(comma.status).toBe(200);
    expect(comma.body).toEqual({ teams: [teamRecord(comma.body.teams[0].id, 'Support Team', [u1.id, u2.id])], links: TEAM_LINKS });

    const indexed = await a.post('/teams', undefined, { form: `name=Indexed;links.users[0]=${u3.id};links.users[1]=${u1.id};` });
    expect(indexed.status).toBe(200);
    expect(indexed.body).toEqual({ teams: [teamRecord(indexed.body.teams[0].id, 'Indexed', [u1.id, u3.id])], links: TEAM_LINKS });

    const empty = await a.post('/teams', undefined, { form: 'name=Nobody' });
    expect(empty.body).toEqual({ teams: [teamRecord(empty.body.teams[0].id, 'Nobody', [])], links: TEAM_LINKS });

    const wrapped = await a.post('/teams', { team: { name: 'Wrapped', id: 999_999, members_count: 42, created_at: '2001-01-01T00:00:00Z', links: { users: [u2.id, u2.id] } } });
    expect(wrapped.status).toBe(200);
    const w = wrapped.body.teams[0];
    expect(w.id).not.toBe(999_999);
    expect(w.created_at).not.toBe('2001-01-01T00:00:00Z');
    expect(wrapped.body).toEqual({ teams: [teamRecord(w.id, 'Wrapped', [u2.id])], links: TEAM_LINKS });
    expect(await teamsOf(u1.id)).toEqual([comma.body.teams[0].id, indexed.body.teams[0].id]);
  });

  it('422 with every field error at once; nothing is written', async () => {
    const user = await a.user();
    const before = await listIds(a, '/teams?per_page=100');
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { name: ["can't be blank"] }],
      [{ name: '  ' }, { name: ["can't be blank"] }],
      [{ name: 'x'.repeat(256) }, { name: ['is too long (maximum is 255 characters)'] }],
      [{ name: 'ok', links: { users: [user.id, 999_999] } }, { 'links.users': ['does not exist'] }],
      [{ name: 'ok', links: { users: 'abc' } }, { 'links.users': ['does not exist'] }],
      [{ name: 'ok', links: { users: { a: 1 } } }, { 'links.users': ['is invalid'] }],
      [{ name: '', links: { users: [0] } }, { name: ["can't be blank"], 'links.users': ['does not exist'] }],
      [{ links: { users: [999_999] } }, { name: ["can't be blank"], 'links.users': ['does not exist'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/teams', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors });
    }
    const form = await a.post('/teams', undefined, { form: `name=&links.users=${user.id},x` });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { name: ["can't be blank"], 'links.users': ['does not exist'] } });
    expect(await listIds(a, '/teams?per_page=100')).toEqual(before);
    expect(await teamsOf(user.id)).toEqual([]);
  });
});

describe('PUT /admin/teams/{id} and DELETE (extension)', () => {
  it('renames (keeping members), replaces members, clears them; users joining or leaving get a new updated_at', async () => {
    const [u1, u2, u3, bystander] = [await a.user(), await a.user(), await a.user(), await a.user()];
    const created = await team({ name: 'Before', links: { users: [u1.id, u2.id] } });
    const old = new Date('2024-01-01T00:00:00Z');
    await db().updateTable('users').set({ updated_at: old }).where('id', 'in', [u1.id, u2.id, u3.id, bystander.id]).execute();
    const changedSince = () => listIds(a, `/users?per_page=100&updated_after=2024-06-01T00:00:00Z&email_address=${[u1, u2, u3, bystander].map((u) => u.email_address).join(',')}`);

    const renamed = await a.put(`/teams/${created.id}`, { name: 'After' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ teams: [teamRecord(created.id, 'After', [u1.id, u2.id], { created_at: created.created_at })], links: TEAM_LINKS });
    expect(await changedSince()).toEqual([]);

    const moved = await a.put(`/teams/${created.id}`, undefined, { form: `links.users=${u2.id},${u3.id}` });
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({ teams: [teamRecord(created.id, 'After', [u2.id, u3.id])], links: TEAM_LINKS });
    expect(await teamsOf(u1.id)).toEqual([]);
    expect(await teamsOf(u3.id)).toEqual([created.id]);
    // u1 left and u3 joined; u2 stayed and the bystander was never involved.
    expect(await changedSince()).toEqual([u3.id, u1.id]);

    const cleared = await a.put(`/teams/${created.id}`, { links: { users: [] } });
    expect(cleared.body).toEqual({ teams: [teamRecord(created.id, 'After', [])], links: TEAM_LINKS });
    expect(await teamsOf(u2.id)).toEqual([]);

    const bad = await a.put(`/teams/${created.id}`, { name: '', links: { users: [999_999] } });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ errors: { name: ["can't be blank"], 'links.users': ['does not exist'] } });
    for (const id of ['999999', 'abc']) {
      const missing = await a.put(`/teams/${id}`, { name: 'x' });
      expect(missing.status, id).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('DELETE answers the team as it was, removes the memberships, then 404', async () => {
    const [u1, u2] = [await a.user(), await a.user()];
    const keep = await team({ links: { users: [u1.id] } });
    const doomed = await team({ name: 'Doomed', links: { users: [u1.id, u2.id] } });
    const reply = await a.delete(`/teams/${doomed.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ teams: [doomed], links: TEAM_LINKS });
    expect(await teamsOf(u1.id)).toEqual([keep.id]);
    expect(await teamsOf(u2.id)).toEqual([]);
    for (const path of [`/teams/${doomed.id}`]) {
      expect((await a.get(path)).status).toBe(404);
      const again = await a.delete(path);
      expect(again.status).toBe(404);
      expect(again.body).toEqual(NOT_FOUND);
    }
  });
});

describe('GET /admin/teams', () => {
  it('reads several ids in the requested order; 404 when any is missing or not numeric', async () => {
    const [t1, t2] = [await team(), await team()];
    const reply = await a.get(`/teams/${t2.id},${t1.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ teams: [t2, t1], links: TEAM_LINKS });
    for (const ids of ['999999', `${t1.id},999999`, 'abc']) {
      const missing = await a.get(`/teams/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body, ids).toEqual(NOT_FOUND);
    }
  });

  it('side-loads users (and users side-load teams), with the links map', async () => {
    const [u1, u2] = [await a.user(), await a.user()];
    const t = await team({ links: { users: [u1.id, u2.id] } });
    const users = (await a.get(`/users/${u1.id},${u2.id}`)).body.users;
    const reply = await a.get(`/teams/${t.id}?includes=users`);
    expect(reply.body).toEqual({ teams: [t], users, links: { ...TEAM_LINKS, ...USER_LINKS } });
    const back = await a.get(`/users/${u1.id}?includes=teams`);
    expect(back.body).toEqual({ users: [users[0]], teams: [t], links: { ...USER_LINKS, ...TEAM_LINKS } });
    // A user in no team: the requested type is there, empty.
    const loner = await a.user();
    expect((await a.get(`/users/${loner.id}?includes=teams`)).body).toEqual({ users: [expect.objectContaining({ id: loner.id })], teams: [], links: { ...USER_LINKS, ...TEAM_LINKS } });
  });

  it('sorts by name and members_count; unknown sorts are a 400', async () => {
    const tag = unique();
    const b = await team({ name: `${tag} b`, links: { users: [(await a.user()).id] } });
    const c = await team({ name: `${tag} c` });
    const a1 = await team({ name: `${tag} a`, links: { users: [(await a.user()).id, (await a.user()).id] } });
    const mine = (ids: number[]) => ids.filter((id) => [a1.id, b.id, c.id].includes(id));
    expect(mine(await listIds(a, '/teams?per_page=100&sort=name'))).toEqual([a1.id, b.id, c.id]);
    expect(mine(await listIds(a, '/teams?per_page=100&sort=-name'))).toEqual([c.id, b.id, a1.id]);
    expect(mine(await listIds(a, '/teams?per_page=100&sort=-members_count'))).toEqual([a1.id, b.id, c.id]);
    const bad = await a.get('/teams?sort=colour');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.error).toBe('bad_request');
  });

  it('walks every team by cursor (default order and by name), and lists updated_after windows', async () => {
    for (let i = 0; i < 23; i++) await team();
    const all = await listIds(a, '/teams?per_page=100');
    expect(await walkCursor(a, '/teams?per_page=7')).toEqual(all);
    const byName = await listIds(a, '/teams?per_page=100&sort=name');
    expect(await walkCursor(a, '/teams?per_page=5&sort=name')).toEqual(byName);
    const rows = [(await team()).id, (await team()).id, (await team()).id] as [number, number, number];
    await checkUpdatedWindow(app, a, 'teams', rows);
  });

  it('runs as many SQL statements for 1, 10 or 100 teams with their users side-loaded', async () => {
    const users = [await a.user(), await a.user(), await a.user()];
    const k = db();
    const inserted = await k
      .insertInto('teams')
      .values(Array.from({ length: 110 }, (_, i) => ({ name: `Bulk ${i}`, members_count: 2, created_at: new Date(), updated_at: new Date() })))
      .returning('id')
      .execute();
    await k
      .insertInto('team_members')
      .values(inserted.flatMap((t, i) => [users[i % 3]!, users[(i + 1) % 3]!].map((u) => ({ team_id: t.id, user_id: u.id }))))
      .execute();
    // page and count (one statement, resources/render.ts) + users.
    expect(await statementCounts(app, a, '/teams?includes=users')).toEqual([2, 2, 2]);
  });
});

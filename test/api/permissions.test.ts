import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { MikroORM } from '@mikro-orm/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ormOptions } from '../../mikro-orm.config.ts';
import { loadConfig } from '../../src/config.ts';
import type { DB } from '../../src/db/schema.ts';
import { createTestDatabase, startTestApp, type TestApp } from '../helpers/app.ts';
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
const email = () => `admin.${randomUUID().slice(0, 8)}@example.com`;

const PERMISSION_LINKS = { 'permissions.user': { type: 'users' } };

/** A permission record with UserVoice's documented defaults, overridden by `fields`. */
function permissionRecord(id: number, userId: number, fields: Record<string, unknown> = {}) {
  return {
    id,
    license_type: 'fullaccess_admin',
    feedback: 'contribute',
    features: 'none',
    knowledgebase: 'none',
    settings: 'none',
    tickets: 'none',
    reply_to: null,
    state: 'active',
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { user: userId },
    ...fields,
  };
}

/** The same record as users nest it (`suggestions` is the feedback level; billing is the owner's). */
function nested(record: Record<string, unknown>, billing = 'none') {
  return {
    id: record.id,
    state: record.state,
    billing,
    features: record.features,
    knowledgebase: record.knowledgebase,
    license_type: record.license_type,
    settings: record.settings,
    suggestions: record.feedback,
    tickets: record.tickets,
  };
}

const grant = async (fields: Record<string, unknown> = {}) => {
  const reply = await a.post('/permissions', { email: email(), license_type: 'admin', ...fields });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.permissions[0];
};

describe('POST /admin/permissions', () => {
  it('a new address: creates the user as an admin with the documented defaults; the user nests the record', async () => {
    const address = email();
    const reply = await a.post('/permissions', { email: address.toUpperCase(), license_type: 'fullaccess_admin' });
    expect(reply.status).toBe(200);
    const record = reply.body.permissions[0];
    expect(reply.body).toEqual({ permissions: [permissionRecord(record.id, expect.any(Number))], links: PERMISSION_LINKS });
    expect((await a.get(`/permissions/${record.id}`)).body).toEqual(reply.body);
    const user = await a.one('users', record.links.user);
    expect(user).toMatchObject({ email_address: address, is_admin: true, is_owner: false, permissions: nested(record) });
    expect(user.traits.type).toBe('admin');
  });

  it('an existing user, from form bodies (& and ;) with levels; their record moves (updated_at) and nests the record', async () => {
    const user = await a.user();
    await db().updateTable('users').set({ updated_at: new Date('2024-01-01T00:00:00Z') }).where('id', '=', user.id).execute();
    const amp = await a.post('/permissions', undefined, {
      form: `email=${encodeURIComponent(user.email_address)}&license_type=feedback_admin&feedback=manage&features=view&knowledgebase=view&settings=manage&tickets=view&reply_to=team%40example.com`,
    });
    expect(amp.status, amp.text).toBe(200);
    const record = amp.body.permissions[0];
    expect(record).toEqual(
      permissionRecord(record.id, user.id, { license_type: 'feedback_admin', feedback: 'manage', features: 'view', knowledgebase: 'view', settings: 'manage', tickets: 'view', reply_to: 'team@example.com' }),
    );
    const after = await a.one('users', user.id);
    expect(after).toEqual({ ...user, is_admin: true, permissions: nested(record), traits: { ...user.traits, type: 'admin' }, updated_at: expect.stringMatching(ISO_SECONDS) });
    expect(await listIds(a, `/users?updated_after=2024-06-01T00:00:00Z&email_address=${encodeURIComponent(user.email_address)}`)).toEqual([user.id]);

    const other = await a.user();
    const semi = await a.post('/permissions', undefined, { form: `email=${encodeURIComponent(other.email_address)};license_type=contributor;` });
    expect(semi.status).toBe(200);
    expect(semi.body.permissions[0]).toEqual(permissionRecord(semi.body.permissions[0].id, other.id, { license_type: 'contributor' }));
    const wrapped = await a.post('/permissions', { permission: { email: email(), license_type: 'admin', id: 999_999, state: 'invited', links: { user: me } } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body.permissions[0].id).not.toBe(999_999);
    expect(wrapped.body.permissions[0]).toEqual(permissionRecord(wrapped.body.permissions[0].id, expect.any(Number), { license_type: 'admin' }));
    expect(wrapped.body.permissions[0].links.user).not.toBe(me);
  });

  it('422 for a user who already has a record (the owner too), and for missing or invalid fields; nothing is written', async () => {
    const existing = await grant();
    const holder = await a.one('users', existing.links.user);
    const before = await listIds(a, '/permissions?per_page=100');
    const owner = await a.one('users', me);
    const ownerAddress = `owner.${randomUUID().slice(0, 8)}@example.com`;
    await db().updateTable('users').set({ email_address: ownerAddress }).where('id', '=', me).execute();
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{ email: holder.email_address, license_type: 'contributor' }, { email: ['already has a permission record; change it with PUT /admin/permissions/{id}'] }],
      [{ email: ownerAddress, license_type: 'admin' }, { email: ['already has a permission record; change it with PUT /admin/permissions/{id}'] }],
      [{}, { email: ["can't be blank"], license_type: ["can't be blank"] }],
      [
        { email: 'not-an-email', license_type: 'owner', feedback: 'edit', settings: 'all', tickets: 5, reply_to: 'nobody' },
        {
          email: ['is invalid'],
          license_type: ['must be one of fullaccess_admin, admin, contributor, feedback_admin'],
          feedback: ['must be one of none, view, contribute, manage'],
          settings: ['must be one of none, manage, manage_account'],
          tickets: ['must be one of none, view, manage'],
          reply_to: ['is invalid'],
        },
      ],
      [{ email: email(), license_type: '', features: 'contribute', knowledgebase: null }, {
        license_type: ["can't be blank"],
        features: ['must be one of none, view, manage'],
        knowledgebase: ['is invalid'],
      }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/permissions', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors });
    }
    const form = await a.post('/permissions', undefined, { form: `email=${email()}&license_type=boss` });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { license_type: ['must be one of fullaccess_admin, admin, contributor, feedback_admin'] } });
    expect(await listIds(a, '/permissions?per_page=100')).toEqual(before);
    expect((await a.one('users', me)).permissions).toEqual(owner.permissions);
  });
});

describe('PUT /admin/permissions/{id}', () => {
  it('changes the license and levels (JSON and form); the user follows; email and links are ignored', async () => {
    const record = await grant({ license_type: 'contributor' });
    const userId = record.links.user;
    const json = await a.put(`/permissions/${record.id}`, { license_type: 'admin', feedback: 'manage', features: 'manage', email: 'someone@else.com', links: { user: me } });
    expect(json.status).toBe(200);
    const changed = permissionRecord(record.id, userId, { license_type: 'admin', feedback: 'manage', features: 'manage', created_at: record.created_at });
    expect(json.body).toEqual({ permissions: [changed], links: PERMISSION_LINKS });
    expect((await a.one('users', userId)).permissions).toEqual(nested(json.body.permissions[0]));

    const form = await a.put(`/permissions/${record.id}`, undefined, { form: 'settings=manage_account;reply_to=;tickets=manage' });
    expect(form.status).toBe(200);
    expect(form.body.permissions[0]).toEqual({ ...changed, settings: 'manage_account', tickets: 'manage' });
    expect((await a.one('users', userId)).permissions).toEqual(nested(form.body.permissions[0]));

    const bad = await a.put(`/permissions/${record.id}`, { license_type: 'god', settings: 'root' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      errors: { license_type: ['must be one of fullaccess_admin, admin, contributor, feedback_admin'], settings: ['must be one of none, manage, manage_account'] },
    });
    for (const id of ['999999', 'abc']) {
      const missing = await a.put(`/permissions/${id}`, { license_type: 'admin' });
      expect(missing.status, id).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('has no DELETE (405 with Allow), as UserVoice documents none', async () => {
    const record = await grant();
    const reply = await a.delete(`/permissions/${record.id}`);
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('HEAD, GET, PUT');
    expect((await a.get(`/permissions/${record.id}`)).status).toBe(200);
  });
});

describe('GET /admin/permissions', () => {
  it('the account owner has a full-access record that manages the account; `user` finds a user’s record', async () => {
    const owner = await a.one('users', me);
    const [record] = (await a.get(`/permissions?user=${me}`)).body.permissions;
    expect(record).toEqual(
      permissionRecord(owner.permissions.id, me, { feedback: 'manage', features: 'manage', knowledgebase: 'manage', settings: 'manage_account', tickets: 'manage' }),
    );
    expect(owner.permissions).toEqual(nested(record, 'manage'));

    const [p1, p2] = [await grant(), await grant()];
    expect(await listIds(a, `/permissions?user=${p1.links.user}`)).toEqual([p1.id]);
    expect(await listIds(a, `/permissions?user=${p1.links.user},${p2.links.user}`)).toEqual([p2.id, p1.id]);
    expect(await listIds(a, `/permissions?user=${(await a.user()).id}`)).toEqual([]);
    expect(await listIds(a, `/permissions?license_type=admin&user=${p1.links.user},${me}`)).toEqual([p1.id]);
    expect((await a.get('/permissions?user=owner')).status).toBe(400);
    expect((await a.get(`/permissions/${p2.id},${p1.id}`)).body).toEqual({ permissions: [p2, p1], links: PERMISSION_LINKS });
    for (const ids of ['999999', `${p1.id},999999`, 'abc']) {
      const missing = await a.get(`/permissions/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('side-loads users; users of admins side-load nothing extra', async () => {
    const record = await grant();
    const user = await a.one('users', record.links.user);
    expect((await a.get(`/permissions/${record.id}?includes=users`)).body).toEqual({ permissions: [record], users: [user], links: { ...PERMISSION_LINKS, ...USER_LINKS } });
  });

  it('walks by cursor, updated_after windows, statements flat in per_page', async () => {
    for (let i = 0; i < 11; i++) await grant();
    expect(await walkCursor(a, '/permissions?per_page=4')).toEqual(await listIds(a, '/permissions?per_page=100'));
    expect(await walkCursor(a, '/permissions?per_page=5&sort=created_at')).toEqual(await listIds(a, '/permissions?per_page=100&sort=created_at'));
    await checkUpdatedWindow(app, a, 'permissions', [(await grant()).id, (await grant()).id, (await grant()).id]);

    const k = db();
    const users = await k
      .insertInto('users')
      .values(Array.from({ length: 100 }, (_, i) => ({ name: `Admin ${i}`, email_address: email(), is_admin: true, created_at: new Date(), updated_at: new Date() })))
      .returning('id')
      .execute();
    await k
      .insertInto('permissions')
      .values(users.map((u) => ({ user_id: u.id, license_type: 'admin', created_at: new Date(), updated_at: new Date() })))
      .execute();
    // page and count (one statement, resources/render.ts) + users (their nested permissions come in the same statement).
    expect(await statementCounts(app, a, '/permissions?includes=users')).toEqual([2, 2, 2]);
    expect(await statementCounts(app, a, '/users?q=Admin')).toEqual([1, 1, 1]); // page and count in one statement
  });
});

describe('migration', () => {
  it('gives every admin who predates permission records a full-access one (the owner manages the account); end users get none', async () => {
    const database = await createTestDatabase();
    const config = loadConfig(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {});
    const orm = await MikroORM.init(ormOptions(config, { pglite: database.pglite }));
    try {
      const executed = (await orm.migrator.getExecuted()).map((m) => m.name);
      const ours = executed.findIndex((name) => name.endsWith('_catalog2'));
      expect(ours).toBeGreaterThan(0);
      await orm.migrator.down({ to: executed[ours - 1] });
      const k = orm.em.fork().getKysely<DB>();
      const now = new Date();
      const made = await k
        .insertInto('users')
        .values([
          { name: 'Owner', is_admin: true, is_owner: true, created_at: now, updated_at: now },
          { name: 'Admin', is_admin: true, created_at: now, updated_at: now },
          { name: 'Customer', created_at: now, updated_at: now },
        ])
        .returning('id')
        .execute();
      await orm.migrator.up();
      const rows = await k.selectFrom('permissions').select(['user_id', 'license_type', 'feedback', 'features', 'knowledgebase', 'settings', 'tickets', 'state']).orderBy('user_id').execute();
      const full = { license_type: 'fullaccess_admin', feedback: 'manage', features: 'manage', knowledgebase: 'manage', tickets: 'manage', state: 'active' };
      expect(rows).toEqual([
        { user_id: made[0]!.id, ...full, settings: 'manage_account' },
        { user_id: made[1]!.id, ...full, settings: 'manage' },
      ]);
    } finally {
      await orm.close(true);
      await database.drop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ISO_SECONDS, type Reply } from '../helpers/http.ts';
import { api, type Api } from '../helpers/factories.ts';
import { NOT_FOUND, USER_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let uv: Api;

beforeAll(async () => {
  app = await startTestApp();
  uv = await api(app);
});
afterAll(() => app?.close());


let counter = 0;
const email = (tag: string) => `${tag}.${Date.now().toString(36)}.${++counter}@example.com`;

/** The unix second a record's created_at names (traits report it as an integer). */
const unix = (iso: string) => Date.parse(iso) / 1000;

/**
 * An end user as the wire shows it. `created_at` is the record's own value (from the reply), because
 * traits.created_at is derived from it.
 */
function userRecord(id: number, createdAt: string, fields: { name: string | null; email: string | null; [key: string]: unknown }) {
  const { name, email: address, ...rest } = fields;
  return {
    id,
    name,
    email_address: address,
    guid: null,
    job_title: null,
    avatar_url: null,
    last_ip: null,
    country: null,
    region: null,
    city: null,
    allowed_state: 'allowed',
    state: 'active',
    satisfaction_score: null,
    supported_suggestions_count: 0,
    suggestion_votes: 0,
    is_admin: false,
    is_owner: false,
    is_validation_admin: false,
    is_subscribed: false,
    email_confirmed: false,
    status_notifications: true,
    comment_notifications: true,
    last_login: null,
    support_created_at: null,
    permissions: null,
    traits: {
      id: String(id),
      email: address,
      name,
      type: rest.is_admin ? 'admin' : 'user',
      ip: null,
      created_at: unix(createdAt),
      browser_name: null,
      os_name: null,
      location_city: null,
      location_region: null,
      location_country: null,
      account_id: null,
      account_internal_id: null,
      account_name: null,
      account_plan: null,
      account_created_at: null,
      account_ltv: null,
      account_monthly_rate: null,
    },
    created_at: createdAt,
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { current_nps_rating: null, previous_nps_rating: null, external_users: [], teams: [], supporter: null, crm_account: null },
    ...rest,
  };
}

/** The one user in a reply, checked for shape and returned. */
function only(reply: Reply): any {
  expect(reply.status).toBe(200);
  expect(Object.keys(reply.body).sort()).toEqual(['links', 'users']);
  expect(reply.body.users).toHaveLength(1);
  const user = reply.body.users[0];
  expect(user.created_at).toMatch(ISO_SECONDS);
  return user;
}

describe('GET /admin/users/current', () => {
  it("returns the token's user: the account owner, an admin", async () => {
    const reply = await uv.get('/users/current');
    const owner = only(reply);
    expect(reply.body).toEqual({
      users: [
        userRecord(owner.id, owner.created_at, {
          name: 'Account Owner',
          // OWNER_EMAIL's default (the demo data's owner).
          email: 'anna@example.com',
          email_confirmed: true,
          is_admin: true,
          is_owner: true,
          // The owner's record in /admin/permissions, as users nest it.
          permissions: {
            id: expect.any(Number),
            state: 'active',
            billing: 'manage',
            features: 'manage',
            knowledgebase: 'manage',
            license_type: 'fullaccess_admin',
            settings: 'manage_account',
            suggestions: 'manage',
            tickets: 'manage',
          },
        }),
      ],
      links: USER_LINKS,
    });
    expect(Number.isInteger(owner.traits.created_at)).toBe(true);
  });

  it('is the same user for every client of the account, and readable by id', async () => {
    const first = only(await uv.get('/users/current'));
    const other = await api(app);
    const second = only(await other.get('/users/current'));
    expect(second.id).toBe(first.id);
    expect((await uv.get(`/users/${first.id}`)).body).toEqual((await uv.get('/users/current')).body);
  });
});

describe('GET /admin/users/{id}', () => {
  it('returns one record in the plural key with every field typed, and the links map', async () => {
    const address = email('single');
    const created = await uv.user({ email: address, name: 'Single User' });
    const reply = await uv.get(`/users/${created.id}`);
    const user = only(reply);
    expect(reply.body).toEqual({ users: [userRecord(created.id, user.created_at, { name: 'Single User', email: address })], links: USER_LINKS });
    expect(Number.isInteger(user.traits.created_at)).toBe(true);
  });

  it('reads several ids in the requested order; 404 when any is missing or not numeric', async () => {
    const a = await uv.user({ email: email('a'), name: 'A' });
    const b = await uv.user({ email: email('b'), name: 'B' });
    const c = await uv.user({ email: email('c'), name: 'C' });
    const reply = await uv.get(`/users/${c.id},${a.id},${b.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      users: [
        userRecord(c.id, c.created_at, { name: 'C', email: c.email_address }),
        userRecord(a.id, a.created_at, { name: 'A', email: a.email_address }),
        userRecord(b.id, b.created_at, { name: 'B', email: b.email_address }),
      ],
      links: USER_LINKS,
    });
    for (const ids of [`${a.id},999999`, '999999', 'abc', `${a.id},abc`, 'me', 'current,1']) {
      const missing = await uv.get(`/users/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body, ids).toEqual(NOT_FOUND);
    }
  });

  it('ignores include names we do not serve', async () => {
    const user = await uv.user({ email: email('inc'), name: 'Inc' });
    const record = userRecord(user.id, user.created_at, { name: 'Inc', email: user.email_address });
    for (const query of ['includes=users', 'includes=tickets&includes=bogus']) {
      const reply = await uv.get(`/users/${user.id}?${query}`);
      expect(reply.status, query).toBe(200);
      expect(reply.body, query).toEqual({ users: [record], links: USER_LINKS });
    }
    // nps_ratings is served: a user without ratings gets an empty array (test/api/nps-ratings.test.ts has the rest).
    const nps = await uv.get(`/users/${user.id}?includes=nps_ratings`);
    expect(nps.body).toEqual({
      users: [record],
      nps_ratings: [],
      links: { ...USER_LINKS, 'nps_ratings.user': { type: 'users' }, 'nps_ratings.ticket': { type: 'tickets' } },
    });
    // Served types this user links to none of come as empty arrays.
    expect((await uv.get(`/users/${user.id}?includes=external_users`)).body).toEqual({
      users: [record],
      external_users: [],
      links: { ...USER_LINKS, 'external_users.user': { type: 'users' }, 'external_users.external_account': { type: 'external_accounts' } },
    });
    expect((await uv.get(`/users/${user.id}?includes=crm_accounts&includes=bogus`)).body).toEqual({ users: [record], crm_accounts: [], links: USER_LINKS });
  });
});

describe('GET /admin/users (list)', () => {
  it('filters by email_address (any case), with list_meta: null and pagination', async () => {
    const a = await uv.user({ email: email('list'), name: 'List A' });
    const b = await uv.user({ email: email('list'), name: 'List B' });
    await uv.user({ email: email('list'), name: 'List C' });
    const reply = await uv.get(`/users?email_address=${encodeURIComponent(a.email_address.toUpperCase())},${encodeURIComponent(b.email_address)}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      users: [userRecord(b.id, b.created_at, { name: 'List B', email: b.email_address }), userRecord(a.id, a.created_at, { name: 'List A', email: a.email_address })],
      links: USER_LINKS,
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 2 },
    });
  });
});

describe('POST /admin/users/find_or_create', () => {
  it('creates once and returns the same user for the same email in any letter case', async () => {
    const tag = `${Date.now().toString(36)}${++counter}`;
    const created = await uv.post('/users/find_or_create', { email: `Mixed.Case.${tag}@Example.COM`, name: 'Mixed Case' });
    const user = only(created);
    const address = `mixed.case.${tag}@example.com`;
    expect(created.body).toEqual({ users: [userRecord(user.id, user.created_at, { name: 'Mixed Case', email: address })], links: USER_LINKS });

    for (const again of [`mixed.case.${tag}@example.com`, `MIXED.CASE.${tag.toUpperCase()}@EXAMPLE.COM`, `  Mixed.Case.${tag}@example.com `]) {
      const reply = await uv.post('/users/find_or_create', { email: again, name: 'Someone Else' });
      expect(only(reply).id, again).toBe(user.id);
      expect(reply.body.users[0].email_address).toBe(address);
    }
    const form = await uv.post('/users/find_or_create', undefined, { form: `email=${encodeURIComponent(`MIXED.case.${tag}@example.com`)}&name=Form` });
    expect(only(form).id).toBe(user.id);
    const semi = await uv.post('/users/find_or_create', undefined, { form: `email=${encodeURIComponent(address)};name=Semi;` });
    expect(only(semi).id).toBe(user.id);
    const wrapped = await uv.post('/users/find_or_create', { user: { email: address.toUpperCase() } });
    expect(only(wrapped).id).toBe(user.id);

    const list = await uv.get(`/users?email_address=${encodeURIComponent(address)}`);
    expect(list.body.users.map((u: any) => u.id)).toEqual([user.id]);
  });

  it('creates from form bodies (& and ;) and a wrapped JSON body', async () => {
    const ampAddress = email('amp');
    const amp = await uv.post('/users/find_or_create', undefined, { form: `email=${encodeURIComponent(ampAddress)}&name=Amp+User` });
    const ampUser = only(amp);
    expect(amp.body).toEqual({ users: [userRecord(ampUser.id, ampUser.created_at, { name: 'Amp User', email: ampAddress })], links: USER_LINKS });

    const semiAddress = email('semi');
    const semi = await uv.post('/users/find_or_create', undefined, { form: `email=${encodeURIComponent(semiAddress)};name=Semi%20User;` });
    const semiUser = only(semi);
    expect(semi.body).toEqual({ users: [userRecord(semiUser.id, semiUser.created_at, { name: 'Semi User', email: semiAddress })], links: USER_LINKS });

    const wrappedAddress = email('wrapped');
    const wrapped = await uv.post('/users/find_or_create', { user: { email: wrappedAddress } });
    const wrappedUser = only(wrapped);
    expect(wrapped.body).toEqual({ users: [userRecord(wrappedUser.id, wrappedUser.created_at, { name: null, email: wrappedAddress })], links: USER_LINKS });
  });

  it('ignores unknown and read-only fields', async () => {
    const address = email('readonly');
    const reply = await uv.post('/users/find_or_create', {
      email: address,
      name: 'Plain User',
      id: 999_999,
      email_address: 'other@example.com',
      is_admin: true,
      is_owner: true,
      allowed_state: 'blocked',
      state: 'deleted',
      supported_suggestions_count: 12,
      created_at: '2001-01-01T00:00:00Z',
      permissions: { billing: true },
      links: { teams: [1] },
      favourite_colour: 'green',
    });
    const user = only(reply);
    expect(user.id).not.toBe(999_999);
    expect(user.created_at).not.toBe('2001-01-01T00:00:00Z');
    expect(reply.body).toEqual({ users: [userRecord(user.id, user.created_at, { name: 'Plain User', email: address })], links: USER_LINKS });
  });

  it('422 for a missing, blank or invalid email', async () => {
    for (const json of [{}, { name: 'No Email' }, { email: '' }, { email: '   ' }, { email: null }]) {
      const reply = await uv.post('/users/find_or_create', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors: { email: ["can't be blank"] } });
    }
    for (const bad of ['not-an-email', 'a@b', 'a b@example.com', '@example.com', 'user@', 'two@@example.com']) {
      const reply = await uv.post('/users/find_or_create', { email: bad });
      expect(reply.status, bad).toBe(422);
      expect(reply.body, bad).toEqual({ errors: { email: ['is invalid'] } });
    }
    const form = await uv.post('/users/find_or_create', undefined, { form: 'email=nope;name=x' });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { email: ['is invalid'] } });
    const blankForm = await uv.post('/users/find_or_create', undefined, { form: 'email=&name=x' });
    expect(blankForm.status).toBe(422);
    expect(blankForm.body).toEqual({ errors: { email: ["can't be blank"] } });
  });

  it('422 for a name longer than 255 characters', async () => {
    const reply = await uv.post('/users/find_or_create', { email: email('long'), name: 'n'.repeat(256) });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { name: ['is too long (maximum is 255 characters)'] } });
  });

  it('concurrent calls for one new email create one user', async () => {
    const address = email('race');
    const replies = await Promise.all(Array.from({ length: 5 }, () => uv.post('/users/find_or_create', { email: address })));
    const ids = replies.map((reply) => only(reply).id);
    expect(new Set(ids).size).toBe(1);
    const list = await uv.get(`/users?email_address=${encodeURIComponent(address)}`);
    expect(list.body.pagination.total_records).toBe(1);
  });
});

describe('PUT /admin/users/{id}/block and /unblock', () => {
  it('blocks and unblocks', async () => {
    const address = email('block');
    const user = await uv.user({ email: address, name: 'Blockable' });

    const blocked = await uv.put(`/users/${user.id}/block`);
    only(blocked);
    expect(blocked.body).toEqual({
      users: [userRecord(user.id, user.created_at, { name: 'Blockable', email: address, allowed_state: 'blocked' })],
      links: USER_LINKS,
    });
    expect((await uv.get(`/users/${user.id}`)).body.users[0].allowed_state).toBe('blocked');
    const list = await uv.get(`/users?allowed_state=blocked&email_address=${encodeURIComponent(address)}`);
    expect(list.body.users.map((u: any) => u.id)).toEqual([user.id]);

    const twice = await uv.put(`/users/${user.id}/block`);
    expect(only(twice).allowed_state).toBe('blocked');

    const unblocked = await uv.put(`/users/${user.id}/unblock`);
    only(unblocked);
    expect(unblocked.body).toEqual({ users: [userRecord(user.id, user.created_at, { name: 'Blockable', email: address })], links: USER_LINKS });
    expect((await uv.get(`/users/${user.id}`)).body.users[0].allowed_state).toBe('allowed');
    const none = await uv.get(`/users?allowed_state=blocked&email_address=${encodeURIComponent(address)}`);
    expect(none.body.users).toEqual([]);
  });

  it('ignores a body (read-only fields included)', async () => {
    const user = await uv.user({ email: email('body'), name: 'Body' });
    const reply = await uv.put(`/users/${user.id}/block`, { allowed_state: 'allowed', name: 'Changed', is_admin: true });
    const record = only(reply);
    expect(record).toEqual(userRecord(user.id, user.created_at, { name: 'Body', email: user.email_address, allowed_state: 'blocked' }));
  });

  it('404 record_not_found for an unknown or non-numeric id', async () => {
    for (const action of ['block', 'unblock']) {
      for (const id of ['999999', 'abc', '1,2']) {
        const reply = await uv.put(`/users/${id}/${action}`);
        expect(reply.status, `${action} ${id}`).toBe(404);
        expect(reply.body, `${action} ${id}`).toEqual(NOT_FOUND);
      }
    }
  });
});

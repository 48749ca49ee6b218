import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS, request } from '../helpers/http.ts';
import { NOT_FOUND, USER_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  token = await app.token();
  a = await api(app, token);
});
afterAll(() => app?.close());

let seq = 0;
const xid = (prefix = 'eu') => `${prefix}-${Date.now().toString(36)}-${++seq}`;
const email = () => `${xid('mail')}@example.com`;

const form = (path: string, body: string, method = 'POST') => request(app.url, method, `/api/v2/admin${path}`, { token, form: body });

const EXTERNAL_USER_LINKS = {
  'external_users.user': { type: 'users' },
  'external_users.external_account': { type: 'external_accounts' },
};

function externalUserRecord(id: number, externalId: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    external_id: externalId,
    email: null,
    name: null,
    ip: null,
    type: null,
    external_created_at: null,
    last_seen_at: null,
    seen_days: 0,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { user: expect.any(Number), external_account: null },
    ...fields,
  };
}

async function importUsers(users: unknown[], includes?: string): Promise<any> {
  const reply = await a.post('/external_users/import', { users, ...(includes ? { includes } : {}) });
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

describe('POST /admin/external_users/import', () => {
  it('links each to the local user with that email (creating one if needed) and upserts the embedded account', async () => {
    const known = await a.user({ name: 'Known Person' });
    const [x, y, acct] = [xid(), xid(), xid('acct')];
    const newEmail = email();
    const body = await importUsers(
      [
        {
          external_id: x,
          email: known.email_address.toUpperCase(),
          name: 'Known in CRM',
          ip: '203.0.113.7',
          type: 'owner',
          external_created_at: '2022-01-02T03:04:05.000Z',
          account: { external_id: acct, name: 'Acme', plan: 'Pro', mrr_cents: 9900, ltv_cents: 118_800, external_created_at: '2021-06-01T00:00:00+00:00' },
        },
        { external_id: y, email: newEmail, name: 'Brand New', account: { external_id: acct } },
      ],
      'users,external_accounts',
    );
    const [first, second] = body.external_users;
    const account = body.external_accounts[0];
    expect(body).toEqual({
      external_users: [
        externalUserRecord(first.id, x, {
          email: known.email_address,
          name: 'Known in CRM',
          ip: '203.0.113.7',
          type: 'owner',
          external_created_at: '2022-01-02T03:04:05Z',
          links: { user: known.id, external_account: account.id },
        }),
        externalUserRecord(second.id, y, { email: newEmail, name: 'Brand New', links: { user: expect.any(Number), external_account: account.id } }),
      ],
      users: expect.any(Array),
      external_accounts: [
        expect.objectContaining({ id: account.id, external_id: acct, name: 'Acme', plan: 'Pro', mrr: 99, ltv_cents: 118_800, external_created_at: '2021-06-01T00:00:00Z', users_count: 2 }),
      ],
      links: { ...EXTERNAL_USER_LINKS, ...USER_LINKS },
    });
    // The new local user got the imported name; the known one kept theirs. Both now link back.
    const created = body.users.find((u: any) => u.id === second.links.user);
    expect(created).toMatchObject({ email_address: newEmail, name: 'Brand New', links: { external_users: [second.id], crm_account: account.id } });
    expect(body.users.find((u: any) => u.id === known.id)).toMatchObject({ name: 'Known Person', links: { external_users: [first.id], crm_account: account.id } });
  });

  it('takes form bodies (users[0].account.external_id=…), and user_id over email', async () => {
    const [person, other] = [await a.user(), await a.user()];
    const [x, acct] = [xid(), xid('acct')];
    const reply = await form(
      '/external_users/import',
      `users[0].external_id=${x}&users[0].email=${encodeURIComponent(other.email_address)}&users[0].user_id=${person.id}&users[0].account.external_id=${acct}&users[0].account.plan=Basic&includes=external_accounts`,
    );
    expect(reply.status, reply.text).toBe(200);
    const [eu] = reply.body.external_users;
    expect(eu).toEqual(externalUserRecord(eu.id, x, { email: other.email_address, links: { user: person.id, external_account: reply.body.external_accounts[0].id } }));
    expect(reply.body.external_accounts[0]).toMatchObject({ external_id: acct, plan: 'Basic' });
  });

  it('upserts by external_id: fields given change, the account and user links move, users’ links follow', async () => {
    const [ann, bob] = [await a.user(), await a.user()];
    const [x, acme, globex] = [xid(), xid('acct'), xid('acct')];
    const [first] = (await importUsers([{ external_id: x, email: ann.email_address, name: 'Ann', ip: '10.0.0.1', account: { external_id: acme } }])).external_users;
    const acmeId = first.links.external_account;
    expect((await a.one('users', ann.id)).links).toMatchObject({ external_users: [first.id], crm_account: acmeId });

    const before = new Date().toISOString();
    const [moved] = (await importUsers([{ external_id: x, email: bob.email_address, ip: '', account: { external_id: globex } }])).external_users;
    expect(moved.id).toBe(first.id);
    expect(moved).toEqual(externalUserRecord(first.id, x, { email: bob.email_address, name: 'Ann', ip: null, links: { user: bob.id, external_account: expect.any(Number) } }));
    expect(moved.links.external_account).not.toBe(acmeId);
    expect((await a.one('users', ann.id)).links).toMatchObject({ external_users: [], crm_account: null });
    expect((await a.one('users', bob.id)).links).toMatchObject({ external_users: [first.id], crm_account: moved.links.external_account });
    // Both users changed (their links did), so an incremental sync picks them up.
    const changed = await a.get(`/users?updated_after=${before}&email_address=${ann.email_address},${bob.email_address}`);
    expect(changed.body.users.map((u: any) => u.id).sort()).toEqual([ann.id, bob.id].sort());
    expect(await a.one('external_accounts', acmeId)).toMatchObject({ users_count: 0 });

    // Without `account`, the link stays.
    const [kept] = (await importUsers([{ external_id: x, email: bob.email_address, name: 'Bob' }])).external_users;
    expect(kept).toMatchObject({ name: 'Bob', links: { external_account: moved.links.external_account } });
  });

  it('is all or nothing: bad items are a 422 naming their index, and nothing is written', async () => {
    const good = xid();
    const reply = await a.post('/external_users/import', {
      users: [
        { external_id: good, email: email(), account: { external_id: xid('acct') } },
        { external_id: xid(), email: 'not-an-email' },
        { email: email(), external_created_at: 'yesterday', account: { name: 'no id' } },
        { external_id: xid(), email: email(), user_id: 99_999_999 },
      ],
    });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({
      errors: {
        'users[1].email': ['is invalid'],
        'users[2].external_id': ["can't be blank"],
        'users[2].external_created_at': ['is invalid'],
        'users[2].account.external_id': ["can't be blank"],
      },
    });
    const missingUser = await a.post('/external_users/import', {
      users: [{ external_id: good, email: email(), account: { external_id: xid('acct') } }, { external_id: xid(), email: email(), user_id: 99_999_999 }],
    });
    expect(missingUser.status).toBe(422);
    expect(missingUser.body).toEqual({ errors: { 'users[1].user_id': ['does not exist'] } });
    expect((await a.get(`/external_users?external_id=${good}`)).body.external_users).toEqual([]);
    expect((await a.post('/external_users/import', { users: [] })).body).toEqual({ errors: { users: ["can't be blank"] } });
  });
});

describe('POST /admin/bulk_identify', () => {
  it('creates or renames the user by email, upserts the external user (seen now) and its account; answers the users', async () => {
    const known = await a.user({ name: 'Old Name' });
    const [x, y, acct] = [xid(), xid(), xid('acct')];
    const newEmail = email();
    const reply = await a.post('/bulk_identify', {
      identities: [
        { id: x, email: known.email_address, name: 'New Name', created_at: 1_600_000_000, type: 'admin', account: { id: acct, name: 'Acme', created_at: 1_500_000_000, monthly_rate: 49.99, ltv: 600, plan: 'Team' } },
        { id: y, email: newEmail, account: { id: acct } },
        { email: email(), name: 'No external id' },
      ],
      includes: 'external_users,external_accounts',
    });
    expect(reply.status, reply.text).toBe(200);
    const [u1, u2, u3] = reply.body.users;
    expect(u1).toMatchObject({ id: known.id, name: 'New Name', email_address: known.email_address });
    expect(u2).toMatchObject({ email_address: newEmail, name: null });
    expect(u3).toMatchObject({ name: 'No external id', links: { external_users: [], crm_account: null } });
    const account = reply.body.external_accounts[0];
    expect(account).toMatchObject({ external_id: acct, name: 'Acme', plan: 'Team', mrr: 49.99, mrr_cents: 4999, ltv_cents: 60_000, external_created_at: '2017-07-14T02:40:00Z', users_count: 2 });
    expect(u1.links).toMatchObject({ crm_account: account.id });
    const byExternal = new Map(reply.body.external_users.map((e: any) => [e.external_id, e]));
    expect(byExternal.get(x)).toEqual(
      externalUserRecord(u1.links.external_users[0], x, {
        email: known.email_address,
        name: 'New Name',
        type: 'admin',
        external_created_at: '2020-09-13T12:26:40Z',
        last_seen_at: expect.stringMatching(ISO_SECONDS),
        seen_days: 1,
        links: { user: known.id, external_account: account.id },
      }),
    );
    // Seen again the same day: still one day.
    await a.post('/bulk_identify', { identities: [{ id: x, email: known.email_address }] });
    expect(await a.one('external_users', u1.links.external_users[0])).toMatchObject({ seen_days: 1, name: 'New Name' });
  });

  it('takes form bodies (identities[0].account.monthly_rate=…)', async () => {
    const [x, acct, mail] = [xid(), xid('acct'), email()];
    const reply = await form(
      '/bulk_identify',
      `identities[0].id=${x}&identities[0].email=${encodeURIComponent(mail)}&identities[0].created_at=1600000000&identities[0].account.id=${acct}&identities[0].account.monthly_rate=10.5&includes=crm_accounts`,
    );
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.users[0]).toMatchObject({ email_address: mail });
    expect(reply.body.crm_accounts).toEqual([expect.objectContaining({ id: reply.body.users[0].links.crm_account, external_id: acct, mrr_cents: 1050 })]);
  });

  it('validates: 1 to 1,000 identities, email required, an account needs its id and the identity’s', async () => {
    let reply = await a.post('/bulk_identify', { identities: [] });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { identities: ["can't be blank"] } });
    reply = await a.post('/bulk_identify', { identities: Array.from({ length: 1001 }, () => ({ email: 'x@example.com' })) });
    expect(reply.body).toEqual({ errors: { identities: ['is too long (maximum is 1000 items)'] } });
    reply = await a.post('/bulk_identify', {
      identities: [{ id: xid(), name: 'No email' }, { email: email(), account: { id: xid('acct') } }, { id: xid(), email: email(), created_at: 'soon', account: { name: 'x', monthly_rate: 'lots' } }],
    });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({
      errors: {
        'identities[0].email': ["can't be blank"],
        'identities[1].id': ["can't be blank"],
        'identities[2].created_at': ['is not a number'],
        'identities[2].account.id': ["can't be blank"],
        'identities[2].account.monthly_rate': ['is not a number'],
      },
    });
  });
});

describe('GET /admin/external_users', () => {
  it('gets one or several by id, with includes; 404 if any is missing', async () => {
    const user = await a.user();
    const { external_users: [one, two] } = await importUsers([
      { external_id: xid(), email: user.email_address },
      { external_id: xid(), email: email(), account: { external_id: xid('acct') } },
    ]);
    const reply = await a.get(`/external_users/${two.id},${one.id}?includes=users,external_accounts`);
    expect(reply.status).toBe(200);
    expect(reply.body.external_users).toEqual([two, one]);
    expect(reply.body.users.map((u: any) => u.id).sort()).toEqual([one.links.user, two.links.user].sort());
    expect(reply.body.external_accounts.map((x: any) => x.id)).toEqual([two.links.external_account]);
    expect((await a.get(`/external_users/${one.id},99999999`)).body).toEqual(NOT_FOUND);
    expect((await a.get(`/external_users/99999999`)).status).toBe(404);
  });

  it('filters by external_id, user, external_account and q (name, email or external id)', async () => {
    const tag = xid('flt');
    const [ann, bob] = [await a.user(), await a.user()];
    const { external_users: [e1, e2, e3] } = await importUsers([
      { external_id: `${tag}-1`, email: ann.email_address, name: `Zed ${tag}`, account: { external_id: `${tag}-acct` } },
      { external_id: `${tag}-2`, email: bob.email_address },
      { external_id: `${tag}-3`, email: ann.email_address },
    ]);
    const ids = async (query: string) => ((await a.get(`/external_users?${query}`)).body.external_users as any[]).map((x) => x.id).sort((p, q) => p - q);
    expect(await ids(`external_id=${tag}-1,${tag}-3`)).toEqual([e1.id, e3.id]);
    expect(await ids(`user=${ann.id}`)).toEqual([e1.id, e3.id]);
    expect(await ids(`user=${bob.id}&user=${ann.id}`)).toEqual([e1.id, e2.id, e3.id]);
    expect(await ids(`external_account=${e1.links.external_account}`)).toEqual([e1.id]);
    expect(await ids(`q=zed%20${tag}`)).toEqual([e1.id]);
    expect(await ids(`q=${encodeURIComponent(bob.email_address.slice(0, 8))}`)).toEqual([e2.id]);
    expect(await ids(`q=${tag}-`)).toEqual([e1.id, e2.id, e3.id]);
    // Users filtered by account (the users list's `external_account` filter).
    expect(((await a.get(`/users?external_account=${e1.links.external_account}`)).body.users as any[]).map((u) => u.id)).toEqual([ann.id]);
    expect((await a.get('/external_users?user=me')).status).toBe(400);
  });

  it('walks every record once with cursors (default -id), and windows by updated_after', async () => {
    const tag = xid('walk');
    const before = new Date(Date.now() - 1000).toISOString();
    const { external_users: created } = await importUsers(Array.from({ length: 5 }, (_, i) => ({ external_id: `${tag}-${i}`, email: email() })));
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const reply = await a.get(`/external_users?q=${tag}&per_page=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.body.pagination).toMatchObject({ per_page: 2, total_pages: 3, total_records: 5 });
      seen.push(...reply.body.external_users.map((x: any) => x.id));
      cursor = reply.body.pagination.cursor;
    } while (cursor);
    expect(seen).toEqual(created.map((x: any) => x.id).reverse());
    expect((await a.get(`/external_users?q=${tag}&updated_after=${before}`)).body.pagination.total_records).toBe(5);
    expect((await a.get(`/external_users?q=${tag}&updated_after=${new Date(Date.now() + 1000).toISOString()}`)).body.pagination.total_records).toBe(0);
  });

  it('runs as many SQL statements for 1, 10 or 100 records, with includes', async () => {
    const tag = xid('sql');
    const people = await Promise.all(Array.from({ length: 10 }, () => a.user()));
    await importUsers(
      Array.from({ length: 100 }, (_, i) => ({ external_id: `${tag}-${i}`, email: people[i % 10]!.email_address, account: { external_id: `${tag}-acct-${i % 7}` } })),
    );
    const counts: number[] = [];
    for (const perPage of [1, 10, 100]) {
      app.sql.length = 0;
      const reply = await a.get(`/external_users?q=${tag}&per_page=${perPage}&includes=users,external_accounts`);
      expect(reply.body.external_users).toHaveLength(perPage);
      counts.push(app.sql.length);
    }
    // Page with its count (resources/render.ts), users, external accounts (computed in JS:
    // a statement of its own).
    expect(counts).toEqual([3, 3, 3]);

    const userCounts: number[] = [];
    const accounts = [];
    for (const i of [0, 1]) accounts.push((await a.get(`/external_accounts?external_id=${tag}-acct-${i}`)).body.external_accounts[0].id);
    for (const perPage of [1, 10]) {
      app.sql.length = 0;
      const reply = await a.get(`/users?external_account=${accounts.join(',')}&per_page=${perPage}&includes=external_users,crm_accounts`);
      expect(reply.body.users.length).toBeGreaterThanOrEqual(perPage === 1 ? 1 : 2);
      expect(reply.body.crm_accounts.length).toBeGreaterThan(0);
      userCounts.push(app.sql.length);
    }
    // Page, count, external users, crm accounts.
    expect(userCounts[0]).toBe(userCounts[1]);
  });
});

describe('DELETE /admin/external_users/bulk_delete(_by_external_id)', () => {
  it('deletes by ids or external ids and answers them as they were; users lose the link', async () => {
    const user = await a.user();
    const { external_users: [one, two, three] } = await importUsers([
      { external_id: xid(), email: user.email_address, account: { external_id: xid('acct') } },
      { external_id: xid(), email: email() },
      { external_id: xid(), email: email() },
    ]);
    let reply = await form('/external_users/bulk_delete', `ids=${one.id},${two.id}`, 'DELETE');
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toEqual({ external_users: [{ ...one, updated_at: expect.any(String) }, { ...two, updated_at: expect.any(String) }], links: EXTERNAL_USER_LINKS });
    expect((await a.one('users', user.id)).links).toMatchObject({ external_users: [], crm_account: null });
    expect(await a.one('external_accounts', one.links.external_account)).toMatchObject({ users_count: 0 });

    reply = await a.delete('/external_users/bulk_delete_by_external_id', { json: { external_ids: [three.external_id, 'nope'] } });
    expect(reply.status).toBe(404);
    reply = await a.delete('/external_users/bulk_delete_by_external_id', { json: { external_ids: [three.external_id] } });
    expect(reply.status).toBe(200);
    expect(reply.body.external_users.map((x: any) => x.id)).toEqual([three.id]);
    expect((await a.get(`/external_users/${three.id}`)).status).toBe(404);
    reply = await a.delete('/external_users/bulk_delete', { json: { ids: Array.from({ length: 1001 }, (_, i) => i + 1) } });
    expect(reply.body).toEqual({ errors: { ids: ['is too long (maximum is 1000 items)'] } });
  });
});

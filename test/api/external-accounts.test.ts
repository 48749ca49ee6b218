import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS, request } from '../helpers/http.ts';
import { NOT_FOUND } from '../helpers/wire.ts';

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
/** An external id no other test uses. */
const xid = (prefix = 'acct') => `${prefix}-${Date.now().toString(36)}-${++seq}`;

const form = (path: string, body: string, method = 'POST') => request(app.url, method, `/api/v2/admin${path}`, { token, form: body });

function accountRecord(id: number, externalId: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    external_id: externalId,
    name: null,
    plan: null,
    mrr: null,
    mrr_cents: null,
    ltv: null,
    ltv_cents: null,
    revenue: null,
    nps: null,
    users_count: 0,
    requests_count: 0,
    supported_ideas_count: 0,
    is_blocker: null,
    external_created_at: null,
    last_active_at: expect.stringMatching(ISO_SECONDS),
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: {},
    ...fields,
  };
}

async function importAccounts(accounts: unknown[]): Promise<any[]> {
  const reply = await a.post('/external_accounts/import', { accounts });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.external_accounts;
}

async function importUsers(users: unknown[]): Promise<any[]> {
  const reply = await a.post('/external_users/import', { users });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.external_users;
}

const support = (suggestionId: number, userId: number) => a.onSuggestion('feedback', suggestionId, { body: 'Yes please', links: { user: userId } });

describe('POST /admin/external_accounts/import', () => {
  it('creates accounts from JSON and answers them in the envelope, in request order', async () => {
    const [x, y] = [xid(), xid()];
    const reply = await a.post('/external_accounts/import', {
      accounts: [
        { external_id: x, name: 'Acme Corp', plan: 'Enterprise', mrr_cents: 199_900, ltv_cents: 4_797_600, external_created_at: '2023-04-05T06:07:08Z' },
        { external_id: y },
      ],
    });
    expect(reply.status, reply.text).toBe(200);
    const [first, second] = reply.body.external_accounts;
    expect(reply.body).toEqual({
      external_accounts: [
        accountRecord(first.id, x, {
          name: 'Acme Corp',
          plan: 'Enterprise',
          mrr: 1999,
          mrr_cents: 199_900,
          ltv: 47_976,
          ltv_cents: 4_797_600,
          revenue: 47_976,
          external_created_at: '2023-04-05T06:07:08Z',
        }),
        accountRecord(second.id, y),
      ],
      links: {},
    });
    expect(second.id).toBeGreaterThan(first.id);
  });

  it('takes form bodies with indexed keys, and upserts by external_id: only the fields given change', async () => {
    const x = xid();
    let reply = await form('/external_accounts/import', `accounts[0].external_id=${x}&accounts[0].name=Globex&accounts[0].plan=Basic&accounts[0].mrr_cents=5000`);
    expect(reply.status, reply.text).toBe(200);
    const id = reply.body.external_accounts[0].id;
    expect(reply.body.external_accounts).toEqual([accountRecord(id, x, { name: 'Globex', plan: 'Basic', mrr: 50, mrr_cents: 5000 })]);

    // The 2018 SDK also sends dollars (`mrr`, `ltv`); `;` separates pairs as in UserVoice's examples.
    reply = await form('/external_accounts/import', `accounts[0].external_id=${x};accounts[0].ltv=123.45;accounts[0].plan=`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.external_accounts).toEqual([
      accountRecord(id, x, { name: 'Globex', plan: null, mrr: 50, mrr_cents: 5000, ltv: 123.45, ltv_cents: 12_345, revenue: 123.45 }),
    ]);
    expect((await a.get(`/external_accounts?external_id=${x}`)).body.pagination.total_records).toBe(1);
  });

  it('merges repeated external ids within one batch (later fields win)', async () => {
    const x = xid();
    const [one, two] = await importAccounts([
      { external_id: x, name: 'First', plan: 'Pro' },
      { external_id: x, name: 'Second' },
    ]);
    expect(one).toEqual(accountRecord(one.id, x, { name: 'Second', plan: 'Pro' }));
    expect(two).toBeUndefined();
  });

  it('is all or nothing: a bad item is a 422 naming its index, and nothing is written', async () => {
    const good = xid();
    const reply = await a.post('/external_accounts/import', {
      accounts: [{ external_id: good, name: 'Fine' }, { name: 'No id' }, { external_id: xid(), mrr_cents: 'lots', ltv_cents: 1.5 }, 'junk'],
    });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({
      errors: {
        'accounts[1].external_id': ["can't be blank"],
        'accounts[2].mrr_cents': ['is not a number'],
        'accounts[2].ltv_cents': ['must be a whole number of cents'],
        'accounts[3]': ['is invalid'],
      },
    });
    expect((await a.get(`/external_accounts?external_id=${good}`)).body.external_accounts).toEqual([]);
  });

  it('takes 1 to 1,000 accounts', async () => {
    expect((await a.post('/external_accounts/import', {})).body).toEqual({ errors: { accounts: ["can't be blank"] } });
    expect((await a.post('/external_accounts/import', { accounts: [] })).body).toEqual({ errors: { accounts: ["can't be blank"] } });
    expect((await a.post('/external_accounts/import', { accounts: 'acme' })).body).toEqual({ errors: { accounts: ['is invalid'] } });
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ external_id: `bulk-${i}` }));
    const reply = await a.post('/external_accounts/import', { accounts: tooMany });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { accounts: ['is too long (maximum is 1000 items)'] } });

    const prefix = xid('many');
    const accepted = await a.post('/external_accounts/import', { accounts: tooMany.slice(1).map((_, i) => ({ external_id: `${prefix}-${i}`, mrr_cents: i })) });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body.external_accounts).toHaveLength(1000);
    expect(accepted.body.external_accounts[999]).toMatchObject({ external_id: `${prefix}-999`, mrr_cents: 999 });
  });

  it('takes 1,000 accounts form-encoded too (past the form parser’s default limits)', async () => {
    const prefix = xid('form');
    const body = Array.from({ length: 1000 }, (_, i) => `accounts[${i}].external_id=${prefix}-${i}&accounts[${i}].name=Form+${i}&accounts[${i}].mrr_cents=${i}`).join('&');
    const reply = await form('/external_accounts/import', body);
    expect(reply.status, reply.text.slice(0, 300)).toBe(200);
    expect(reply.body.external_accounts).toHaveLength(1000);
    expect(reply.body.external_accounts[0]).toMatchObject({ external_id: `${prefix}-0`, name: 'Form 0', mrr_cents: 0 });
    expect(reply.body.external_accounts[999]).toMatchObject({ external_id: `${prefix}-999`, name: 'Form 999', mrr_cents: 999 });
  });
});

describe('GET /admin/external_accounts', () => {
  it('gets one or several by id; 404 if any is missing', async () => {
    const [one, two] = await importAccounts([{ external_id: xid(), name: 'One' }, { external_id: xid(), name: 'Two' }]);
    expect((await a.get(`/external_accounts/${one.id}`)).body).toEqual({ external_accounts: [one], links: {} });
    expect((await a.get(`/external_accounts/${two.id},${one.id}`)).body.external_accounts).toEqual([two, one]);
    const missing = await a.get(`/external_accounts/${one.id},99999999`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(NOT_FOUND);
    expect((await a.get('/external_accounts/abc')).status).toBe(404);
  });

  it('filters by external_id, name (any case), q (name or external id) and suggestion (its supporters’ accounts)', async () => {
    const tag = xid('flt');
    const [acme, globex, initech] = await importAccounts([
      { external_id: `${tag}-a`, name: `Acme ${tag}` },
      { external_id: `${tag}-g`, name: `Globex ${tag}` },
      { external_id: `${tag}-i`, name: `Initech ${tag}` },
    ]);
    const names = async (query: string) => ((await a.get(`/external_accounts?${query}`)).body.external_accounts as any[]).map((x) => x.name).sort();
    expect(await names(`external_id=${tag}-a,${tag}-i`)).toEqual([acme.name, initech.name]);
    expect(await names(`name=${encodeURIComponent(globex.name.toUpperCase())}`)).toEqual([globex.name]);
    expect(await names(`q=${tag}`)).toEqual([acme.name, globex.name, initech.name]);
    expect(await names(`q=${tag}-g`)).toEqual([globex.name]);
    expect(await names(`q=globex%20${tag}`)).toEqual([globex.name]);

    const { suggestion } = await a.forumWithSuggestion();
    const [ann, bob] = [await a.user(), await a.user()];
    await importUsers([
      { external_id: xid('u'), email: ann.email_address, account: { external_id: acme.external_id } },
      { external_id: xid('u'), email: bob.email_address, account: { external_id: initech.external_id } },
    ]);
    await support(suggestion.id, ann.id);
    expect(await names(`suggestion=${suggestion.id}`)).toEqual([acme.name]);
    await support(suggestion.id, bob.id);
    expect(await names(`suggestion=${suggestion.id}`)).toEqual([acme.name, initech.name]);
    expect(await names(`suggestion=${suggestion.id}&q=initech`)).toEqual([initech.name]);
    expect((await a.get('/external_accounts?suggestion=abc')).status).toBe(400);
  });

  it('counts the account’s users, their feedback and the ideas they support', async () => {
    const [account] = await importAccounts([{ external_id: xid(), name: 'Counted' }]);
    const { forum, suggestion } = await a.forumWithSuggestion();
    const other = await a.suggestion(forum.id);
    const [ann, bob] = [await a.user(), await a.user()];
    await importUsers([
      { external_id: xid('u'), email: ann.email_address, account: { external_id: account.external_id } },
      { external_id: xid('u'), email: bob.email_address, account: { external_id: account.external_id } },
    ]);
    await support(suggestion.id, ann.id);
    await support(suggestion.id, ann.id);
    await support(suggestion.id, bob.id);
    await support(other.id, bob.id);
    expect(await a.one('external_accounts', account.id)).toMatchObject({ users_count: 2, requests_count: 4, supported_ideas_count: 2 });
  });

  it('sorts by -last_active_at by default (UserVoice’s default for accounts), then id', async () => {
    const tag = xid('sort');
    const created = await importAccounts([{ external_id: `${tag}-1` }, { external_id: `${tag}-2` }, { external_id: `${tag}-3` }]);
    const ids = created.map((x) => x.id);
    // Identifying a user of the first account makes it the most recently active.
    await a.post('/bulk_identify', { identities: [{ id: xid('u'), email: `${tag}@example.com`, account: { id: `${tag}-1` } }] });
    const listed = async (query: string) => ((await a.get(`/external_accounts?q=${tag}${query}`)).body.external_accounts as any[]).map((x) => x.id);
    expect(await listed('')).toEqual([ids[0], ids[2], ids[1]]);
    expect(await listed('&sort=last_active_at')).toEqual([ids[1], ids[2], ids[0]]);
    expect(await listed('&sort=-id')).toEqual([ids[2], ids[1], ids[0]]);
    expect(await listed('&sort=created_at')).toEqual(ids);
    const bad = await a.get('/external_accounts?sort=mrr_cents_x');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.error).toBe('bad_request');
  });

  it('walks every account once with cursors, and windows by updated_after/updated_before', async () => {
    const tag = xid('walk');
    const before = new Date(Date.now() - 1000).toISOString();
    const created = await importAccounts(Array.from({ length: 7 }, (_, i) => ({ external_id: `${tag}-${i}` })));
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const reply = await a.get(`/external_accounts?q=${tag}&per_page=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.pagination).toMatchObject({ per_page: 3, total_pages: 3, total_records: 7, page: ++pages });
      seen.push(...reply.body.external_accounts.map((x: any) => x.id));
      cursor = reply.body.pagination.cursor;
    } while (cursor);
    expect(pages).toBe(3);
    expect([...seen].sort((x, y) => x - y)).toEqual(created.map((x) => x.id));

    const after = new Date(Date.now() + 1000).toISOString();
    expect((await a.get(`/external_accounts?q=${tag}&updated_after=${before}`)).body.pagination.total_records).toBe(7);
    expect((await a.get(`/external_accounts?q=${tag}&updated_after=${after}`)).body.pagination.total_records).toBe(0);
    expect((await a.get(`/external_accounts?q=${tag}&updated_before=${before}`)).body.pagination.total_records).toBe(0);
    expect((await a.get(`/external_accounts?q=${tag}&updated_before=${after}`)).body.pagination.total_records).toBe(7);
  });

  it('runs as many SQL statements for 1, 10 or 100 accounts', async () => {
    const tag = xid('sql');
    const accounts = await importAccounts(Array.from({ length: 100 }, (_, i) => ({ external_id: `${tag}-${i}`, mrr_cents: 100 })));
    const people = await Promise.all(Array.from({ length: 5 }, () => a.user()));
    await importUsers(people.map((p, i) => ({ external_id: xid('u'), email: p.email_address, account: { external_id: accounts[i * 10]!.external_id } })));
    const counts: number[] = [];
    for (const perPage of [1, 10, 100]) {
      app.sql.length = 0;
      const reply = await a.get(`/external_accounts?q=${tag}&per_page=${perPage}&sort=id`);
      expect(reply.body.external_accounts).toHaveLength(perPage);
      counts.push(app.sql.length);
    }
    // Page, count (the Bearer check's client is cached).
    expect(counts).toEqual([2, 2, 2]);
  });
});

describe('GET /admin/crm_accounts', () => {
  it('serves the same accounts under their own key, and as users’ links.crm_account side-load', async () => {
    const [account] = await importAccounts([{ external_id: xid('sfdc'), name: 'CRM Co', plan: 'Gold' }]);
    const crm = await a.get(`/crm_accounts/${account.id}`);
    expect(crm.status).toBe(200);
    expect(crm.body).toEqual({ crm_accounts: [{ ...account, last_active_at: expect.stringMatching(ISO_SECONDS), updated_at: expect.stringMatching(ISO_SECONDS) }], links: {} });
    expect((await a.get(`/crm_accounts?external_id=${account.external_id}`)).body.crm_accounts.map((x: any) => x.id)).toEqual([account.id]);

    const user = await a.user();
    await importUsers([{ external_id: xid('u'), email: user.email_address, account: { external_id: account.external_id } }]);
    // uservoice-to-aha: GET /users?includes=crm_accounts, then crm_accounts[links.crm_account].external_id.
    const reply = await a.get(`/users?email_address=${user.email_address}&includes=crm_accounts`);
    expect(reply.status).toBe(200);
    expect(reply.body.users[0].links.crm_account).toBe(account.id);
    expect(reply.body.crm_accounts).toEqual([expect.objectContaining({ id: account.id, external_id: account.external_id, users_count: 1 })]);
    expect(reply.body.links['users.crm_account']).toEqual({ type: 'crm_accounts' });
  });
});

describe('suggestions: supporting_accounts_count, supporter_mrr, supporter_revenue', () => {
  it('are 0 (numbers, never null) without accounts, and sum each supporting account once', async () => {
    const { forum, suggestion } = await a.forumWithSuggestion();
    expect(await a.one('suggestions', suggestion.id)).toMatchObject({ supporting_accounts_count: 0, supporter_mrr: 0, supporter_revenue: 0 });
    const [acme, globex] = await importAccounts([
      { external_id: xid(), mrr_cents: 10_050, ltv_cents: 120_000 },
      { external_id: xid(), mrr_cents: 2_000 },
    ]);
    const [ann, bob, cat, dan] = [await a.user(), await a.user(), await a.user(), await a.user()];
    await importUsers([
      { external_id: xid('u'), email: ann.email_address, account: { external_id: acme.external_id } },
      { external_id: xid('u'), email: bob.email_address, account: { external_id: acme.external_id } },
      { external_id: xid('u'), email: cat.email_address, account: { external_id: globex.external_id } },
    ]);
    await support(suggestion.id, ann.id);
    await support(suggestion.id, bob.id);
    await support(suggestion.id, dan.id); // no account
    expect(await a.one('suggestions', suggestion.id)).toMatchObject({ supporting_accounts_count: 1, supporter_mrr: 100.5, supporter_revenue: 1200 });
    await support(suggestion.id, cat.id);
    expect(await a.one('suggestions', suggestion.id)).toMatchObject({ supporting_accounts_count: 2, supporter_mrr: 120.5, supporter_revenue: 1200 });

    // An account's new MRR shows at once, and moves the suggestion's updated_at for incremental syncs.
    const before = new Date().toISOString();
    await importAccounts([{ external_id: globex.external_id, mrr_cents: 3_000 }]);
    expect(await a.one('suggestions', suggestion.id)).toMatchObject({ supporter_mrr: 130.5 });
    const changed = await a.get(`/suggestions?forum=${forum.id}&updated_after=${before}`);
    expect(changed.body.suggestions.map((s: any) => s.id)).toEqual([suggestion.id]);

    await a.delete('/external_accounts/bulk_delete', { json: { ids: [acme.id] } });
    expect(await a.one('suggestions', suggestion.id)).toMatchObject({ supporting_accounts_count: 1, supporter_mrr: 30, supporter_revenue: 0 });
  });

  it('keep the suggestions list at the same SQL statement count for 1, 10 or 100 suggestions', async () => {
    const forum = await a.forum();
    const [account] = await importAccounts([{ external_id: xid(), mrr_cents: 500 }]);
    const user = await a.user();
    await importUsers([{ external_id: xid('u'), email: user.email_address, account: { external_id: account.external_id } }]);
    for (let i = 0; i < 100; i++) {
      const s = await a.suggestion(forum.id);
      if (i % 10 === 0) await support(s.id, user.id);
    }
    const counts: number[] = [];
    for (const perPage of [1, 10, 100]) {
      app.sql.length = 0;
      const reply = await a.get(`/suggestions?forum=${forum.id}&per_page=${perPage}&sort=id`);
      expect(reply.body.suggestions).toHaveLength(perPage);
      expect(reply.body.suggestions[0]).toMatchObject({ supporting_accounts_count: 1, supporter_mrr: 5, supporter_revenue: 0 });
      counts.push(app.sql.length);
    }
    // The page with its count (resources/render.ts; the Bearer check caches its client).
    expect(counts).toEqual([1, 1, 1]);
  });
});

describe('DELETE /admin/external_accounts/bulk_delete(_by_external_id)', () => {
  it('deletes by ids (JSON array or comma form) and answers the accounts as they were; their users stay, unlinked', async () => {
    const [one, two, three] = await importAccounts([{ external_id: xid() }, { external_id: xid() }, { external_id: xid() }]);
    const user = await a.user();
    const [eu] = await importUsers([{ external_id: xid('u'), email: user.email_address, account: { external_id: one.external_id } }]);

    let reply = await a.delete('/external_accounts/bulk_delete', { json: { ids: [one.id, two.id] } });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toEqual({
      external_accounts: [
        { ...one, users_count: 1, last_active_at: expect.any(String), updated_at: expect.any(String) },
        { ...two, updated_at: expect.any(String) },
      ],
      links: {},
    });
    expect((await a.get(`/external_accounts/${one.id}`)).status).toBe(404);
    expect(await a.one('external_users', eu.id)).toMatchObject({ links: { user: user.id, external_account: null } });
    expect((await a.one('users', user.id)).links).toMatchObject({ external_users: [eu.id], crm_account: null });

    reply = await form('/external_accounts/bulk_delete', `ids=${three.id}`, 'DELETE');
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.external_accounts.map((x: any) => x.id)).toEqual([three.id]);
  });

  it('deletes by external ids; 404 (and nothing deleted) if one does not exist; 422 without ids', async () => {
    const [one, two] = await importAccounts([{ external_id: xid() }, { external_id: xid() }]);
    let reply = await a.delete('/external_accounts/bulk_delete_by_external_id', { json: { external_ids: [one.external_id, 'no-such-account'] } });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual(NOT_FOUND);
    expect((await a.get(`/external_accounts/${one.id}`)).status).toBe(200);

    reply = await form('/external_accounts/bulk_delete_by_external_id', `external_ids[0]=${one.external_id}&external_ids[1]=${two.external_id}`, 'DELETE');
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.external_accounts.map((x: any) => x.id)).toEqual([one.id, two.id]);
    expect((await a.get(`/external_accounts/${one.id},${two.id}`)).status).toBe(404);

    reply = await a.delete('/external_accounts/bulk_delete', { json: {} });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { ids: ["can't be blank"] } });
    reply = await a.delete('/external_accounts/bulk_delete', { json: { ids: ['x'] } });
    expect(reply.body).toEqual({ errors: { ids: ['is invalid'] } });
    reply = await a.delete('/external_accounts/bulk_delete', { json: { ids: [99999999] } });
    expect(reply.status).toBe(404);
  });
});

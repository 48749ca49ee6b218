import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { startReceiver, type Receiver } from '../helpers/hook-receiver.ts';
import { NOT_FOUND } from '../helpers/wire.ts';
import { signPayload, verifySignature } from '../../src/services/hook-signature.ts';
import { PRIVATE_TARGET } from '../../src/services/hook-targets.ts';
import { createClient } from '../../src/auth/clients.ts';
import type { DB } from '../../src/db/schema.ts';
import { request } from '../helpers/http.ts';

const SECRET = 'test-hook-secret-0123456789';
const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

let app: TestApp;
let a: Api;
let receiver: Receiver;
beforeAll(async () => {
  app = await startTestApp({ env: { HOOK_TIMEOUT_MS: '3000' } });
  a = await api(app);
  // Verifies at the server's (movable) clock: retries are signed when sent.
  receiver = await startReceiver(SECRET, () => Math.floor((app.clock.now ?? Date.now()) / 1000));
});
afterAll(async () => {
  await receiver?.close();
  await app?.close();
});
afterEach(async () => {
  app.clock.now = undefined;
  receiver.received.length = 0;
  receiver.answers.length = 0;
  // Each test owns its hooks: none left to take the next test's events.
  const hooks = (await a.get('/service_hooks?per_page=100')).body.service_hooks as Array<{ id: number }>;
  for (const hook of hooks) await a.delete(`/service_hooks/${hook.id}`);
});

// The demo data has no hooks, so test/api/contracts.test.ts cannot check these records: they are checked here.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const contract = (name: string) => ajv.compile(JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, `../contracts/${name}.json`), 'utf8')));
const EVENT_CONTRACT = contract('events');
const HOOK_CONTRACT = contract('service_hooks');
const LOG_CONTRACT = contract('service_hook_logs');
const tick = () => app.server.deliverer.tick();
const hook = async (fields: Record<string, unknown> = {}) => {
  const reply = await a.post('/service_hooks', { url: receiver.url, events: ['suggestion_created'], secret: SECRET, ...fields });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.service_hooks[0];
};
/** Where the feed ends now: the cursor to resume from. */
async function endCursor(): Promise<string> {
  let reply = await a.get('/events?per_page=100');
  while (reply.body.pagination.has_more) reply = await a.get(`/events?per_page=100&cursor=${reply.body.pagination.cursor}`);
  return reply.body.pagination.cursor;
}
const logsOf = async (hookId: number) => (await a.get(`/service_hook_logs?service_hook=${hookId}&per_page=100&sort=id`)).body.service_hook_logs;

describe('/admin/service_hooks', () => {
  it('creates, reads (secret masked), updates and deletes a hook; the whole secret only in the create answer', async () => {
    // Stamped by the injected clock: two minutes ahead of the real one at create, three at update.
    const at = (minutes: number) => Math.floor(Date.now() / 1000) * 1000 + minutes * 60_000;
    const wire = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const createdAt = at(2);
    app.clock.now = createdAt;
    const created = await a.post('/service_hooks', { url: 'https://hooks.example.com/uv', events: 'suggestion_created, comment_created', secret: SECRET });
    expect(created.status).toBe(200);
    const id = created.body.service_hooks[0].id;
    const record = (secret: string, fields: Record<string, unknown> = {}) => ({
      id,
      url: 'https://hooks.example.com/uv',
      events: ['suggestion_created', 'comment_created'],
      active: true,
      failing: false,
      failing_since: null,
      secret,
      created_at: wire(createdAt),
      updated_at: wire(createdAt),
      links: {},
      ...fields,
    });
    expect(created.body).toEqual({ service_hooks: [record(SECRET)], links: {} });
    expect(HOOK_CONTRACT(created.body.service_hooks[0]), JSON.stringify(HOOK_CONTRACT.errors)).toBe(true);
    expect((await a.get(`/service_hooks/${id}`)).body).toEqual({ service_hooks: [record('…6789')], links: {} });
    const list = await a.get('/service_hooks');
    expect(list.body).toEqual({ service_hooks: [record('…6789')], links: {}, list_meta: null, pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 1 } });
    const updatedAt = at(3);
    app.clock.now = updatedAt;
    const updated = await a.put(`/service_hooks/${id}`, { active: false, events: ['nps_rating_created'], url: 'http://hooks.example.com/v2' });
    const changed = { active: false, events: ['nps_rating_created'], url: 'http://hooks.example.com/v2', updated_at: wire(updatedAt) };
    expect(updated.body).toEqual({ service_hooks: [record('…6789', changed)], links: {} });
    expect((await a.get('/service_hooks?active=false')).body.service_hooks.map((h: any) => h.id)).toEqual([id]);
    const deleted = await a.delete(`/service_hooks/${id}`);
    expect(deleted.body).toEqual({ service_hooks: [record('…6789', changed)], links: {} });
    expect((await a.get(`/service_hooks/${id}`)).body).toEqual(NOT_FOUND);
    expect((await a.put(`/service_hooks/${id}`, { active: true })).body).toEqual(NOT_FOUND);
  });

  it('makes up a secret when none is given, shown once', async () => {
    const reply = await a.post('/service_hooks', { url: 'https://hooks.example.com/x', events: ['comment_created'] });
    const secret = reply.body.service_hooks[0].secret;
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect((await a.get(`/service_hooks/${reply.body.service_hooks[0].id}`)).body.service_hooks[0].secret).toBe(`…${secret.slice(-4)}`);
  });

  it('refuses non-http(s) URLs, URLs with credentials, unknown events and short secrets, naming each field', async () => {
    const bad = await a.post('/service_hooks', { url: 'file:///etc/passwd', events: ['suggestion_created', 'coffee_brewed'], secret: 'short' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      errors: {
        url: ['must be an http:// or https:// URL'],
        events: [expect.stringMatching(/^has unknown events: coffee_brewed \(known: suggestion_created, /)],
        secret: ['is too short (minimum is 16 characters)'],
      },
    });
    expect((await a.post('/service_hooks', { url: 'https://user:pw@hooks.example.com/', events: [] })).body).toEqual({
      errors: { url: ['must not contain credentials'], events: ["can't be blank"] },
    });
    expect((await a.post('/service_hooks', {})).body).toEqual({ errors: { url: ["can't be blank"], events: ["can't be blank"] } });
    expect((await a.post('/service_hooks', { url: `https://h.example.com/${'x'.repeat(2000)}`, events: ['note_created'] })).body).toEqual({
      errors: { url: ['is too long (maximum is 2000 characters)'] },
    });
    expect((await a.get('/service_hooks')).body.service_hooks).toEqual([]);
  });
});

describe('who may write hooks', () => {
  it('create, update and delete need the admin scope (403 forbidden for read,write); reads need read', async () => {
    const creds = await createClient(app.server.db.orm.em.fork(), 'no admin', app.config.ownerEmail, { scopes: ['read', 'write'] });
    const token = (await request(app.url, 'POST', '/api/v2/oauth/token', { form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}` })).body.access_token;
    const writer = await api(app, token);
    const existing = await hook();
    const forbidden = { status: 403, body: { errors: { error: 'forbidden', message: 'This API client lacks the admin scope' } } };
    const replies = [
      await writer.post('/service_hooks', { url: 'https://hooks.example.com/x', events: ['comment_created'] }),
      await writer.put(`/service_hooks/${existing.id}`, { url: 'https://attacker.example.com/' }),
      await writer.delete(`/service_hooks/${existing.id}`),
    ];
    expect(replies.map((r) => ({ status: r.status, body: r.body }))).toEqual([forbidden, forbidden, forbidden]);
    const read = await writer.get(`/service_hooks/${existing.id}`);
    expect({ status: read.status, url: read.body.service_hooks[0].url }).toEqual({ status: 200, url: receiver.url });
  });
});

describe('private addresses (HOOK_ALLOW_PRIVATE_URLS off, the default)', () => {
  let strict: TestApp;
  let s: Api;
  beforeAll(async () => {
    strict = await startTestApp({ env: { HOOK_ALLOW_PRIVATE_URLS: '0', HOOK_TIMEOUT_MS: '3000' } });
    s = await api(strict);
  });
  afterAll(() => strict?.close());

  it('refuses hook URLs whose host is, or resolves to, a private, loopback, link-local or metadata address (422 url)', async () => {
    const refused = { status: 422, body: { errors: { url: [PRIVATE_TARGET] } } };
    const urls = [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://0.0.0.0/',
      'http://2130706433/',
      'http://[::1]/',
      'http://[::]/',
      'http://[fe80::1]/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:a9fe:a9fe]/',
    ];
    for (const url of urls) {
      const reply = await s.post('/service_hooks', { url, events: ['suggestion_created'] });
      expect({ url, status: reply.status, body: reply.body }).toEqual({ url, ...refused });
    }
    const created = await s.post('/service_hooks', { url: 'https://93.184.215.14/hook', events: ['suggestion_created'] });
    expect(created.status, created.text).toBe(200);
    const moved = await s.put(`/service_hooks/${created.body.service_hooks[0].id}`, { url: 'http://[fc00::5]/' });
    expect({ status: moved.status, body: moved.body }).toEqual(refused);
    expect((await s.get('/service_hooks')).body.service_hooks.map((h: any) => h.url)).toEqual(['https://93.184.215.14/hook']);
    await s.delete(`/service_hooks/${created.body.service_hooks[0].id}`);
  });

  it('refuses to deliver to such an address when the hook got one anyway (a name now resolving to it, or an older row): logged, retried, never sent', async () => {
    const db = strict.server.db.orm.em.fork().getKysely<DB>();
    const port = new URL(receiver.url).port;
    const now = new Date();
    const rows = await db
      .insertInto('service_hooks')
      .values(
        [`http://localhost:${port}/by-name`, `http://127.0.0.1:${port}/by-address`].map((url) => ({
          url,
          events: sql<string[]>`'["suggestion_created"]'::jsonb`,
          secret: SECRET,
          active: true,
          created_at: now,
          updated_at: now,
        })),
      )
      .returning('id')
      .execute();
    await s.forumWithSuggestion();
    expect(await strict.server.deliverer.tick()).toBe(2);
    expect(receiver.received).toEqual([]);
    const refusal = `refused: the host ${PRIVATE_TARGET.replace('must not point', 'points')}`;
    for (const { id } of rows) {
      const logs = (await s.get(`/service_hook_logs?service_hook=${id}`)).body.service_hook_logs;
      expect(logs.map((l: any) => [l.attempt, l.http_status, l.exception])).toEqual([[1, null, refusal]]);
      await s.delete(`/service_hooks/${id}`);
    }
  });
});

describe('webhook deliveries', () => {
  it('delivers the events a hook subscribes to, signed (t=…,v1=…), once each, and logs every delivery', async () => {
    const h = await hook({ events: ['suggestion_created', 'comment_created', 'feedback_created', 'supporter_added', 'supporter_removed', 'nps_rating_created', 'suggestion_status_changed', 'suggestion_deleted', 'suggestion_merged', 'suggestion_updated'] });
    const { forum, suggestion } = await a.forumWithSuggestion();
    const user = await a.user();
    const comment = await a.onSuggestion('comments', suggestion.id, { body: 'Nice' });
    const feedback = await a.onSuggestion('feedback', suggestion.id, { body: 'Want it', sentiment: 'positive', links: { user: user.id } });
    const rating = (await a.post('/nps_ratings', { rating: 9, links: { user: user.id } })).body.nps_ratings[0];
    const status = await a.status({ name: 'planned' });
    await a.put(`/suggestions/${suggestion.id}`, { title: 'Renamed', links: { status: status.id } });
    const other = await a.suggestion(forum.id);
    expect((await a.post('/suggestions/bulk/merge', { include_ids: [other.id], action: { links: { to_suggestion: suggestion.id } } })).status).toBe(200);
    await a.delete(`/feedback/${feedback.id}`);
    await a.delete(`/suggestions/${suggestion.id}`);
    // Label changes are events too, but this hook does not take them.
    const label = await a.label();
    await a.post('/labels/attach', { links: { label: label.id, suggestion: other.id } });

    expect(await tick()).toBe(11);
    expect(await tick()).toBe(0);
    const got = receiver.received.sort((x, y) => x.eventId - y.eventId);
    expect(got.map((r) => [r.type, r.attempt, r.verified])).toEqual([
      ['suggestion_created', 1, true],
      ['comment_created', 1, true],
      ['feedback_created', 1, true],
      ['supporter_added', 1, true],
      ['nps_rating_created', 1, true],
      ['suggestion_updated', 1, true],
      ['suggestion_status_changed', 1, true],
      ['suggestion_created', 1, true],
      ['suggestion_merged', 1, true],
      ['supporter_removed', 1, true],
      ['suggestion_deleted', 1, true],
    ]);
    expect(got.map((r) => r.body)).toEqual(got.map((r) => ({ id: r.eventId, type: r.type, created_at: ISO, data: expect.any(Object) })));
    const byType = Object.fromEntries(got.map((r) => [r.type, r.body.data]));
    expect(byType.suggestion_created).toBeDefined();
    expect(got[0]!.body.data).toEqual({
      suggestion: suggestion.id,
      actor: expect.any(Number),
      changes: { title: { from: null, to: suggestion.title }, body: { from: null, to: null }, state: { from: null, to: 'approved' }, forum: { from: null, to: forum.id }, category: { from: null, to: null }, status: { from: null, to: null } },
    });
    expect(byType.comment_created).toEqual({ suggestion: suggestion.id, actor: expect.any(Number), comment: comment.id, changes: { body: { from: null, to: 'Nice' }, state: { from: null, to: 'approved' } } });
    expect(byType.feedback_created).toEqual({ suggestion: suggestion.id, actor: expect.any(Number), feedback: feedback.id, sentiment: 'positive', changes: { body: { from: null, to: 'Want it' } } });
    expect(byType.nps_rating_created).toEqual({ nps_rating: rating.id, user: user.id, rating: 9 });
    expect(byType.suggestion_status_changed).toEqual({ suggestion: suggestion.id, actor: expect.any(Number), changes: { status: { from: null, to: status.id } } });
    expect(byType.suggestion_merged).toEqual({ suggestion: other.id, actor: expect.any(Number), merged_from: other.id, merged_to: suggestion.id });
    expect(byType.suggestion_deleted).toEqual({ suggestion: suggestion.id, actor: expect.any(Number), changes: { state: { from: 'approved', to: 'deleted' } } });

    const logs = await logsOf(h.id);
    expect(logs).toHaveLength(got.length);
    for (const log of logs) expect(LOG_CONTRACT(log), JSON.stringify(LOG_CONTRACT.errors)).toBe(true);
    expect(logs.find((l: any) => l.event_id === got[0]!.eventId)).toEqual({
      id: expect.any(Number),
      url: receiver.url,
      event: 'suggestion_created',
      object_id: suggestion.id,
      http_status: 200,
      exception: null,
      event_id: got[0]!.eventId,
      attempt: 1,
      duration_ms: expect.any(Number),
      response_excerpt: 'ok',
      created_at: ISO,
      updated_at: ISO,
      links: { service_hook: h.id },
    });
  });
});

describe('webhook deliveries: failures', () => {
  it('a rolled-back write sends nothing: its event and outbox rows go with it', async () => {
    const h = await hook();
    const forum = await a.forum();
    // Fails the transaction at commit, after the event and its delivery were written in it.
    const db = app.server.db.orm.em.fork().getKysely();
    await sql`create function refuse_event() returns trigger language plpgsql as $$
      begin if new.data->'changes'->'title'->>'to' = 'Roll me back' then raise exception 'refused by the test'; end if; return null; end $$`.execute(db);
    await sql`create constraint trigger refuse_event after insert on events deferrable initially deferred for each row execute function refuse_event()`.execute(db);
    try {
      const cursor = await endCursor();
      const refused = await a.post('/suggestions', { title: 'Roll me back', links: { forum: forum.id } });
      expect(refused.status).toBe(500);
      const kept = await a.suggestion(forum.id, { title: 'Keep me' });
      expect(await tick()).toBe(1);
      expect(receiver.received.map((r) => r.body.data.changes.title.to)).toEqual(['Keep me']);
      expect((await logsOf(h.id)).map((l: any) => l.object_id)).toEqual([kept.id]);
      // The feed has the kept write only.
      const after = await a.get(`/events?cursor=${cursor}`);
      expect(after.body.events.map((e: any) => [e.type, e.data.suggestion])).toEqual([['suggestion_created', kept.id]]);
    } finally {
      await sql`drop trigger refuse_event on events`.execute(db);
      await sql`drop function refuse_event()`.execute(db);
    }
  });

  it('retries with exponential backoff, gives up after 24 hours and marks the hook failing; a later success clears it', async () => {
    const h = await hook();
    const forum = await a.forum();
    receiver.answers.push({ status: 500, body: 'boom' }, { status: 503, body: 'x'.repeat(5_000) });
    const first = await a.suggestion(forum.id);
    // The outbox row is due from its write (real time); the deliverer's clock is the test's from here.
    const start = Date.now();
    app.clock.now = start;
    expect(await tick()).toBe(1);
    // Not due again before 30 s, then 60 s after the second failure.
    app.clock.now = start + 29_000;
    expect(await tick()).toBe(0);
    app.clock.now = start + 31_000;
    expect(await tick()).toBe(1);
    app.clock.now = start + 31_000 + 59_000;
    expect(await tick()).toBe(0);
    app.clock.now = start + 31_000 + 61_000;
    expect(await tick()).toBe(1);
    expect(receiver.received.map((r) => [r.eventId, r.attempt, r.verified])).toEqual([1, 2, 3].map((n) => [receiver.received[0]!.eventId, n, true]));
    const logs = await logsOf(h.id);
    expect(logs.map((l: any) => [l.attempt, l.http_status, l.exception, l.object_id])).toEqual([
      [1, 500, 'HTTP 500', first.id],
      [2, 503, 'HTTP 503', first.id],
      [3, 200, null, first.id],
    ]);
    // The stored excerpt of the 5,000-character answer is cut at 1,000.
    expect(logs[1].response_excerpt).toBe('x'.repeat(1_000));

    // Failing for good: past 24 hours the delivery is given up and the hook marked failing.
    receiver.answers.push({ status: 502 }, { status: 502 });
    app.clock.now = undefined;
    await a.suggestion(forum.id);
    app.clock.now = Date.now();
    expect(await tick()).toBe(1);
    app.clock.now = Date.now() + 25 * 3600_000;
    expect(await tick()).toBe(1);
    expect(await tick()).toBe(0);
    const failing = (await a.get(`/service_hooks/${h.id}`)).body.service_hooks[0];
    expect([failing.failing, failing.failing_since]).toEqual([true, new Date(app.clock.now).toISOString().slice(0, 19) + 'Z']);
    // The next event that gets through clears it.
    await a.suggestion(forum.id);
    expect(await tick()).toBe(1);
    expect((await a.get(`/service_hooks/${h.id}`)).body.service_hooks[0]).toMatchObject({ failing: false, failing_since: null });
  });

  it('does not follow redirects, cuts requests at HOOK_TIMEOUT_MS, and records network errors', async () => {
    const h = await hook();
    const forum = await a.forum();
    receiver.answers.push({ status: 302, headers: { Location: 'http://169.254.169.254/latest/meta-data/' } }, 'hang');
    await a.suggestion(forum.id);
    await a.suggestion(forum.id);
    expect(await tick()).toBe(2);
    const logs = await logsOf(h.id);
    expect(logs.map((l: any) => [l.attempt, l.http_status, l.exception]).sort()).toEqual([
      [1, 302, 'HTTP 302'],
      [1, null, 'timeout or shutdown: no answer in time'],
    ].sort());
    // A port nobody listens on (any longer).
    const closed = await startReceiver(SECRET);
    await closed.close();
    const dead = await hook({ url: closed.url });
    await a.put(`/service_hooks/${h.id}`, { active: false });
    await a.suggestion(forum.id);
    expect(await tick()).toBe(1);
    expect((await logsOf(dead.id)).map((l: any) => [l.http_status, l.exception])).toEqual([[null, 'ECONNREFUSED']]);
  });

  it('an inactive hook gets no deliveries for changes made while it is paused', async () => {
    const h = await hook({ active: false });
    const forum = await a.forum();
    await a.suggestion(forum.id);
    await a.put(`/service_hooks/${h.id}`, { active: true });
    expect(await tick()).toBe(0);
    await a.suggestion(forum.id);
    expect(await tick()).toBe(1);
    expect(receiver.received).toHaveLength(1);
  });
});

describe('signatures', () => {
  it('verifySignature accepts the signature within the replay window only, and refuses a changed body or another key', () => {
    const body = '{"id":1}';
    const header = signPayload(SECRET, body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, header, body, 1_700_000_000 + 300)).toBe(true);
    expect(verifySignature(SECRET, header, body, 1_700_000_000 + 301)).toBe(false);
    expect(verifySignature(SECRET, header, '{"id":2}', 1_700_000_000)).toBe(false);
    expect(verifySignature('another-secret-0123456789', header, body, 1_700_000_000)).toBe(false);
    expect(verifySignature(SECRET, undefined, body, 1_700_000_000)).toBe(false);
  });
});


describe('GET /admin/events', () => {
  it('walks every event by cursor in commit order; the last cursor resumes after new writes', async () => {
    let cursor = await endCursor();
    const forum = await a.forum();
    const s = await a.suggestion(forum.id);
    const c = await a.onSuggestion('comments', s.id, { body: 'Hi' });
    await a.put(`/suggestions/${s.id}`, { title: 'Better' });
    const user = await a.user();
    await a.post('/nps_ratings', { rating: 3, links: { user: user.id } });
    await a.delete(`/suggestions/${s.id}`);
    const seen: any[] = [];
    const pages: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const reply = await a.get(`/events?per_page=2&cursor=${encodeURIComponent(cursor)}`);
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body)).toEqual(['events', 'links', 'list_meta', 'pagination']);
      expect(reply.body.links).toEqual({});
      expect(reply.body.list_meta).toBeNull();
      for (const event of reply.body.events) expect(EVENT_CONTRACT(event), JSON.stringify(EVENT_CONTRACT.errors)).toBe(true);
      seen.push(...reply.body.events);
      pages.push(reply.body.pagination.has_more);
      expect(reply.body.pagination).toEqual({ per_page: 2, cursor: expect.any(String), has_more: expect.any(Boolean) });
      cursor = reply.body.pagination.cursor;
      if (!reply.body.pagination.has_more) break;
    }
    expect(pages).toEqual([true, true, false]);
    expect(seen.map((e) => e.type)).toEqual(['suggestion_created', 'comment_created', 'suggestion_updated', 'nps_rating_created', 'suggestion_deleted']);
    expect(seen[1]).toEqual({
      id: expect.any(Number),
      type: 'comment_created',
      created_at: ISO,
      data: { suggestion: s.id, actor: expect.any(Number), comment: c.id, changes: { body: { from: null, to: 'Hi' }, state: { from: null, to: 'approved' } } },
      links: {},
    });
    // At the end: nothing, and the same place to resume from.
    const end = await a.get(`/events?cursor=${encodeURIComponent(cursor)}`);
    expect(end.body).toEqual({ events: [], links: {}, list_meta: null, pagination: { per_page: 20, cursor, has_more: false } });
    await a.onSuggestion('comments', s.id, { body: 'Later' });
    const resumed = await a.get(`/events?cursor=${encodeURIComponent(cursor)}`);
    expect(resumed.body.events.map((e: any) => [e.type, e.data.changes.body.to])).toEqual([['comment_created', 'Later']]);
  });

  it('answers 400 for a cursor it did not make', async () => {
    for (const bad of ['nope', Buffer.from('["suggestions",3]').toString('base64url'), Buffer.from('["events",-1]').toString('base64url')]) {
      expect((await a.get(`/events?cursor=${bad}`)).body).toEqual({ errors: { error: 'bad_request', message: 'The cursor is not valid' } });
    }
  });

  it.runIf(Boolean(process.env.DATABASE_URL))('lists an event whose transaction committed after a later one only once it committed, and skips none (PostgreSQL)', async () => {
    const { default: pg } = await import('pg');
    const start = await endCursor();
    const client = new pg.Client({ connectionString: app.config.databaseUrl });
    await client.connect();
    try {
      // A slow writer takes the lower id first ...
      await client.query('begin');
      await client.query(`insert into events (type, data, created_at) values ('note_created', '{"slow": true}', now())`);
      // ... a fast one commits a higher id meanwhile.
      const forum = await a.forum();
      await a.suggestion(forum.id);
      const first = await a.get(`/events?cursor=${start}`);
      expect(first.body.events.map((e: any) => e.type)).toEqual(['suggestion_created']);
      await client.query('commit');
      const second = await a.get(`/events?cursor=${first.body.pagination.cursor}`);
      expect(second.body.events.map((e: any) => [e.type, e.data])).toEqual([['note_created', { slow: true }]]);
      expect(second.body.events[0].id).toBeLessThan(first.body.events[0].id);
    } finally {
      await client.end();
    }
  });
});

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

const SECRET = 'test-hook-secret-0123456789';
const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

let app: TestApp;
let a: Api;
let receiver: Receiver;
beforeAll(async () => {
  app = await startTestApp({ env: { HOOK_TIMEOUT_MS: '500' } });
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

const tick = () => app.server.deliverer.tick();
const hook = async (fields: Record<string, unknown> = {}) => {
  const reply = await a.post('/service_hooks', { url: receiver.url, events: ['suggestion_created'], secret: SECRET, ...fields });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.service_hooks[0];
};
const logsOf = async (hookId: number) => (await a.get(`/service_hook_logs?service_hook=${hookId}&per_page=100&sort=id`)).body.service_hook_logs;

describe('/admin/service_hooks', () => {
  it('creates, reads (secret masked), updates and deletes a hook; the whole secret only in the create answer', async () => {
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
      created_at: ISO,
      updated_at: ISO,
      links: {},
      ...fields,
    });
    expect(created.body).toEqual({ service_hooks: [record(SECRET)], links: {} });
    expect((await a.get(`/service_hooks/${id}`)).body).toEqual({ service_hooks: [record('…6789')], links: {} });
    const list = await a.get('/service_hooks');
    expect(list.body).toEqual({ service_hooks: [record('…6789')], links: {}, list_meta: null, pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 1 } });
    const updated = await a.put(`/service_hooks/${id}`, { active: false, events: ['nps_rating_created'], url: 'http://hooks.example.com/v2' });
    expect(updated.body).toEqual({ service_hooks: [record('…6789', { active: false, events: ['nps_rating_created'], url: 'http://hooks.example.com/v2' })], links: {} });
    expect((await a.get('/service_hooks?active=false')).body.service_hooks.map((h: any) => h.id)).toEqual([id]);
    const deleted = await a.delete(`/service_hooks/${id}`);
    expect(deleted.body).toEqual({ service_hooks: [record('…6789', { active: false, events: ['nps_rating_created'], url: 'http://hooks.example.com/v2' })], links: {} });
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

describe('webhook deliveries', () => {
  it('delivers the events a hook subscribes to, signed (t=…,v1=…), once each, and logs every delivery', async () => {
    const h = await hook({ events: ['suggestion_created', 'comment_created', 'feedback_created', 'supporter_added', 'supporter_removed', 'nps_rating_created', 'suggestion_status_changed', 'suggestion_deleted', 'suggestion_merged', 'suggestion_updated'] });
    const { forum, suggestion } = await a.forumWithSuggestion();
    const user = await a.user();
    const comment = await a.onSuggestion('comments', suggestion.id, { body: 'Nice' });
    const feedback = await a.onSuggestion('feedback', suggestion.id, { body: 'Want it', links: { user: user.id } });
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
    expect(byType.nps_rating_created).toEqual({ nps_rating: rating.id, user: user.id, rating: 9 });
    expect(byType.suggestion_status_changed).toEqual({ suggestion: suggestion.id, actor: expect.any(Number), changes: { status: { from: null, to: status.id } } });
    expect(byType.suggestion_merged).toEqual({ suggestion: other.id, actor: expect.any(Number), merged_from: other.id, merged_to: suggestion.id });
    expect(byType.suggestion_deleted).toEqual({ suggestion: suggestion.id, actor: expect.any(Number), changes: { state: { from: 'approved', to: 'deleted' } } });

    const logs = await logsOf(h.id);
    expect(logs).toHaveLength(got.length);
    expect(logs[0]).toEqual({
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

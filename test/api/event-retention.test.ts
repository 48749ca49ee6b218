import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { startReceiver, type Receiver } from '../helpers/hook-receiver.ts';

/**
 * EVENT_RETENTION_DAYS: the hourly sweep deletes events past it with their outbox rows, and finished
 * deliveries past it; the newest sequenced event stays, so feed cursors stay valid.
 */
const SECRET = 'retention-hook-secret-0123456789';
const DAY = 86_400_000;
let app: TestApp;
let a: Api;
let receiver: Receiver;
const logs: string[] = [];
beforeAll(async () => {
  // Tokens outlive the clock moves below.
  app = await startTestApp({ env: { EVENT_RETENTION_DAYS: '30', TOKEN_TTL: '400d' }, logs });
  a = await api(app);
  receiver = await startReceiver(SECRET, () => Math.floor((Date.now() + app.clock.offsetMs) / 1000));
});
afterAll(async () => {
  await receiver?.close();
  await app?.close();
});

const db = () => app.server.db.orm.em.fork().getKysely<DB>();
const feed = async (cursor?: string) => (await a.get(`/events?per_page=100${cursor ? `&cursor=${cursor}` : ''}`)).body;
const pruneLogs = () =>
  logs
    .map((line) => JSON.parse(line))
    .filter((line) => line.msg === 'pruned old events')
    .map(({ events, deliveries, before }) => ({ events, deliveries, before }));
const deliveries = () => db().selectFrom('service_hook_deliveries').select(['hook_id', 'event_id', 'state']).orderBy('id').execute();

describe('event retention', () => {
  it('deletes events older than EVENT_RETENTION_DAYS with their deliveries, and finished deliveries; keeps the newest event so cursors resume', async () => {
    const delivered = (await a.post('/service_hooks', { url: receiver.url, events: ['suggestion_created'], secret: SECRET })).body.service_hooks[0];
    const paused = (await a.post('/service_hooks', { url: receiver.url, events: ['suggestion_created'], secret: SECRET })).body.service_hooks[0];
    const forum = await a.forum();
    const old = await a.suggestion(forum.id);
    expect((await a.put(`/service_hooks/${paused.id}`, { active: false })).status).toBe(200);
    expect(await app.server.deliverer.tick()).toBe(1);
    const oldEvent = (await feed()).events.at(-1);
    expect(oldEvent).toMatchObject({ type: 'suggestion_created', data: { suggestion: old.id } });
    expect(await deliveries()).toEqual([
      { hook_id: delivered.id, event_id: oldEvent.id, state: 'delivered' },
      { hook_id: paused.id, event_id: oldEvent.id, state: 'pending' },
    ]);

    // 31 days on: a new change (its delivery still to be sent), then the sweep.
    app.clock.offsetMs = 31 * DAY;
    const fresh = await a.suggestion(forum.id);
    logs.length = 0;
    await app.server.sweep();
    // The old event with its two outbox rows (delivered, and the paused hook's still pending).
    expect(pruneLogs()).toEqual([{ events: 1, deliveries: 2, before: expect.stringMatching(/^\d{4}-/) }]);
    const after = await feed();
    expect(after.events.map((e: { type: string; data: { suggestion: number } }) => [e.type, e.data.suggestion])).toEqual([['suggestion_created', fresh.id]]);
    const freshEvent = after.events[0];
    expect(await deliveries()).toEqual([{ hook_id: delivered.id, event_id: freshEvent.id, state: 'pending' }]);
    // The delivery log is kept.
    expect((await a.get(`/service_hook_logs?service_hook=${delivered.id}`)).body.service_hook_logs.map((l: { event_id: number }) => l.event_id)).toEqual([oldEvent.id]);

    // 62 days on, no change since: the newest event is old too, but stays (the feed counts on from it).
    app.clock.offsetMs = 62 * DAY;
    logs.length = 0;
    await app.server.sweep();
    expect(pruneLogs()).toEqual([]);
    expect((await feed()).events.map((e: { id: number }) => e.id)).toEqual([freshEvent.id]);
    const newest = await a.suggestion(forum.id);
    const resumed = await feed(after.pagination.cursor);
    expect(resumed.events.map((e: { data: { suggestion: number } }) => e.data.suggestion)).toEqual([newest.id]);
    await app.server.sweep();
    expect((await feed()).events.map((e: { data: { suggestion: number } }) => e.data.suggestion)).toEqual([newest.id]);
  });
});

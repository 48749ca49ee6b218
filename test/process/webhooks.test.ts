import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { startReceiver, type Receiver } from '../helpers/hook-receiver.ts';
import { childDatabase, killAllChildren, POSTGRES_MODE, sleep, startServer, type ChildDatabase } from '../helpers/process.ts';

const SECRET = 'process-hook-secret-0123456789';
// Two or three server starts each; a fresh PGlite start with the demo seed has taken most of a minute at load 30.
const TIMEOUT = 240_000;
const START = 120_000;
const databases: ChildDatabase[] = [];
const receivers: Receiver[] = [];
afterAll(async () => {
  await killAllChildren();
  for (const receiver of receivers) await receiver.close();
  for (const database of databases) await database.cleanup();
});

async function tokenFor(url: string, id: string, secret: string): Promise<string> {
  const reply = await request(url, 'POST', '/api/v2/oauth/token', { form: `grant_type=client_credentials&client_id=${id}&client_secret=${secret}` });
  expect(reply.status).toBe(200);
  return reply.body.access_token;
}

async function admin(url: string, token: string, method: string, path: string, json?: unknown) {
  const reply = await request(url, method, `/api/v2/admin${path}`, { token, ...(json === undefined ? {} : { json }) });
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

describe('webhooks across processes', () => {
  it('kill -9 after the write and before its delivery: the restarted server delivers it', { timeout: TIMEOUT }, async () => {
    const database = await childDatabase();
    databases.push(database);
    const receiver = await startReceiver(SECRET);
    receivers.push(receiver);
    // The first server never polls: the write is committed with its outbox row, and nothing is sent.
    const env = { ...database.env, SEED_DEMO: '1', LOG_LEVEL: 'warn', HOOK_ALLOW_PRIVATE_URLS: '1' };
    const first = await startServer({ env: { ...env, HOOK_POLL_INTERVAL_MS: '0' }, timeoutMs: START });
    const { clientId, clientSecret } = first.banner;
    const token = await tokenFor(first.url, clientId!, clientSecret!);
    await admin(first.url, token, 'POST', '/service_hooks', { url: receiver.url, events: ['suggestion_created'], secret: SECRET });
    const forum = (await admin(first.url, token, 'POST', '/forums', { name: 'Hooks' })).forums[0];
    const suggestion = (await admin(first.url, token, 'POST', '/suggestions', { title: 'Survives a crash', links: { forum: forum.id } })).suggestions[0];
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(receiver.received).toEqual([]);

    const second = await startServer({ env: { ...env, HOOK_POLL_INTERVAL_MS: '50' }, timeoutMs: START });
    await receiver.waitFor(1, 60_000);
    await sleep(300);
    expect(receiver.received.map((r) => [r.type, r.attempt, r.verified, r.body.data.suggestion])).toEqual([['suggestion_created', 1, true, suggestion.id]]);
    await second.stop();
  });

  it.runIf(POSTGRES_MODE)('two server processes on one PostgreSQL deliver each event exactly once', { timeout: TIMEOUT }, async () => {
    const database = await childDatabase();
    databases.push(database);
    const receiver = await startReceiver(SECRET);
    receivers.push(receiver);
    const env = { ...database.env, SEED_DEMO: '1', LOG_LEVEL: 'warn', HOOK_POLL_INTERVAL_MS: '20', HOOK_ALLOW_PRIVATE_URLS: '1' };
    const one = await startServer({ env, timeoutMs: START });
    const two = await startServer({ env, timeoutMs: START });
    const { clientId, clientSecret } = one.banner;
    const servers = [one.url, two.url];
    const tokens = await Promise.all(servers.map((url) => tokenFor(url, clientId!, clientSecret!)));
    await admin(one.url, tokens[0]!, 'POST', '/service_hooks', { url: receiver.url, events: ['suggestion_created', 'comment_created'], secret: SECRET });
    const forum = (await admin(one.url, tokens[0]!, 'POST', '/forums', { name: 'Both' })).forums[0];
    // 40 writes through both servers, 4 at a time, while both deliver.
    const ids: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < 20) {
        const i = next++;
        const at = i % 2;
        const s = (await admin(servers[at]!, tokens[at]!, 'POST', '/suggestions', { title: `Idea ${i}`, links: { forum: forum.id } })).suggestions[0];
        ids.push(s.id);
        await admin(servers[1 - at]!, tokens[1 - at]!, 'POST', '/comments', { body: `On ${i}`, links: { suggestion: s.id } });
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    await receiver.waitFor(40, 60_000);
    // Time for a duplicate to show up, had one been sent.
    await sleep(1_000);
    const eventIds = receiver.received.map((r) => r.eventId);
    expect(receiver.received).toHaveLength(40);
    expect(new Set(eventIds).size).toBe(40);
    expect(receiver.received.every((r) => r.verified && r.attempt === 1)).toBe(true);
    expect(new Set(receiver.received.filter((r) => r.type === 'suggestion_created').map((r) => r.body.data.suggestion))).toEqual(new Set(ids));
    await Promise.all([one.stop(), two.stop()]);
  });
});

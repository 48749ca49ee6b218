import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { request, type Reply } from '../helpers/http.ts';
import { heldRequest } from '../helpers/raw-http.ts';
import { multipart } from '../helpers/uploads.ts';
import type { DB } from '../../src/db/schema.ts';
import { idempotencyKeys } from '../../src/db/idempotency-keys.ts';

let app: TestApp;
let token: string;

beforeAll(async () => {
  app = await startTestApp({ env: { BODY_LIMIT_BYTES: '2048' } });
  token = await app.token();
});
afterAll(() => app?.close());

const db = () => app.server.db.orm.em.getKysely<DB>();

/** A fresh key per test: keys are per client and this file shares one client. */
const newKey = () => `test-${randomUUID()}`;

function createForum(key: string | undefined, name: string, options: { token?: string; query?: string } = {}): Promise<Reply> {
  return request(app.url, 'POST', `/api/v2/admin/forums${options.query ?? ''}`, {
    token: options.token ?? token,
    json: { name },
    headers: key === undefined ? {} : { 'Idempotency-Key': key },
  });
}

async function forumsNamed(name: string): Promise<number> {
  const row = await db().selectFrom('forums').select((eb) => eb.fn.countAll<number>().as('n')).where('name', '=', name).executeTakeFirstOrThrow();
  return Number(row.n);
}

const REUSED = { errors: { 'Idempotency-Key': ['was already used for a different request (method, path, query string or body)'] } };

describe('Idempotency-Key', () => {
  it('answers a retry with the first answer, byte for byte, without running the write again', async () => {
    const key = newKey();
    const first = await createForum(key, 'Idempotent forum');
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await createForum(key, 'Idempotent forum');
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // Each attempt is its own request: its own id and rate-limit headers.
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(again.headers.get('x-rate-limit-remaining')).not.toBeNull();
    expect(await forumsNamed('Idempotent forum')).toBe(1);
  });

  it('records the write as committed in the same transaction', async () => {
    const key = newKey();
    expect((await createForum(key, 'Committed forum')).status).toBe(200);
    const row = await db().selectFrom('idempotency_keys').select(['status', 'committed_at', 'locked_until', 'expires_at', 'created_at']).where('key', '=', key).executeTakeFirstOrThrow();
    expect(row.status).toBe(200);
    expect(row.committed_at).not.toBeNull();
    expect(row.locked_until).toBeNull();
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(24 * 3600 * 1000);
  });

  it('answers 422 when the key comes back with another body, path, method or query string', async () => {
    const key = newKey();
    expect((await createForum(key, 'First body')).status).toBe(200);
    const otherBody = await createForum(key, 'Second body');
    expect(otherBody.status).toBe(422);
    expect(otherBody.body).toEqual(REUSED);
    const otherQuery = await createForum(key, 'First body', { query: '?includes=users' });
    expect(otherQuery.status).toBe(422);
    expect(otherQuery.body).toEqual(REUSED);
    const otherPath = await request(app.url, 'POST', '/api/v2/admin/statuses', { token, json: { name: 'First body' }, headers: { 'Idempotency-Key': key } });
    expect(otherPath.status).toBe(422);
    expect(otherPath.body).toEqual(REUSED);
    const forumId = (await createForum(key, 'First body')).body.forums[0].id as number;
    const otherMethod = await request(app.url, 'PUT', `/api/v2/admin/forums/${forumId}`, { token, json: { name: 'First body' }, headers: { 'Idempotency-Key': key } });
    expect(otherMethod.status).toBe(422);
    expect(otherMethod.body).toEqual(REUSED);
    expect(await forumsNamed('First body')).toBe(1);
    expect(await forumsNamed('Second body')).toBe(0);
  });

  it('keeps keys per client: another client may use the same key for its own request', async () => {
    const key = newKey();
    expect((await createForum(key, 'Client A forum')).status).toBe(200);
    const other = await app.token();
    const reply = await createForum(key, 'Client B forum', { token: other });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('idempotent-replayed')).toBeNull();
    expect(await forumsNamed('Client B forum')).toBe(1);
  });

  it('refuses a malformed key with 400 and runs nothing', async () => {
    for (const bad of ['', 'has space', 'x'.repeat(256), 'quote"inside', 'back\\slash', 'tab\tkey']) {
      const reply = await createForum(bad, 'Bad key forum');
      expect(reply.status, JSON.stringify(bad)).toBe(400);
      expect(reply.body).toEqual({
        errors: { error: 'bad_request', message: 'Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces, quotes or backslashes)' },
      });
    }
    expect(await forumsNamed('Bad key forum')).toBe(0);
    // 255 characters, and a quoted key (the IETF draft's form) are fine; the quotes are not part of it.
    expect((await createForum('k'.repeat(255), 'Long key forum')).status).toBe(200);
    const quoted = newKey();
    const first = await createForum(`"${quoted}"`, 'Quoted key forum');
    expect(first.status).toBe(200);
    const again = await createForum(quoted, 'Quoted key forum');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
  });

  it('answers 409 with Retry-After to a duplicate sent while the first is still running, then replays', async () => {
    const key = newKey();
    const body = JSON.stringify({ name: 'Concurrent forum' });
    // The first request's head is in and its body held back: it has claimed the key and is running.
    const held = heldRequest(app.url, 'POST', '/api/v2/admin/forums', { token, body, headers: { 'Idempotency-Key': key } });
    const claimed = () => db().selectFrom('idempotency_keys').select('key').where('key', '=', key).executeTakeFirst();
    for (let i = 0; !(await claimed()); i++) {
      expect(i).toBeLessThan(250);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const duplicate = await createForum(key, 'Concurrent forum');
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('retry-after')).toBe('1');
    expect(duplicate.body).toEqual({
      errors: { error: 'idempotency_key_in_use', message: 'A request with this Idempotency-Key is still running; retry after Retry-After seconds' },
    });
    const first = await held.finish();
    expect(first.status).toBe(200);
    const retry = await createForum(key, 'Concurrent forum');
    expect(retry.status).toBe(200);
    expect(retry.text).toBe(first.text);
    expect(await forumsNamed('Concurrent forum')).toBe(1);
  });

  it('of simultaneous duplicates, exactly one runs', async () => {
    const key = newKey();
    const replies = await Promise.all(Array.from({ length: 6 }, () => createForum(key, 'Simultaneous forum')));
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    const answers = new Set(replies.filter((reply) => reply.status === 200).map((reply) => reply.text));
    expect(answers.size).toBe(1);
    expect(await forumsNamed('Simultaneous forum')).toBe(1);
  });

  it('keeps a 4xx answer (a validation error) and replays it', async () => {
    const key = newKey();
    const first = await request(app.url, 'POST', '/api/v2/admin/forums', { token, json: { name: '' }, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(422);
    const again = await request(app.url, 'POST', '/api/v2/admin/forums', { token, json: { name: '' }, headers: { 'Idempotency-Key': key } });
    expect(again.status).toBe(422);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('frees the key after an answer that says the request did not run (413): the retry runs', async () => {
    const key = newKey();
    const tooLarge = await createForum(key, 'x'.repeat(4000));
    expect(tooLarge.status).toBe(413);
    const retry = await createForum(key, 'After 413 forum');
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await forumsNamed('After 413 forum')).toBe(1);
  });

  it('ignores the header on GET, and writes without it keep no key', async () => {
    const key = newKey();
    const list = await request(app.url, 'GET', '/api/v2/admin/forums', { token, headers: { 'Idempotency-Key': key } });
    expect(list.status).toBe(200);
    expect((await createForum(undefined, 'Keyless forum')).status).toBe(200);
    expect((await createForum(undefined, 'Keyless forum')).status).toBe(200);
    expect(await forumsNamed('Keyless forum')).toBe(2);
    expect(await db().selectFrom('idempotency_keys').select('key').where('key', '=', key).execute()).toEqual([]);
  });

  it('works on DELETE and on bodiless PUT actions', async () => {
    const forum = (await createForum(undefined, 'Delete me')).body.forums[0];
    const key = newKey();
    const first = await request(app.url, 'DELETE', `/api/v2/admin/forums/${forum.id}`, { token, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(200);
    const again = await request(app.url, 'DELETE', `/api/v2/admin/forums/${forum.id}`, { token, headers: { 'Idempotency-Key': key } });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    // Without the key the second DELETE is a 404: the first really ran once.
    expect((await request(app.url, 'DELETE', `/api/v2/admin/forums/${forum.id}`, { token })).status).toBe(404);
  });

  it('expires keys after 24 hours (then the key runs a new request) and the sweep removes them', async () => {
    const key = newKey();
    expect((await createForum(key, 'Day one forum')).status).toBe(200);
    app.clock.now = Date.now() + 24 * 3600 * 1000 + 1000;
    try {
      const reply = await createForum(key, 'Day two forum');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('idempotent-replayed')).toBeNull();
      expect(await forumsNamed('Day two forum')).toBe(1);
      const stale = newKey();
      expect((await createForum(stale, 'Swept forum')).status).toBe(200);
      const swept = await idempotencyKeys(app.server.db.orm).sweep(app.clock.now + 24 * 3600 * 1000 + 1000);
      expect(swept).toBeGreaterThanOrEqual(2);
      expect(await db().selectFrom('idempotency_keys').select('key').where('key', 'in', [key, stale]).execute()).toEqual([]);
    } finally {
      app.clock.now = undefined;
    }
  });
});

describe('Idempotency-Key after a crash', () => {
  /** What a process killed mid-request leaves behind: a claim with no answer. */
  async function orphan(key: string, body: string, fields: { lockedUntil: Date; committedAt: Date | null }) {
    // The request hash of `POST /api/v2/admin/forums` with a JSON body, taken from a real claim.
    const probe = newKey();
    await createForum(probe, body);
    const { request_hash, client_id } = await db().selectFrom('idempotency_keys').select(['request_hash', 'client_id']).where('key', '=', probe).executeTakeFirstOrThrow();
    await db()
      .insertInto('idempotency_keys')
      .values({
        client_id,
        key,
        request_hash,
        created_at: new Date(),
        expires_at: new Date(Date.now() + 3600_000),
        locked_until: fields.lockedUntil,
        committed_at: fields.committedAt,
      })
      .execute();
  }

  it('runs the retry when the dead request never committed and its lease has lapsed', async () => {
    const key = newKey();
    await orphan(key, 'Probe A', { lockedUntil: new Date(Date.now() - 1000), committedAt: null });
    const reply = await createForum(key, 'Recovered forum');
    expect(reply.status).toBe(200);
    expect(await forumsNamed('Recovered forum')).toBe(1);
  });

  it('answers 409 in use while the lease still runs', async () => {
    const key = newKey();
    await orphan(key, 'Probe B', { lockedUntil: new Date(Date.now() + 60_000), committedAt: null });
    const reply = await createForum(key, 'Leased forum');
    expect(reply.status).toBe(409);
    expect(reply.body.errors.error).toBe('idempotency_key_in_use');
    expect(await forumsNamed('Leased forum')).toBe(0);
  });

  it('never runs a committed write again: 409 outcome unknown', async () => {
    const key = newKey();
    await orphan(key, 'Probe C', { lockedUntil: new Date(Date.now() - 1000), committedAt: new Date() });
    const reply = await createForum(key, 'Committed elsewhere');
    expect(reply.status).toBe(409);
    expect(reply.headers.get('retry-after')).toBeNull();
    expect(reply.body).toEqual({
      errors: {
        error: 'idempotency_key_outcome_unknown',
        message:
          'The request with this Idempotency-Key was carried out, but the server stopped before its answer was kept; read the records to see their state',
      },
    });
    expect(await forumsNamed('Committed elsewhere')).toBe(0);
  });
});

describe('Idempotency-Key on uploads', () => {
  const upload = (key: string, data: Buffer, boundary: string) => {
    const { body, contentType } = multipart([{ name: 'file', data, filename: 'notes.txt', type: 'text/plain' }], boundary);
    return request(app.url, 'POST', '/api/v2/admin/attachments', { token, raw: body, headers: { 'Content-Type': contentType, 'Idempotency-Key': key } });
  };

  it('replays a retried upload sent with a new multipart boundary, and refuses other bytes with 422', async () => {
    const key = newKey();
    const data = Buffer.from('The same notes, twice.\n'.repeat(5000));
    const first = await upload(key, data, '----first-boundary-1234');
    expect(first.status).toBe(200);
    const again = await upload(key, data, '----another-boundary-98765');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    const sameFile = await db().selectFrom('attachments').select('id').where('size_in_bytes', '=', data.length).execute();
    expect(sameFile).toEqual([{ id: first.body.attachments[0].id }]);
    const other = await upload(key, Buffer.from('Other notes.\n'.repeat(5000)), '----first-boundary-1234');
    expect(other.status).toBe(422);
    expect(other.body).toEqual(REUSED);
  });
});

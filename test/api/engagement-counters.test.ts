import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { POSTGRES_MODE } from '../helpers/process.ts';

let app: TestApp;
let a: Api;
let ownerId: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  ownerId = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

type Rec = Record<string, any>;

/** Every record of a filtered collection, page by page through the cursor. */
async function all(collection: string, query: string): Promise<Rec[]> {
  const out: Rec[] = [];
  let path = `/${collection}?${query}&per_page=100&sort=id`;
  for (;;) {
    const reply = await a.get(path);
    expect(reply.status).toBe(200);
    out.push(...reply.body[collection]);
    const cursor = reply.body.pagination.cursor;
    if (!cursor) return out;
    path = `/${collection}?${query}&per_page=100&sort=id&cursor=${encodeURIComponent(cursor)}`;
  }
}

/** The suggestion's counters recomputed from the records the API lists. */
async function recount(suggestionId: number) {
  const comments = await all('comments', `suggestion=${suggestionId}`);
  const supporters = await all('supporters', `suggestion=${suggestionId}`);
  const feedback = await all('feedback', `suggestion=${suggestionId}`);
  const notes = await all('notes', `suggestion=${suggestionId}`);
  const updates = await all('status_updates', `suggestion=${suggestionId}`);
  const newest = [...updates].sort((x, y) => (x.created_at === y.created_at ? y.id - x.id : x.created_at < y.created_at ? 1 : -1))[0];
  return {
    counters: {
      comments_count: comments.filter((c) => c.state === 'approved').length,
      notes_count: notes.length,
      supporters_count: supporters.length,
      votes_count: supporters.length,
      requests_count: feedback.length,
      first_support_at: supporters.map((s) => s.created_at).sort()[0] ?? null,
      last_status_update: newest?.id ?? null,
    },
    supporters: supporters.map((s) => ({
      id: s.id,
      user: s.links.user,
      feedback_count: feedback.filter((f) => f.links.supporter === s.id).length,
      comments_count: comments.filter((c) => c.state === 'approved' && c.links.created_by === s.links.user).length,
    })),
  };
}

async function stored(suggestionId: number) {
  const s = (await a.get(`/suggestions/${suggestionId}`)).body.suggestions[0];
  const supporters = await all('supporters', `suggestion=${suggestionId}`);
  return {
    counters: {
      comments_count: s.comments_count,
      notes_count: s.notes_count,
      supporters_count: s.supporters_count,
      votes_count: s.votes_count,
      requests_count: s.requests_count,
      first_support_at: s.first_support_at,
      last_status_update: s.links.last_status_update,
    },
    supporters: supporters.map((sp) => ({ id: sp.id, user: sp.links.user, feedback_count: sp.feedback_count, comments_count: sp.comments_count })),
  };
}

async function expectExact(suggestionId: number) {
  const { counters, supporters } = await recount(suggestionId);
  expect(await stored(suggestionId)).toEqual({ counters, supporters });
}

/** [stored supported_suggestions_count, stored suggestion_votes, supporters listed] — all equal when exact. */
async function supportedCount(userId: number) {
  const user = (await a.get(`/users/${userId}`)).body.users[0];
  const listed = (await all('supporters', `user=${userId}`)).length;
  expect(user.suggestion_votes).toBe(user.supported_suggestions_count);
  return [user.supported_suggestions_count, listed];
}

describe('engagement counters', () => {
  it('read back exactly as written after a scripted session of supports, comments, status updates and a merge', async () => {
    const forum = await a.forum();
    const planned = await a.status({ name: 'planned', is_open: true });
    const done = await a.status({ name: 'completed', is_open: false });
    const main = await a.suggestion(forum.id);
    const dup = await a.suggestion(forum.id);
    const [ann, bob, cat] = [await a.user({ name: 'Ann' }), await a.user({ name: 'Bob' }), await a.user({ name: 'Cat' })];

    const feedback = (s: number, u: number, body: string, created_at: string) =>
      a.post('/feedback', { body, created_at, links: { suggestion: s, user: u } });
    expect((await feedback(main.id, ann.id, 'Ann wants it', '2024-01-01T10:00:00Z')).status).toBe(200);
    expect((await feedback(main.id, bob.id, 'Bob too', '2024-01-02T10:00:00Z')).status).toBe(200);
    expect((await feedback(dup.id, bob.id, 'Bob on the duplicate', '2023-12-24T10:00:00Z')).status).toBe(200);
    expect((await feedback(dup.id, cat.id, 'Cat on the duplicate', '2024-01-03T10:00:00Z')).status).toBe(200);
    const annComment = (await a.post('/comments', { body: 'Please!', links: { suggestion: main.id, created_by: ann.id } })).body.comments[0];
    const spam = (await a.post('/comments', { body: 'Buy now', links: { suggestion: main.id, created_by: cat.id } })).body.comments[0];
    expect((await a.put(`/comments/${spam.id}/spam`)).status).toBe(200);
    expect((await a.post('/notes', { body: 'Roadmap Q2', links: { suggestion: main.id } })).status).toBe(200);
    const first = (await a.post('/status_updates', { body: 'On the plan', created_at: '2024-02-01T09:00:00Z', links: { suggestion: main.id, status: planned.id } })).body.status_updates[0];
    const second = (await a.post('/status_updates', { body: 'Shipped', created_at: '2024-03-01T09:00:00Z', links: { suggestion: main.id, status: done.id } })).body.status_updates[0];
    await expectExact(main.id);
    await expectExact(dup.id);

    const merged = await a.post('/suggestions/bulk/merge', { include_ids: [dup.id], action: { links: { to_suggestion: main.id } } });
    expect(merged.status).toBe(200);
    expect(merged.body.suggestions[0]).toMatchObject({
      comments_count: 1,
      notes_count: 1,
      supporters_count: 3,
      votes_count: 3,
      requests_count: 4,
      first_support_at: '2023-12-24T10:00:00Z',
      // Closed by the "completed" status update (stamped when it was posted).
      closed_at: expect.any(String),
      links: { status: done.id, last_status_update: second.id, parent_suggestion: null },
    });
    await expectExact(main.id);
    await expectExact(dup.id);
    expect(await supportedCount(ann.id)).toEqual([1, 1]);
    expect(await supportedCount(bob.id)).toEqual([1, 1]);
    expect(await supportedCount(cat.id)).toEqual([1, 1]);

    // The status history reads back as written: oldest first by created_at, with the statuses moved through.
    const history = (await a.get(`/status_updates?suggestion=${main.id}&sort=created_at&includes=statuses`)).body;
    expect(history.status_updates.map((u: Rec) => [u.id, u.body, u.created_at, u.links.old_status, u.links.new_status, u.links.user])).toEqual([
      [first.id, 'On the plan', '2024-02-01T09:00:00Z', null, planned.id, ownerId],
      [second.id, 'Shipped', '2024-03-01T09:00:00Z', planned.id, done.id, ownerId],
    ]);
    expect(history.statuses.map((s: Rec) => s.name)).toEqual(['planned', 'completed']);

    // Unwinding: the newest update goes, the spam comment comes back, Bob's feedback goes.
    expect((await a.delete(`/status_updates/${second.id}`)).status).toBe(200);
    expect((await a.put(`/comments/${spam.id}/unremove`)).status).toBe(200);
    expect((await a.delete(`/comments/${annComment.id}`)).status).toBe(200);
    for (const f of await all('feedback', `suggestion=${main.id}&user=${bob.id}`)) expect((await a.delete(`/feedback/${f.id}`)).status).toBe(200);
    await expectExact(main.id);
    expect((await a.get(`/suggestions/${main.id}`)).body.suggestions[0]).toMatchObject({
      comments_count: 1,
      supporters_count: 2,
      requests_count: 2,
      first_support_at: '2024-01-01T10:00:00Z',
      links: { status: done.id, last_status_update: first.id },
    });
    expect(await supportedCount(bob.id)).toEqual([0, 0]);
  });

  // On PostgreSQL these really run in parallel on separate connections (PGlite has one, so it serializes).
  it(`stay exact under 50 concurrent supports and 50 concurrent comments from different users${POSTGRES_MODE ? ' (PostgreSQL)' : ' (PGlite)'}`, async () => {
    const forum = await a.forum();
    const target = await a.suggestion(forum.id);
    const other = await a.suggestion(forum.id);
    const users = await Promise.all(Array.from({ length: 50 }, () => a.user()));
    // Each user also supports another suggestion, so their supported_suggestions_count must reach 2.
    for (const u of users.slice(0, 10)) expect((await a.post('/feedback', { body: 'x', links: { suggestion: other.id, user: u.id } })).status).toBe(200);
    const replies = await Promise.all(
      users.flatMap((u, i) => [
        a.post('/feedback', { body: `vote ${i}`, links: { suggestion: target.id, user: u.id } }),
        a.post('/comments', { body: `comment ${i}`, links: { suggestion: target.id, created_by: u.id } }),
        // Every fifth user supports twice at once: still one supporter.
        ...(i % 5 === 0 ? [a.post('/requests', { body: `again ${i}`, links: { suggestion: target.id, user: u.id } })] : []),
      ]),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    await expectExact(target.id);
    expect((await a.get(`/suggestions/${target.id}`)).body.suggestions[0]).toMatchObject({
      supporters_count: 50,
      votes_count: 50,
      comments_count: 50,
      requests_count: 60,
    });
    const counts = await Promise.all(users.map((u) => supportedCount(u.id)));
    expect(counts).toEqual(users.map((_, i) => (i < 10 ? [2, 2] : [1, 1])));
  });
});

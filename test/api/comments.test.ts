import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { NOT_FOUND, SUGGESTION_LINKS, USER_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let ownerId: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  ownerId = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

const COMMENT_LINKS = {
  'comments.suggestion': { type: 'suggestions' },
  'comments.created_by': { type: 'users' },
};

function commentRecord(id: number, body: string, suggestionId: number, fields: Record<string, unknown> = {}) {
  return {
    id,
    body,
    body_mime_type: 'text/plain',
    state: 'approved',
    channel: 'api',
    inappropriate_flags_count: 0,
    is_admin_comment: true,
    sentiment_score: null,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { suggestion: suggestionId, created_by: ownerId },
    ...fields,
  };
}

const setup = () => a.forumWithSuggestion();

const comment = (suggestionId: number, fields: Record<string, unknown> = {}) => a.onSuggestion('comments', suggestionId, { body: 'A comment', ...fields });

const suggestionNow = (id: number) => a.one('suggestions', id);
const commentsCount = async (id: number): Promise<number> => (await suggestionNow(id)).comments_count;
const idsOf = (reply: { body: { comments: Array<{ id: number }> } }) => reply.body.comments.map((c) => c.id);

describe('POST /admin/comments', () => {
  it('creates from flat JSON with the token’s user (an admin) as author; GET reads it back; the suggestion counts it', async () => {
    const { suggestion } = await setup();
    expect(await commentsCount(suggestion.id)).toBe(0);
    const reply = await a.post('/comments', { body: 'Great idea', links: { suggestion: suggestion.id } });
    expect(reply.status).toBe(200);
    const id = reply.body.comments[0].id;
    expect(reply.body).toEqual({ comments: [commentRecord(id, 'Great idea', suggestion.id)], links: COMMENT_LINKS });

    const read = await a.get(`/comments/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(reply.body);
    expect(await commentsCount(suggestion.id)).toBe(1);

    // An explicit null author (JSON or an empty form value) also means the token's user.
    for (const options of [{ json: { body: 'Null author', links: { suggestion: suggestion.id, created_by: null } } }, { form: `body=Null+author&links.suggestion=${suggestion.id}&links.created_by=` }]) {
      const nullAuthor = await a.post('/comments', undefined, options);
      expect(nullAuthor.status).toBe(200);
      expect(nullAuthor.body).toEqual({ comments: [commentRecord(nullAuthor.body.comments[0].id, 'Null author', suggestion.id)], links: COMMENT_LINKS });
    }
  });

  it('creates from & and ; form bodies and a wrapped body, with created_by, body_mime_type and created_at', async () => {
    const { suggestion } = await setup();
    const user = await a.user();

    const amp = await a.post('/comments', undefined, { form: `body=Hi&links.suggestion=${suggestion.id}` });
    expect(amp.status).toBe(200);
    expect(amp.body).toEqual({ comments: [commentRecord(amp.body.comments[0].id, 'Hi', suggestion.id)], links: COMMENT_LINKS });

    const semi = await a.post('/comments', undefined, {
      form: `body=%3Cp%3EFrom+a+user%3C%2Fp%3E;links.suggestion=${suggestion.id};links.created_by=${user.id};body_mime_type=text/html;created_at=2020-01-02T03:04:05.123%2B00:00;`,
    });
    expect(semi.status).toBe(200);
    expect(semi.body).toEqual({
      comments: [
        commentRecord(semi.body.comments[0].id, '<p>From a user</p>', suggestion.id, {
          body_mime_type: 'text/html',
          is_admin_comment: false,
          created_at: '2020-01-02T03:04:05Z',
          links: { suggestion: suggestion.id, created_by: user.id },
        }),
      ],
      links: COMMENT_LINKS,
    });

    const wrapped = await a.post('/comments', { comment: { body: 'Wrapped', created_at: '2021-06-01T00:00:00Z', links: { suggestion: suggestion.id, created_by: user.id } } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body).toEqual({
      comments: [
        commentRecord(wrapped.body.comments[0].id, 'Wrapped', suggestion.id, {
          is_admin_comment: false,
          created_at: '2021-06-01T00:00:00Z',
          links: { suggestion: suggestion.id, created_by: user.id },
        }),
      ],
      links: COMMENT_LINKS,
    });

    // An explicit created_by naming the owner is an admin comment too.
    const byOwner = await a.post('/comments', { body: 'Owner', links: { suggestion: suggestion.id, created_by: ownerId } });
    expect(byOwner.body).toEqual({ comments: [commentRecord(byOwner.body.comments[0].id, 'Owner', suggestion.id)], links: COMMENT_LINKS });
    expect(await commentsCount(suggestion.id)).toBe(4);
  });

  it('ignores unknown and read-only fields', async () => {
    const { suggestion } = await setup();
    const user = await a.user();
    const reply = await a.post('/comments', {
      body: 'Plain',
      id: 999_999,
      state: 'spam',
      channel: 'zendesk',
      is_admin_comment: false,
      inappropriate_flags_count: 9,
      sentiment_score: 0.5,
      updated_at: '2001-01-01T00:00:00Z',
      colour: 'red',
      links: { suggestion: suggestion.id, forum: 1 },
    });
    expect(reply.status).toBe(200);
    const record = reply.body.comments[0];
    expect(record.id).not.toBe(999_999);
    expect(record.updated_at).not.toBe('2001-01-01T00:00:00Z');
    expect(reply.body).toEqual({ comments: [commentRecord(record.id, 'Plain', suggestion.id)], links: COMMENT_LINKS });

    // is_admin_comment follows the author, whatever the client claims.
    const claimed = await a.post('/comments', { body: 'Not an admin', is_admin_comment: true, links: { suggestion: suggestion.id, created_by: user.id } });
    expect(claimed.body.comments[0]).toEqual(
      commentRecord(claimed.body.comments[0].id, 'Not an admin', suggestion.id, { is_admin_comment: false, links: { suggestion: suggestion.id, created_by: user.id } }),
    );
    expect(await commentsCount(suggestion.id)).toBe(2);
  });

  it('422 with every field error at once, and nothing is written', async () => {
    const { suggestion } = await setup();
    const user = await a.user();
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { body: ["can't be blank"], 'links.suggestion': ["can't be blank"] }],
      [{ body: '  ', links: { suggestion: null } }, { body: ["can't be blank"], 'links.suggestion': ["can't be blank"] }],
      [{ body: '', links: { suggestion: 999_999 } }, { body: ["can't be blank"], 'links.suggestion': ['does not exist'] }],
      [{ body: 'x', links: { suggestion: 'abc' } }, { 'links.suggestion': ['does not exist'] }],
      [{ body: 'x', links: { suggestion: suggestion.id, created_by: 999_999 } }, { 'links.created_by': ['does not exist'] }],
      [{ body: 'x', links: { suggestion: suggestion.id, created_by: 'abc' } }, { 'links.created_by': ['does not exist'] }],
      [{ body: 'x'.repeat(65_536), links: { suggestion: suggestion.id } }, { body: ['is too long (maximum is 65535 characters)'] }],
      [{ body: 'nul \u0000 byte', links: { suggestion: suggestion.id } }, { body: ['contains invalid characters'] }],
      [
        { body: '', body_mime_type: 'image/png', created_at: 'yesterday', links: { suggestion: suggestion.id, created_by: 0 } },
        {
          body: ["can't be blank"],
          body_mime_type: ['must be one of text/plain, text/html'],
          created_at: ['is invalid'],
          'links.created_by': ['does not exist'],
        },
      ],
      [
        { body_mime_type: 'text/markdown', links: { suggestion: 999_999, created_by: user.id } },
        { body: ["can't be blank"], body_mime_type: ['must be one of text/plain, text/html'], 'links.suggestion': ['does not exist'] },
      ],
      // A missing author and a missing suggestion are named together.
      [{ body: 'x', links: { suggestion: 999_999, created_by: 999_998 } }, { 'links.created_by': ['does not exist'], 'links.suggestion': ['does not exist'] }],
      [
        { body: 'x', links: { suggestion: suggestion.id, created_by: 999_998 }, created_at: 'soon' },
        { created_at: ['is invalid'], 'links.created_by': ['does not exist'] },
      ],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/comments', json);
      expect(reply.status, JSON.stringify(json).slice(0, 200)).toBe(422);
      expect(reply.body, JSON.stringify(json).slice(0, 200)).toEqual({ errors });
    }
    const form = await a.post('/comments', undefined, { form: `body=&links.suggestion=${suggestion.id}&links.created_by=999999` });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { body: ["can't be blank"], 'links.created_by': ['does not exist'] } });

    expect((await a.get(`/comments?suggestion=${suggestion.id}`)).body.comments).toEqual([]);
    expect(await commentsCount(suggestion.id)).toBe(0);
  });
});

describe('moderation and DELETE', () => {
  it('spam, approve, DELETE (soft) and unremove set the state; comments_count counts approved comments only', async () => {
    const { suggestion } = await setup();
    const keep = await comment(suggestion.id, { body: 'Keeper' });
    const c = await comment(suggestion.id, { body: 'Moderated' });
    expect(await commentsCount(suggestion.id)).toBe(2);

    const steps: Array<['PUT' | 'DELETE', string, string, number]> = [
      ['PUT', 'spam', 'spam', 1],
      ['PUT', 'spam', 'spam', 1],
      ['PUT', 'approve', 'approved', 2],
      ['DELETE', '', 'deleted', 1],
      ['PUT', 'unremove', 'approved', 2],
      ['PUT', 'spam', 'spam', 1],
      ['PUT', 'unremove', 'approved', 2],
    ];
    for (const [method, action, state, count] of steps) {
      const path = action ? `/comments/${c.id}/${action}` : `/comments/${c.id}`;
      const reply = method === 'PUT' ? await a.put(path) : await a.delete(path);
      expect(reply.status, `${method} ${action}`).toBe(200);
      expect(reply.body, `${method} ${action}`).toEqual({ comments: [commentRecord(c.id, 'Moderated', suggestion.id, { state, created_at: c.created_at })], links: COMMENT_LINKS });
      expect(await commentsCount(suggestion.id), `${method} ${action}`).toBe(count);
    }
    expect((await a.get(`/comments/${keep.id}`)).body.comments[0]).toEqual(keep);
  });

  it('a deleted comment stays readable and filterable as deleted', async () => {
    const { suggestion } = await setup();
    const c = await comment(suggestion.id, { body: 'Soon gone' });
    const deleted = await a.delete(`/comments/${c.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ comments: [{ ...c, state: 'deleted', updated_at: expect.stringMatching(ISO_SECONDS) }], links: COMMENT_LINKS });
    const read = await a.get(`/comments/${c.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(deleted.body);
    expect(idsOf(await a.get(`/comments?suggestion=${suggestion.id}&state=deleted`))).toEqual([c.id]);
    expect(idsOf(await a.get(`/comments?suggestion=${suggestion.id}&state=-deleted`))).toEqual([]);
    expect(await commentsCount(suggestion.id)).toBe(0);
    // Deleting again keeps it deleted.
    const again = await a.delete(`/comments/${c.id}`);
    expect(again.status).toBe(200);
    expect(again.body.comments[0].state).toBe('deleted');
  });

  it("moves the author's supporter comments_count on the suggestion", async () => {
    const { suggestion } = await setup();
    const user = await a.user();
    const feedback = await a.post('/feedback', { body: 'I want it', links: { suggestion: suggestion.id, user: user.id } });
    expect(feedback.status).toBe(200);
    const supporterId = feedback.body.feedback[0].links.supporter;
    const supporterComments = async () => (await a.get(`/supporters/${supporterId}`)).body.supporters[0].comments_count;
    expect(await supporterComments()).toBe(0);

    const c = await comment(suggestion.id, { links: { created_by: user.id } });
    await comment(suggestion.id);
    expect(await supporterComments()).toBe(1);
    await a.put(`/comments/${c.id}/spam`);
    expect(await supporterComments()).toBe(0);
    await a.put(`/comments/${c.id}/approve`);
    expect(await supporterComments()).toBe(1);
    await a.delete(`/comments/${c.id}`);
    expect(await supporterComments()).toBe(0);
    expect(await commentsCount(suggestion.id)).toBe(1);
  });

  it('404 record_not_found for unknown ids on every route; 404 not_found for an unknown action', async () => {
    const { suggestion } = await setup();
    const c = await comment(suggestion.id);
    const replies = [
      await a.get('/comments/999999'),
      await a.get(`/comments/${c.id},999999`),
      await a.get('/comments/abc'),
      await a.delete('/comments/999999'),
      await a.delete('/comments/abc'),
      await a.put('/comments/999999/approve'),
      await a.put('/comments/999999/spam'),
      await a.put('/comments/999999/unremove'),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual(NOT_FOUND);
    }
    const unknown = await a.put(`/comments/${c.id}/convert`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ errors: { error: 'not_found' } });
    expect((await a.get(`/comments/${c.id}`)).body.comments[0]).toEqual(c);
  });
});

describe('GET /admin/comments', () => {
  it('reads several ids in the requested order', async () => {
    const { suggestion } = await setup();
    const first = await comment(suggestion.id, { body: 'First' });
    const second = await comment(suggestion.id, { body: 'Second' });
    const reply = await a.get(`/comments/${second.id},${first.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ comments: [second, first], links: COMMENT_LINKS });
  });

  it('lists newest first with list_meta and pagination; filters by suggestion, state and creator', async () => {
    const { forum, suggestion } = await setup();
    const other = await a.suggestion(forum.id);
    const user = await a.user();
    const c1 = await comment(suggestion.id, { body: 'one', created_at: '2024-03-01T00:00:00Z' });
    const c2 = await comment(suggestion.id, { body: 'two', created_at: '2024-01-01T00:00:00Z', links: { created_by: user.id } });
    const c3 = await comment(other.id, { body: 'three', created_at: '2024-02-01T00:00:00Z', links: { created_by: user.id } });
    const c4 = await comment(suggestion.id, { body: 'four' });
    await a.put(`/comments/${c4.id}/spam`);
    const spam = { ...c4, state: 'spam', updated_at: expect.stringMatching(ISO_SECONDS) };

    const listed = await a.get(`/comments?suggestion=${suggestion.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      comments: [spam, c2, c1],
      links: COMMENT_LINKS,
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 3 },
    });

    const both = `suggestion=${suggestion.id},${other.id}`;
    expect(idsOf(await a.get(`/comments?${both}`))).toEqual([c4.id, c3.id, c2.id, c1.id]);
    expect(idsOf(await a.get(`/comments?suggestion=${suggestion.id}&suggestion=${other.id}`))).toEqual([c4.id, c3.id, c2.id, c1.id]);
    expect(idsOf(await a.get(`/comments?${both}&sort=created_at`))).toEqual([c2.id, c3.id, c1.id, c4.id]);
    expect(idsOf(await a.get(`/comments?${both}&sort=-created_at`))).toEqual([c4.id, c1.id, c3.id, c2.id]);
    expect(idsOf(await a.get(`/comments?${both}&state=spam`))).toEqual([c4.id]);
    expect(idsOf(await a.get(`/comments?${both}&state=-spam`))).toEqual([c3.id, c2.id, c1.id]);
    expect(idsOf(await a.get(`/comments?${both}&state=approved,deleted`))).toEqual([c3.id, c2.id, c1.id]);
    expect(idsOf(await a.get(`/comments?${both}&creator=${user.id}`))).toEqual([c3.id, c2.id]);
    expect(idsOf(await a.get(`/comments?creator=${user.id}&state=approved&sort=id`))).toEqual([c2.id, c3.id]);
    expect(idsOf(await a.get(`/comments?${both}&creator=${ownerId}&state=-spam`))).toEqual([c1.id]);

    const paged = await a.get(`/comments?${both}&per_page=3&sort=id`);
    expect(idsOf(paged)).toEqual([c1.id, c2.id, c3.id]);
    expect(paged.body.pagination).toEqual({ page: 1, per_page: 3, total_pages: 2, total_records: 4, cursor: expect.any(String), page_token: expect.any(String) });
    const next = await a.get(`/comments?${both}&per_page=3&sort=id&cursor=${encodeURIComponent(paged.body.pagination.cursor)}`);
    expect(idsOf(next)).toEqual([c4.id]);
  });

  it('400 for an unknown state, sort or a malformed id filter', async () => {
    const state = await a.get('/comments?state=hidden');
    expect(state.status).toBe(400);
    expect(state.body).toEqual({ errors: { error: 'bad_request', message: 'The parameter state accepts approved, spam, deleted' } });
    const negated = await a.get('/comments?state=-hidden');
    expect(negated.status).toBe(400);
    const sort = await a.get('/comments?sort=votes_count');
    expect(sort.status).toBe(400);
    expect(sort.body.errors.error).toBe('bad_request');
    const suggestion = await a.get('/comments?suggestion=abc');
    expect(suggestion.status).toBe(400);
    expect(suggestion.body.errors.error).toBe('bad_request');
  });

  it('side-loads suggestions and users (the authors and the suggestions’ creators) with the links map', async () => {
    const { suggestion } = await setup();
    const user = await a.user();
    const c1 = await comment(suggestion.id, { body: 'by owner' });
    const c2 = await comment(suggestion.id, { body: 'by user', links: { created_by: user.id } });
    const s = await suggestionNow(suggestion.id);
    const users = (await a.get(`/users/${[ownerId, user.id].sort((x, y) => x - y).join(',')}`)).body.users;

    const reply = await a.get(`/comments?suggestion=${suggestion.id}&includes=suggestions,users`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      comments: [c2, c1],
      suggestions: [s],
      users,
      links: { ...COMMENT_LINKS, ...SUGGESTION_LINKS, ...USER_LINKS },
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 2 },
    });

    // The same on a read by id and with repeated keys; unknown names are ignored.
    const byId = await a.get(`/comments/${c2.id},${c1.id}?includes=suggestions&includes=users&includes=bogus`);
    expect(byId.body).toEqual({ comments: [c2, c1], suggestions: [s], users, links: { ...COMMENT_LINKS, ...SUGGESTION_LINKS, ...USER_LINKS } });

    // includes on a write.
    const created = await a.post('/comments', { body: 'with includes', includes: 'users', links: { suggestion: suggestion.id, created_by: user.id } });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      comments: [commentRecord(created.body.comments[0].id, 'with includes', suggestion.id, { is_admin_comment: false, links: { suggestion: suggestion.id, created_by: user.id } })],
      users: [users.find((u: any) => u.id === user.id)],
      links: { ...COMMENT_LINKS, ...USER_LINKS },
    });
  });

  it('runs the same number of SQL statements at per_page=1 and per_page=100 with includes', async () => {
    const forum = await a.forum();
    const suggestions = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    const users = [await a.user(), await a.user(), await a.user()];
    for (let i = 0; i < 30; i++) {
      await comment(suggestions[i % 3]!.id, { body: `bulk ${i}`, links: { created_by: users[i % 3]!.id } });
    }
    // The newest one by the owner: every page loads the owner with the authors, as the suggestions' creator.
    await comment(suggestions[0]!.id, { body: 'newest' });

    const counts: number[] = [];
    for (const perPage of [1, 100]) {
      app.sql.length = 0;
      const reply = await a.get(`/comments?per_page=${perPage}&includes=suggestions,users`);
      expect(reply.status).toBe(200);
      expect(reply.body.comments.length).toBe(perPage === 1 ? 1 : Math.min(100, reply.body.pagination.total_records));
      expect(reply.body.suggestions.length).toBeGreaterThanOrEqual(1);
      expect(reply.body.users.length).toBeGreaterThanOrEqual(1);
      counts.push(app.sql.length);
    }
    expect(counts[1]).toBe(counts[0]);
    // page + count + one round (suggestions and users, rendered in SQL: one statement,
    // resources/render.ts); comments have a field computed in JS, so their page and count stay two
    expect(counts).toEqual([3, 3]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { NOT_FOUND } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let ownerId: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  ownerId = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

const FEEDBACK_LINKS = (key: string) => ({
  [`${key}.suggestion`]: { type: 'suggestions' },
  [`${key}.suggestions`]: { type: 'suggestions' },
  [`${key}.user`]: { type: 'users' },
  [`${key}.supporter`]: { type: 'supporters' },
  [`${key}.ticket`]: { type: 'tickets' },
  [`${key}.created_by`]: { type: 'users' },
  [`${key}.updated_by`]: { type: 'users' },
});

const SUPPORTER_LINKS = {
  'supporters.suggestion': { type: 'suggestions' },
  'supporters.user': { type: 'users' },
  'supporters.created_by': { type: 'users' },
  'supporters.updated_by': { type: 'users' },
};

const NO_TRAITS = {
  account_id: null,
  account_name: null,
  account_plan: null,
  activity: null,
  rate_type: null,
  satisfaction_group: null,
  satisfaction_score: null,
  type: null,
};

async function setup() {
  return { ...(await a.forumWithSuggestion()), user: await a.user() };
}

const suggestionNow = (id: number) => a.one('suggestions', id);
const userNow = (id: number) => a.one('users', id);

describe('POST /admin/feedback (and /requests, /feedback_records)', () => {
  it('records the feedback and the user’s support; each path answers with its own collection key', async () => {
    const { suggestion, user } = await setup();
    const reply = await a.post('/feedback', {
      body: 'We need this for the EU team',
      links: { suggestion: suggestion.id, user: user.id },
      source_url: 'https://support.example.com/tickets/7',
      source_type: 'zendesk_ticket',
      source_guid: 'zd-7',
    });
    expect(reply.status).toBe(200);
    const supporterId = reply.body.feedback[0].links.supporter;
    expect(reply.body).toEqual({
      feedback: [
        {
          id: expect.any(Number),
          body: 'We need this for the EU team',
          body_mime_type: 'text/plain',
          channel: 'api',
          source_url: 'https://support.example.com/tickets/7',
          source_type: 'zendesk_ticket',
          source_guid: 'zd-7',
          severity: null,
          has_attachments: false,
          sentiment: null,
          sentiment_score: null,
          source: null,
          tag: null,
          created_at: expect.stringMatching(ISO_SECONDS),
          updated_at: expect.stringMatching(ISO_SECONDS),
          links: { suggestion: suggestion.id, suggestions: [suggestion.id], user: user.id, supporter: expect.any(Number), ticket: null, created_by: ownerId, updated_by: ownerId },
        },
      ],
      links: FEEDBACK_LINKS('feedback'),
    });

    const supporter = (await a.get(`/supporters/${supporterId}`)).body;
    expect(supporter).toEqual({
      supporters: [
        {
          id: supporterId,
          how: 'feedback',
          channel: 'api',
          is_subscribed: true,
          comments_count: 0,
          feedback_count: 1,
          requests_count: 1,
          traits: NO_TRAITS,
          importance_score: null,
          created_at: reply.body.feedback[0].created_at,
          updated_at: expect.stringMatching(ISO_SECONDS),
          links: { suggestion: suggestion.id, user: user.id, created_by: ownerId, updated_by: ownerId },
        },
      ],
      links: SUPPORTER_LINKS,
    });

    const s = await suggestionNow(suggestion.id);
    expect([s.supporters_count, s.votes_count, s.requests_count, s.first_support_at]).toEqual([1, 1, 1, reply.body.feedback[0].created_at]);
    expect((await userNow(user.id)).supported_suggestions_count).toBe(1);

    // The same user again, through the other two historical paths: one supporter, three feedback records.
    const requests = await a.post('/requests', undefined, { form: `body=Again;links.suggestion=${suggestion.id};links.user=${user.id};channel=admin;` });
    expect(requests.status).toBe(200);
    expect(Object.keys(requests.body)).toEqual(['requests', 'links']);
    expect(requests.body.links).toEqual(FEEDBACK_LINKS('requests'));
    expect(requests.body.requests[0]).toMatchObject({ body: 'Again', channel: 'admin', links: { supporter: supporterId } });
    const records = await a.post('/feedback_records', { feedback_record: { body: 'Wrapped', links: { suggestion: suggestion.id, user: user.id } } });
    expect(records.status).toBe(200);
    expect(records.body.links).toEqual(FEEDBACK_LINKS('feedback_records'));
    expect(records.body.feedback_records[0]).toMatchObject({ body: 'Wrapped', links: { supporter: supporterId } });

    const after = await suggestionNow(suggestion.id);
    expect([after.supporters_count, after.votes_count, after.requests_count]).toEqual([1, 1, 3]);
    expect((await a.get(`/supporters/${supporterId}`)).body.supporters[0]).toMatchObject({ feedback_count: 3, requests_count: 3 });
    expect((await userNow(user.id)).supported_suggestions_count).toBe(1);
  });

  it('subscribe=false records an unsubscribed supporter; a later feedback with subscribe=true resubscribes', async () => {
    const { suggestion, user } = await setup();
    const first = await a.post('/feedback', undefined, { form: `body=x&links.suggestion=${suggestion.id}&links.user=${user.id}&subscribe=false` });
    const supporterId = first.body.feedback[0].links.supporter;
    expect((await a.get(`/supporters/${supporterId}`)).body.supporters[0].is_subscribed).toBe(false);
    await a.post('/feedback', { body: 'y', subscribe: true, links: { suggestion: suggestion.id, user: user.id } });
    expect((await a.get(`/supporters/${supporterId}`)).body.supporters[0].is_subscribed).toBe(true);
  });

  it('created_at dates an imported feedback and the support it creates', async () => {
    const { suggestion, user } = await setup();
    const reply = await a.post('/feedback', { body: 'old', created_at: '2019-05-01T12:00:00+00:00', links: { suggestion: suggestion.id, user: user.id } });
    expect(reply.body.feedback[0].created_at).toBe('2019-05-01T12:00:00Z');
    expect((await suggestionNow(suggestion.id)).first_support_at).toBe('2019-05-01T12:00:00Z');
  });

  it('422 naming every bad field at once', async () => {
    const { suggestion, user } = await setup();
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { body: ["can't be blank"], 'links.suggestion': ["can't be blank"], 'links.user': ["can't be blank"] }],
      [{ body: ' ', links: { suggestion: suggestion.id, user: user.id } }, { body: ["can't be blank"] }],
      [{ body: 'x', links: { suggestion: 999999, user: 999998 } }, { 'links.suggestion': ['does not exist'], 'links.user': ['does not exist'] }],
      [{ body: 'x', links: { suggestion: suggestion.id, user: 999998 } }, { 'links.user': ['does not exist'] }],
      [{ body: 'x', channel: 'fax', links: { suggestion: suggestion.id, user: user.id } }, { channel: ['must be one of api, admin, bookmarklet, zendesk'] }],
      [{ body: 'x', severity: 'high', body_mime_type: 'image/png', links: { suggestion: suggestion.id, user: user.id } }, { severity: ['is invalid'], body_mime_type: ['must be one of text/plain, text/html'] }],
      [{ body: 'x', source_url: 'u'.repeat(2049), links: { suggestion: 'abc', user: user.id } }, { source_url: ['is too long (maximum is 2048 characters)'], 'links.suggestion': ['does not exist'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/feedback', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors });
    }
    // Nothing was written by any of them.
    expect((await a.get(`/feedback?suggestion=${suggestion.id}`)).body.feedback).toEqual([]);
    expect((await a.get(`/supporters?suggestion=${suggestion.id}`)).body.supporters).toEqual([]);
    expect((await userNow(user.id)).supported_suggestions_count).toBe(0);
  });
});

describe('GET, PUT, DELETE /admin/feedback', () => {
  it('lists newest-updated first by default, filters by suggestion, user, channel and source, 404s unknown ids', async () => {
    const { suggestion, user } = await setup();
    const other = await a.user();
    const ids: number[] = [];
    for (const [u, channel] of [[user, 'api'], [other, 'zendesk'], [user, 'admin']] as const) {
      ids.push((await a.post('/feedback', { body: channel, channel, source_guid: `g-${channel}`, links: { suggestion: suggestion.id, user: u.id } })).body.feedback[0].id);
    }
    // Touch the first so it becomes the most recently updated.
    // Timestamps have whole seconds on the wire: the next write happens two seconds later on the server's clock.
    app.clock.offsetMs += 2000;
    expect((await a.put(`/feedback/${ids[0]}`, { severity: 3 })).status).toBe(200);
    const listed = (await a.get(`/feedback?suggestion=${suggestion.id}`)).body;
    expect(listed.feedback.map((f: { id: number }) => f.id)).toEqual([ids[0], ids[2], ids[1]]);
    expect(listed.pagination).toEqual({ page: 1, per_page: 20, total_pages: 1, total_records: 3 });
    const ofUser = (await a.get(`/requests?suggestion=${suggestion.id}&user=${user.id}&sort=id`)).body.requests;
    expect(ofUser.map((f: { id: number }) => f.id)).toEqual([ids[0], ids[2]]);
    expect((await a.get(`/feedback_records?suggestion=${suggestion.id}&channel=zendesk`)).body.feedback_records.map((f: { id: number }) => f.id)).toEqual([ids[1]]);
    expect((await a.get(`/feedback?suggestion=${suggestion.id}&source_guid=g-admin`)).body.feedback.map((f: { id: number }) => f.id)).toEqual([ids[2]]);
    expect((await a.get('/feedback?channel=fax')).status).toBe(400);
    for (const path of ['/feedback/999999', '/requests/999999', '/feedback_records/999999']) {
      const missing = await a.get(path);
      expect([missing.status, missing.body]).toEqual([404, NOT_FOUND]);
    }
  });

  it('PUT changes text and source, stamps updated_by, and cannot move the feedback', async () => {
    const { suggestion, user } = await setup();
    const created = (await a.post('/feedback', { body: 'first', links: { suggestion: suggestion.id, user: user.id } })).body.feedback[0];
    const elsewhere = await a.suggestion((await a.forum()).id);
    const updated = await a.put(`/requests/${created.id}`, undefined, {
      form: `body=second&body_mime_type=text/html&source_type=zendesk_user&severity=2&links.suggestion=${elsewhere.id}`,
    });
    expect(updated.status).toBe(200);
    expect(updated.body.requests[0]).toEqual({
      ...created,
      body: 'second',
      body_mime_type: 'text/html',
      source_type: 'zendesk_user',
      severity: 2,
      updated_at: expect.stringMatching(ISO_SECONDS),
    });
    const bad = await a.put(`/feedback/${created.id}`, { body: '', channel: 'carrier-pigeon' });
    expect([bad.status, bad.body]).toEqual([422, { errors: { body: ["can't be blank"], channel: ['must be one of api, admin, bookmarklet, zendesk'] } }]);
    const missing = await a.put('/feedback/999999', { body: 'x' });
    expect([missing.status, missing.body]).toEqual([404, NOT_FOUND]);
  });

  it("DELETE answers with the record; deleting a user's last feedback on a suggestion removes their support", async () => {
    const { suggestion, user } = await setup();
    const one = (await a.post('/feedback', { body: 'one', links: { suggestion: suggestion.id, user: user.id } })).body.feedback[0];
    const two = (await a.post('/feedback', { body: 'two', links: { suggestion: suggestion.id, user: user.id } })).body.feedback[0];
    const deleted = await a.delete(`/feedback/${one.id}`);
    expect([deleted.status, deleted.body.feedback]).toEqual([200, [one]]);
    expect((await a.get(`/supporters/${one.links.supporter}`)).body.supporters[0]).toMatchObject({ feedback_count: 1, requests_count: 1 });
    expect((await suggestionNow(suggestion.id))).toMatchObject({ supporters_count: 1, votes_count: 1, requests_count: 1 });

    expect((await a.delete(`/feedback_records/${two.id}`)).status).toBe(200);
    const gone = await a.get(`/supporters/${one.links.supporter}`);
    expect([gone.status, gone.body]).toEqual([404, NOT_FOUND]);
    expect(await suggestionNow(suggestion.id)).toMatchObject({ supporters_count: 0, votes_count: 0, requests_count: 0, first_support_at: null });
    expect((await userNow(user.id)).supported_suggestions_count).toBe(0);
    const again = await a.delete(`/feedback/${two.id}`);
    expect([again.status, again.body]).toEqual([404, NOT_FOUND]);
  });
});

describe('GET /admin/supporters', () => {
  it('filters by suggestion, user and forum; side-loads users and suggestions; SQL statements do not grow with the page', async () => {
    const forum = await a.forum();
    const otherForum = await a.forum();
    const s1 = await a.suggestion(forum.id);
    const s2 = await a.suggestion(forum.id);
    const s3 = await a.suggestion(otherForum.id);
    const users = [await a.user(), await a.user(), await a.user()];
    const supporterIds: Record<string, number> = {};
    for (const [s, u] of [[s1, 0], [s1, 1], [s2, 1], [s3, 2], [s3, 0]] as const) {
      const reply = await a.post('/feedback', { body: 'x', links: { suggestion: s.id, user: users[u]!.id } });
      supporterIds[`${s.id}:${u}`] = reply.body.feedback[0].links.supporter;
    }
    const idsOf = (reply: { body: { supporters: Array<{ id: number }> } }) => reply.body.supporters.map((s) => s.id);
    expect(idsOf(await a.get(`/supporters?suggestion=${s1.id}&sort=id`))).toEqual([supporterIds[`${s1.id}:0`], supporterIds[`${s1.id}:1`]]);
    expect(idsOf(await a.get(`/supporters?user=${users[1]!.id}&sort=id`))).toEqual([supporterIds[`${s1.id}:1`], supporterIds[`${s2.id}:1`]]);
    expect(idsOf(await a.get(`/supporters?forum=${otherForum.id}&sort=id`))).toEqual([supporterIds[`${s3.id}:2`], supporterIds[`${s3.id}:0`]]);
    expect(idsOf(await a.get(`/supporters?forum=${forum.id}&user=${users[0]!.id}`))).toEqual([supporterIds[`${s1.id}:0`]]);
    // Users who support a suggestion, and suggestions a user supports.
    const supportersOfS3 = (await a.get(`/users?suggestion=${s3.id}&sort=id`)).body.users.map((u: { id: number }) => u.id);
    expect(supportersOfS3).toEqual([users[0]!.id, users[2]!.id]);
    const supportedBy = (await a.get(`/suggestions?supporter=${users[1]!.id}&sort=id`)).body.suggestions.map((s: { id: number }) => s.id);
    expect(supportedBy).toEqual([s1.id, s2.id]);

    const withIncludes = (await a.get(`/supporters?suggestion=${s1.id}&includes=users,suggestions&sort=id`)).body;
    expect(withIncludes.users.map((u: { id: number }) => u.id)).toEqual([ownerId, users[0]!.id, users[1]!.id].sort((x, y) => x - y));
    expect(withIncludes.suggestions.map((s: { id: number }) => s.id)).toEqual([s1.id]);
    expect(withIncludes.links).toMatchObject(SUPPORTER_LINKS);

    const counts: number[] = [];
    for (const perPage of [1, 100]) {
      app.sql.length = 0;
      const reply = await a.get(`/supporters?per_page=${perPage}&includes=users,suggestions,forums`);
      expect(reply.status).toBe(200);
      counts.push(app.sql.length);
    }
    expect(counts[0]).toBe(counts[1]);
    const feedbackCounts: number[] = [];
    for (const perPage of [1, 100]) {
      app.sql.length = 0;
      expect((await a.get(`/feedback?per_page=${perPage}&includes=users,suggestions,supporters`)).status).toBe(200);
      feedbackCounts.push(app.sql.length);
    }
    // page + count + users and suggestions (one statement: rendered in SQL,
    // resources/render.ts) + supporters
    expect(feedbackCounts).toEqual([4, 4]);
  });

  it('is read-only: POST, PUT and DELETE answer 405', async () => {
    for (const [method, path] of [['POST', '/supporters'], ['PUT', '/supporters/1'], ['DELETE', '/supporters/1']] as const) {
      const reply = await (method === 'POST' ? a.post(path, {}) : method === 'PUT' ? a.put(path, {}) : a.delete(path));
      expect(reply.status, `${method} ${path}`).toBe(405);
    }
  });
});

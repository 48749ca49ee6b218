import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { countersAndRecount } from '../helpers/mixed-writes.ts';

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

/** The suggestion's sentiment fields as served. */
async function served(suggestionId: number) {
  const s = (await a.get(`/suggestions/${suggestionId}`)).body.suggestions[0];
  return {
    satisfaction_promoter_count: s.satisfaction_promoter_count,
    satisfaction_neutral_count: s.satisfaction_neutral_count,
    satisfaction_detractor_count: s.satisfaction_detractor_count,
    sentiment_score: s.sentiment_score,
    total_sentiment_score: s.total_sentiment_score,
  };
}

/** The same fields recomputed from the feedback records the API lists (an oracle independent of counters.ts). */
async function recounted(suggestionId: number) {
  const reply = await a.get(`/feedback?suggestion=${suggestionId}&per_page=100`);
  const feedback: Rec[] = reply.body.feedback;
  expect(reply.body.pagination.total_records).toBe(feedback.length);
  const n = (sentiment: string) => feedback.filter((f) => f.sentiment === sentiment).length;
  const rated = feedback.filter((f) => f.sentiment_score !== null);
  const total = rated.reduce((sum, f) => sum + f.sentiment_score, 0);
  return {
    satisfaction_promoter_count: n('positive'),
    satisfaction_neutral_count: n('neutral'),
    satisfaction_detractor_count: n('negative'),
    sentiment_score: rated.length === 0 ? null : Math.round((total * 100) / rated.length) / 100,
    total_sentiment_score: rated.length === 0 ? null : total,
  };
}

async function expectExact(suggestionId: number) {
  expect(await served(suggestionId)).toEqual(await recounted(suggestionId));
}

describe('feedback sentiment, source and tag', () => {
  it('are written, served on all three feedback paths, and filter the list', async () => {
    const { suggestion } = await a.forumWithSuggestion();
    const user = await a.user();
    const reply = await a.post('/feedback_records', {
      body: 'Love the new export',
      sentiment: 'positive',
      source: 'in_app_widget',
      tag: 'export',
      links: { suggestion: suggestion.id, user: user.id },
    });
    expect(reply.status).toBe(200);
    const record = reply.body.feedback_records[0];
    expect(record).toEqual({
      id: expect.any(Number),
      body: 'Love the new export',
      body_mime_type: 'text/plain',
      channel: 'api',
      source_url: null,
      source_type: null,
      source_guid: null,
      severity: null,
      has_attachments: false,
      sentiment: 'positive',
      sentiment_score: 1,
      source: 'in_app_widget',
      tag: 'export',
      created_at: expect.stringMatching(ISO_SECONDS),
      updated_at: expect.stringMatching(ISO_SECONDS),
      links: {
        suggestion: suggestion.id,
        suggestions: [suggestion.id],
        user: user.id,
        supporter: expect.any(Number),
        ticket: null,
        created_by: ownerId,
        updated_by: ownerId,
      },
    });
    // Form-encoded, neutral; then one without a sentiment at all.
    const neutral = await a.post('/requests', undefined, { form: `body=Fine&sentiment=neutral&source=email&tag=billing&links.suggestion=${suggestion.id}&links.user=${user.id}` });
    expect(neutral.body.requests[0]).toMatchObject({ sentiment: 'neutral', sentiment_score: 0, source: 'email', tag: 'billing' });
    const plain = (await a.post('/feedback', { body: 'No mood', links: { suggestion: suggestion.id, user: user.id } })).body.feedback[0];
    expect([plain.sentiment, plain.sentiment_score, plain.source, plain.tag]).toEqual([null, null, null, null]);

    const ids = async (query: string) => (await a.get(`/feedback?suggestion=${suggestion.id}&sort=id&${query}`)).body.feedback.map((f: Rec) => f.id);
    expect(await ids('sentiment=positive,neutral')).toEqual([record.id, neutral.body.requests[0].id]);
    expect(await ids('source=email')).toEqual([neutral.body.requests[0].id]);
    expect(await ids('tag=export&tag=billing')).toEqual([record.id, neutral.body.requests[0].id]);
    const badFilter = await a.get('/feedback?sentiment=angry');
    expect(badFilter.status).toBe(400);
  });

  it('422 names the field for a sentiment outside the three values and for over-long source and tag; nothing is written', async () => {
    const { suggestion } = await a.forumWithSuggestion();
    const user = await a.user();
    const links = { suggestion: suggestion.id, user: user.id };
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{ body: 'x', sentiment: 'ecstatic', links }, { sentiment: ['must be one of positive, neutral, negative'] }],
      [{ body: 'x', sentiment: 1, links }, { sentiment: ['must be one of positive, neutral, negative'] }],
      [{ body: 'x', source: 's'.repeat(65), tag: 't'.repeat(65), links }, { source: ['is too long (maximum is 64 characters)'], tag: ['is too long (maximum is 64 characters)'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/feedback', json);
      expect([reply.status, reply.body], JSON.stringify(json)).toEqual([422, { errors }]);
    }
    expect((await a.get(`/feedback?suggestion=${suggestion.id}`)).body.feedback).toEqual([]);
    expect(await served(suggestion.id)).toEqual({
      satisfaction_promoter_count: 0,
      satisfaction_neutral_count: 0,
      satisfaction_detractor_count: 0,
      sentiment_score: null,
      total_sentiment_score: null,
    });
    const created = (await a.post('/feedback', { body: 'x', sentiment: 'negative', links })).body.feedback[0];
    const bad = await a.put(`/feedback/${created.id}`, { sentiment: 'meh' });
    expect([bad.status, bad.body]).toEqual([422, { errors: { sentiment: ['must be one of positive, neutral, negative'] } }]);
    expect((await a.one('feedback', created.id)).sentiment).toBe('negative');
  });

  it("keep the suggestion's counters and scores equal to a recount through creates, updates, deletes and a merge", async () => {
    const forum = await a.forum();
    const main = await a.suggestion(forum.id);
    const dup = await a.suggestion(forum.id);
    const [ann, bob, cat] = [await a.user(), await a.user(), await a.user()];
    const give = async (s: number, u: number, sentiment?: string) =>
      (await a.post('/feedback', { body: `${sentiment ?? 'none'}`, ...(sentiment ? { sentiment } : {}), links: { suggestion: s, user: u } })).body.feedback[0];

    const f1 = await give(main.id, ann.id, 'positive');
    const f2 = await give(main.id, bob.id, 'positive');
    const f3 = await give(main.id, cat.id, 'negative');
    await give(main.id, ann.id);
    expect(await served(main.id)).toEqual({
      satisfaction_promoter_count: 2,
      satisfaction_neutral_count: 0,
      satisfaction_detractor_count: 1,
      sentiment_score: 0.33,
      total_sentiment_score: 1,
    });
    await expectExact(main.id);

    // PUT changes the sentiment (and the counters move with it, in the same transaction) or clears it.
    const changed = await a.put(`/feedback/${f2.id}`, { sentiment: 'neutral' });
    expect(changed.status).toBe(200);
    expect(changed.body.feedback[0]).toMatchObject({ sentiment: 'neutral', sentiment_score: 0 });
    expect((await a.put(`/feedback/${f1.id}`, { sentiment: null })).body.feedback[0]).toMatchObject({ sentiment: null, sentiment_score: null });
    expect(await served(main.id)).toEqual({
      satisfaction_promoter_count: 0,
      satisfaction_neutral_count: 1,
      satisfaction_detractor_count: 1,
      sentiment_score: -0.5,
      total_sentiment_score: -1,
    });
    await expectExact(main.id);

    // DELETE takes the feedback's sentiment away.
    expect((await a.delete(`/feedback/${f3.id}`)).status).toBe(200);
    await expectExact(main.id);

    // A merge moves the duplicate's feedback, and its sentiment, to the target.
    await give(dup.id, cat.id, 'positive');
    await give(dup.id, bob.id, 'positive');
    await expectExact(dup.id);
    const merged = await a.post('/suggestions/bulk/merge', { include_ids: [dup.id], action: { links: { to_suggestion: main.id } } });
    expect(merged.status).toBe(200);
    expect(await served(main.id)).toEqual({
      satisfaction_promoter_count: 2,
      satisfaction_neutral_count: 1,
      satisfaction_detractor_count: 0,
      sentiment_score: 0.67,
      total_sentiment_score: 2,
    });
    await expectExact(main.id);
    await expectExact(dup.id);

    // And every stored counter in the database equals what a full recount computes from the rows.
    const { stored, recounted: recount } = await countersAndRecount(app);
    expect(stored).toEqual(recount);
  });
});

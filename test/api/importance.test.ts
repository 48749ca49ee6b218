import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let owner: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  owner = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

const TIME = expect.stringMatching(ISO_SECONDS);
const SCORE_LINKS = {
  'importance_scores.suggestion': { type: 'suggestions' },
  'importance_scores.user': { type: 'users' },
  'importance_scores.response': { type: 'importance_responses' },
};
const RESPONSE_LINKS = { 'importance_responses.user': { type: 'users' } };

const scoreRecord = (id: number, suggestion: number, user: number, response: number) => ({ id, created_at: TIME, updated_at: TIME, links: { suggestion, user, response } });
const responseRecord = (id: number, user: number, value: number, label: string) => ({ id, label, value, created_at: TIME, updated_at: TIME, links: { user } });

const score = async (suggestion: number, user: number | undefined, value: unknown) => {
  const reply = await a.post('/importance_scores', { value, links: { suggestion, ...(user === undefined ? {} : { user }) } });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.importance_scores[0];
};

const importanceOf = async (id: number) => {
  const s = await a.one('suggestions', id);
  return Object.fromEntries(Object.entries(s).filter(([key]) => key.startsWith('importance_')));
};

describe('importance_scores and importance_responses', () => {
  // About 25 requests in sequence: 20 s on a machine shared by eight test runs, past the default 30 s once.
  it('a score records the user’s response; the suggestion’s counts, percentages and average follow; supporters show the label', { timeout: 90_000 }, async () => {
    const { suggestion } = await a.forumWithSuggestion();
    const [u1, u2, u3] = [await a.user(), await a.user(), await a.user()];
    expect(await importanceOf(suggestion.id)).toEqual({
      importance_low_count: 0,
      importance_medium_count: 0,
      importance_high_count: 0,
      importance_total_count: 0,
      importance_low_percent: 0,
      importance_medium_percent: 0,
      importance_high_percent: 0,
      importance_score_average: null,
    });

    const reply = await a.post('/importance_scores', { value: 3, links: { suggestion: suggestion.id, user: u1.id } });
    expect(reply.status, reply.text).toBe(200);
    const s1 = reply.body.importance_scores[0];
    expect(reply.body).toEqual({ importance_scores: [scoreRecord(s1.id, suggestion.id, u1.id, s1.links.response)], links: SCORE_LINKS });
    const response = await a.get(`/importance_responses/${s1.links.response}`);
    expect(response.body).toEqual({ importance_responses: [responseRecord(s1.links.response, u1.id, 3, 'Critical')], links: RESPONSE_LINKS });

    await score(suggestion.id, u2.id, 'important');
    const form = await a.post('/importance_scores', undefined, { form: `value=1&links.suggestion=${suggestion.id}&links.user=${u3.id}` });
    expect(form.status).toBe(200);
    expect(await importanceOf(suggestion.id)).toEqual({
      importance_low_count: 1,
      importance_medium_count: 1,
      importance_high_count: 1,
      importance_total_count: 3,
      importance_low_percent: 33.33,
      importance_medium_percent: 33.33,
      importance_high_percent: 33.33,
      importance_score_average: '2.00',
    });

    // Answering again changes the user's response, under the same score.
    const again = await score(suggestion.id, u3.id, 3);
    expect(again).toEqual({ ...form.body.importance_scores[0], updated_at: TIME });
    expect((await a.get(`/importance_responses/${again.links.response}`)).body.importance_responses[0]).toEqual(responseRecord(again.links.response, u3.id, 3, 'Critical'));
    expect(await importanceOf(suggestion.id)).toEqual({
      importance_low_count: 0,
      importance_medium_count: 1,
      importance_high_count: 2,
      importance_total_count: 3,
      importance_low_percent: 0,
      importance_medium_percent: 33.33,
      importance_high_percent: 66.67,
      importance_score_average: '2.67',
    });

    // The token's user by default; a supporter shows their label.
    const mine = await score(suggestion.id, undefined, 2);
    expect(mine.links.user).toBe(owner);
    await a.onSuggestion('feedback', suggestion.id, { body: 'yes', links: { user: u1.id } });
    const supporters = (await a.get(`/supporters?suggestion=${suggestion.id}`)).body.supporters;
    expect(supporters.map((s: { importance_score: unknown }) => s.importance_score)).toEqual(['Critical']);

    // Side-loading: the score's response and user.
    const side = await a.get(`/importance_scores/${s1.id}?includes=importance_responses`);
    expect(side.body).toEqual({ importance_scores: [s1], importance_responses: response.body.importance_responses, links: { ...SCORE_LINKS, ...RESPONSE_LINKS } });

    // Filters.
    expect(await listIds(a, `/importance_scores?suggestion=${suggestion.id}&user=${u1.id},${u2.id}`)).toHaveLength(2);
    expect(await listIds(a, `/importance_responses?user=${u1.id}`)).toEqual([s1.links.response]);

    // DELETE removes the score and its response and recounts; the supporter's label goes with a new updated_at.
    await app.server.db.orm.em.fork().getKysely<DB>().updateTable('supporters').set({ updated_at: new Date('2024-01-01T00:00:00Z') }).where('suggestion_id', '=', suggestion.id).execute();
    const deleted = await a.delete(`/importance_scores/${s1.id}`);
    expect(deleted.body).toEqual({ importance_scores: [s1], links: SCORE_LINKS });
    expect((await a.get(`/importance_responses/${s1.links.response}`)).body).toEqual(NOT_FOUND);
    expect((await importanceOf(suggestion.id)).importance_high_count).toBe(1);
    const changed = (await a.get(`/supporters?suggestion=${suggestion.id}&updated_after=2024-06-01T00:00:00Z`)).body.supporters;
    expect(changed.map((x: { importance_score: unknown; links: { user: number } }) => [x.links.user, x.importance_score])).toEqual([[u1.id, null]]);
    expect((await a.delete(`/importance_scores/${s1.id}`)).body).toEqual(NOT_FOUND);
  });

  it('422 for a bad value, a missing or unknown suggestion or user; nothing is written', async () => {
    const { suggestion } = await a.forumWithSuggestion();
    const before = await listIds(a, '/importance_scores?per_page=100');
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { 'links.suggestion': ["can't be blank"], value: ["can't be blank"] }],
      [{ value: 4, links: { suggestion: suggestion.id } }, { value: ['must be 1, 2 or 3 (Nice to have, Important, Critical)'] }],
      [{ value: 'urgent', links: { suggestion: 999_999, user: 999_999 } }, { value: ['must be 1, 2 or 3 (Nice to have, Important, Critical)'], 'links.suggestion': ['does not exist'], 'links.user': ['does not exist'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/importance_scores', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body).toEqual({ errors });
    }
    expect(await listIds(a, '/importance_scores?per_page=100')).toEqual(before);
    expect((await a.post('/importance_responses', { value: 1 })).status).toBe(405);
  });

  it('both lists walk by cursor, sort, and filter by updated_after', async () => {
    const { suggestion } = await a.forumWithSuggestion();
    for (let i = 0; i < 8; i++) await score(suggestion.id, (await a.user()).id, (i % 3) + 1);
    for (const type of ['importance_scores', 'importance_responses']) {
      const all = await listIds(a, `/${type}?per_page=100`);
      expect(await walkCursor(a, `/${type}?per_page=3`)).toEqual(all);
      expect(await walkCursor(a, `/${type}?per_page=3&sort=created_at`)).toEqual(await listIds(a, `/${type}?per_page=100&sort=created_at`));
      await checkUpdatedWindow(app, a, type, [all[0]!, all[1]!, all[2]!]);
    }
    expect(await walkCursor(a, '/importance_responses?per_page=3&sort=-value')).toEqual(await listIds(a, '/importance_responses?per_page=100&sort=-value'));
  });
});

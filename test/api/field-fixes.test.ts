import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_OWNER_EMAIL, loadConfig } from '../../src/config.ts';
import { registry } from '../../src/resources/registry.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS, type Reply } from '../helpers/http.ts';
import { NOT_FOUND } from '../helpers/wire.ts';

/**
 * Issue 13 item 5: fields and parameters real clients need (the Singer tap's schemas, the 2018 C# SDK,
 * uservoice-to-aha, the Airbyte manifest).
 */
let app: TestApp;
let a: Api;
let ownerId: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  ownerId = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

function expectBadRequest(reply: Reply, mentions: string) {
  expect(reply.status, reply.text).toBe(400);
  expect(reply.body).toEqual({ errors: { error: 'bad_request', message: expect.stringContaining(mentions) } });
}

/** A suggestion with one supporter (through feedback), so every engagement collection has a row. */
async function supported() {
  const { forum, suggestion } = await a.forumWithSuggestion();
  const user = await a.user();
  const feedback = (await a.post('/feedback', { body: 'Yes please', links: { suggestion: suggestion.id, user: user.id } })).body.feedback[0];
  return { forum, suggestion, user, feedback };
}

describe('suggestions: the Singer tap’s numbers and Airbyte’s newer fields', () => {
  it('sends the tap’s non-nullable numbers as numbers and the importance, sentiment and internal-flag fields', async () => {
    const { suggestion } = await a.forumWithSuggestion();
    const record = (await a.get(`/suggestions/${suggestion.id}`)).body.suggestions[0];
    // tap_uservoice/streams/suggestions.py: {"type": "number"}, no null.
    for (const name of ['average_engagement', 'engagement_trend', 'supporter_mrr', 'supporter_satisfaction_score']) {
      expect(typeof record[name], name).toBe('number');
    }
    expect(record).toMatchObject({
      average_engagement: 0,
      engagement_trend: 0,
      supporter_satisfaction_score: 0,
      total_sentiment_score: null,
      all_internal_flags_count: 0,
      last_internal_flag_at: null,
      importance_low_count: 0,
      importance_medium_count: 0,
      importance_high_count: 0,
      importance_total_count: 0,
      importance_low_percent: 0,
      importance_medium_percent: 0,
      importance_high_percent: 0,
      importance_score_average: null,
    });
    expect(record.links).toEqual({
      forum: suggestion.links.forum,
      category: null,
      created_by: ownerId,
      labels: [],
      status: null,
      last_status_update: null,
      parent_suggestion: null,
      parent_suggestions: [],
      ticket: null,
      captured_by: null,
      features: [],
      custom_fields: [],
      last_internal_status_update: null,
    });
  });

  it('names every new link in the top-level links map', async () => {
    const { suggestion } = await a.forumWithSuggestion();
    const links = (await a.get(`/suggestions/${suggestion.id}`)).body.links;
    expect(links).toMatchObject({
      'suggestions.parent_suggestions': { type: 'suggestions' },
      'suggestions.captured_by': { type: 'users' },
      'suggestions.features': { type: 'features' },
      'suggestions.custom_fields': { type: 'custom_fields' },
      'suggestions.last_internal_status_update': { type: 'internal_status_updates' },
    });
  });

  it('lists the merge target in links.parent_suggestions as well as links.parent_suggestion', async () => {
    const forum = await a.forum();
    const target = await a.suggestion(forum.id);
    const merged = await a.suggestion(forum.id);
    const reply = await a.post('/suggestions/bulk/merge', { include_ids: [merged.id], action: { links: { to_suggestion: target.id } } });
    expect(reply.status, reply.text).toBe(200);
    const after = (await a.get(`/suggestions/${merged.id},${target.id}`)).body.suggestions;
    expect(after.map((s: any) => [s.links.parent_suggestion, s.links.parent_suggestions])).toEqual([
      [target.id, [target.id]],
      [null, []],
    ]);
  });
});

describe('feedback records: links.suggestions beside links.suggestion', () => {
  it('sends the suggestion as a one-element array under all three collection names', async () => {
    const { suggestion, feedback } = await supported();
    for (const collection of ['feedback', 'requests', 'feedback_records']) {
      const reply = await a.get(`/${collection}/${feedback.id}`);
      expect(reply.body[collection][0].links, collection).toMatchObject({ suggestion: suggestion.id, suggestions: [suggestion.id] });
      expect(reply.body.links[`${collection}.suggestions`]).toEqual({ type: 'suggestions' });
    }
    // uservoice-to-aha reads links.suggestions[0] from the list.
    const listed = await a.get(`/feedback_records?suggestion=${suggestion.id}`);
    expect(listed.body.feedback_records.map((f: any) => f.links.suggestions[0])).toEqual([suggestion.id]);
  });

  it('side-loads the suggestions it lists', async () => {
    const { suggestion, feedback } = await supported();
    const reply = await a.get(`/feedback_records/${feedback.id}?includes=suggestions`);
    expect(reply.body.suggestions.map((s: any) => s.id)).toEqual([suggestion.id]);
  });
});

describe('users: traits.id and the owner’s address', () => {
  it('sends traits.id as a string (the SDK’s UserTraits.Id, Airbyte’s schema)', async () => {
    const user = await a.user();
    const record = (await a.get(`/users/${user.id}`)).body.users[0];
    expect(record.traits.id).toBe(String(user.id));
  });

  it('gives the account owner OWNER_EMAIL, by default the demo data’s owner', async () => {
    const owner = (await a.get('/users/current')).body.users[0];
    expect(owner).toMatchObject({ is_owner: true, email_address: DEFAULT_OWNER_EMAIL });
    const demo = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/demo.json'), 'utf8'));
    expect(demo.users.find((u: any) => u.is_owner).email_address).toBe(DEFAULT_OWNER_EMAIL);
  });

  it('refuses an OWNER_EMAIL that is not an address', () => {
    expect(() => loadConfig({ OWNER_EMAIL: 'owner' })).toThrow(ConfigError);
    expect(loadConfig({ OWNER_EMAIL: ' ' }).ownerEmail).toBe(DEFAULT_OWNER_EMAIL);
  });

  it('takes OWNER_EMAIL from the environment', async () => {
    const other = await startTestApp({ env: { OWNER_EMAIL: 'Boss@Company.example' } });
    try {
      const b = await api(other);
      expect((await b.get('/users/current')).body.users[0]).toMatchObject({ is_owner: true, email_address: 'boss@company.example' });
    } finally {
      await other.close();
    }
  });
});

describe('supporters: importance_score', () => {
  it('is sent (null while the supporter has given no importance response; see importance.test.ts)', async () => {
    const { suggestion } = await supported();
    const record = (await a.get(`/supporters?suggestion=${suggestion.id}`)).body.supporters[0];
    expect(record).toHaveProperty('importance_score', null);
  });
});

/** Every collection served with a list route. */
const LISTS = [...registry.keys()];

describe('sorts', () => {
  it('answers 400 for names Object.prototype has, on every list', async () => {
    for (const type of LISTS) {
      for (const sort of ['constructor', '-constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty']) {
        expectBadRequest(await a.get(`/${type}?sort=${sort}`), 'Cannot sort');
      }
    }
  });

  it('ignores includes named like Object.prototype members, on every list', async () => {
    for (const type of LISTS) {
      const reply = await a.get(`/${type}?per_page=1&includes=constructor,__proto__,toString,hasOwnProperty`);
      expect(reply.status, `${type}: ${reply.text}`).toBe(200);
    }
  });

  it('sorts every list by created_at and updated_at (the sorts UserVoice clients send), both ways', async () => {
    for (const type of LISTS) {
      for (const sort of ['created_at', '-created_at', 'updated_at', '-updated_at', 'id', '-id']) {
        const reply = await a.get(`/${type}?sort=${sort}`);
        expect(reply.status, `${type}?sort=${sort}: ${reply.text}`).toBe(200);
      }
    }
  });

  it('sorts suggestions by -supporters_count and statuses by position', async () => {
    const { suggestion } = await supported();
    const forumId = suggestion.links.forum;
    const other = await a.suggestion(forumId);
    const reply = await a.get(`/suggestions?forum=${forumId}&sort=-supporters_count`);
    expect(reply.body.suggestions.map((s: any) => s.id)).toEqual([suggestion.id, other.id]);
    const low = await a.status({ position: 1 });
    const high = await a.status({ position: 2 });
    const ids = (await a.get('/statuses?sort=-position&per_page=100')).body.statuses.map((s: any) => s.id);
    expect(ids.indexOf(high.id)).toBeLessThan(ids.indexOf(low.id));
  });
});

describe('filter[name] parameters', () => {
  it('reads filter[suggestion_id] on supporters as UserVoice’s suggestion filter', async () => {
    const one = await supported();
    await supported();
    const plain = await a.get(`/supporters?suggestion=${one.suggestion.id}`);
    expect(plain.body.supporters).toHaveLength(1);
    for (const param of ['filter[suggestion_id]', 'filter[suggestion]', 'filter[suggestion_ids]', 'filter%5Bsuggestion_id%5D']) {
      const reply = await a.get(`/supporters?${param}=${one.suggestion.id}`);
      expect(reply.status, param).toBe(200);
      expect(reply.body, param).toEqual(plain.body);
    }
  });

  it('works on other lists and for updated_after; values add up with the plain form', async () => {
    const one = await supported();
    const two = await supported();
    const both = await a.get(`/feedback?suggestion=${one.suggestion.id}&filter[suggestion_id]=${two.suggestion.id}`);
    expect(both.body.feedback.map((f: any) => f.id).sort()).toEqual([one.feedback.id, two.feedback.id].sort());
    const comments = await a.get(`/comments?filter[suggestion_id]=${one.suggestion.id}`);
    expect(comments.status).toBe(200);
    expect(comments.body.pagination.total_records).toBe(0);
    const later = await a.get(`/feedback?filter[suggestion_id]=${one.suggestion.id}&filter[updated_after]=2999-01-01T00:00:00Z`);
    expect(later.body.feedback).toEqual([]);
  });

  it('validates bracketed values like plain ones and ignores names no filter has', async () => {
    expectBadRequest(await a.get('/supporters?filter[suggestion_id]=abc'), 'suggestion');
    const all = await a.get('/supporters?per_page=1');
    for (const param of ['filter[nope]=1', 'filter[constructor]=1', 'filter[__proto__]=1', 'filter[state_id]=1']) {
      const reply = await a.get(`/supporters?per_page=1&${param}`);
      expect(reply.status, param).toBe(200);
      expect(reply.body.pagination.total_records, param).toBe(all.body.pagination.total_records);
    }
  });
});

describe('pagination.page_token', () => {
  it('is the cursor under the 2018 SDK’s name, on every page but the last, and pages like cursor', async () => {
    const forum = await a.forum();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await a.suggestion(forum.id)).id);
    const first = await a.get(`/suggestions?forum=${forum.id}&per_page=2`);
    const { cursor, page_token } = first.body.pagination;
    expect(cursor).toEqual(expect.any(String));
    expect(page_token).toBe(cursor);
    const second = await a.get(`/suggestions?forum=${forum.id}&per_page=2&page_token=${page_token}`);
    expect(second.body.suggestions.map((s: any) => s.id)).toEqual([ids[0]]);
    expect(second.body.pagination).toEqual({ page: 2, per_page: 2, total_pages: 2, total_records: 3 });
  });
});

describe('PUT /admin/comments/{id}', () => {
  async function commented() {
    const { suggestion } = await a.forumWithSuggestion();
    const comment = await a.onSuggestion('comments', suggestion.id, { body: 'First draft' });
    return { suggestion, comment };
  }

  it('changes body and body_mime_type from JSON and from a form, and answers with the comment', async () => {
    const { suggestion, comment } = await commented();
    const reply = await a.put(`/comments/${comment.id}?includes=suggestions`, { body: '<p>Edited</p>', body_mime_type: 'text/html' });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.comments).toEqual([
      {
        ...comment,
        body: '<p>Edited</p>',
        body_mime_type: 'text/html',
        updated_at: expect.stringMatching(ISO_SECONDS),
      },
    ]);
    expect(reply.body.suggestions.map((s: any) => s.id)).toEqual([suggestion.id]);
    const form = await a.put(`/comments/${comment.id}`, undefined, { form: 'body=Edited+again;body_mime_type=text/plain' });
    expect(form.status, form.text).toBe(200);
    expect(form.body.comments[0]).toMatchObject({ body: 'Edited again', body_mime_type: 'text/plain', links: comment.links });
    expect((await a.get(`/comments/${comment.id}`)).body.comments[0].body).toBe('Edited again');
  });

  it('moves state like the actions do, and comments_count with it', async () => {
    const { suggestion, comment } = await commented();
    expect((await a.one('suggestions', suggestion.id)).comments_count).toBe(1);
    const spam = await a.put(`/comments/${comment.id}`, { state: 'spam' });
    expect(spam.body.comments[0].state).toBe('spam');
    expect((await a.one('suggestions', suggestion.id)).comments_count).toBe(0);
    await a.put(`/comments/${comment.id}`, undefined, { form: 'state=approved' });
    expect((await a.one('suggestions', suggestion.id)).comments_count).toBe(1);
  });

  it('answers 422 for a blank body or an unknown state, 404 for an unknown id, and ignores read-only fields', async () => {
    const { suggestion, comment } = await commented();
    const bad = await a.put(`/comments/${comment.id}`, { body: ' ', state: 'hidden' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ errors: { body: ["can't be blank"], state: ['must be one of approved, spam, deleted'] } });
    expect(await a.one('comments', comment.id)).toEqual(comment);
    expect(await a.put('/comments/999999', { body: 'x' })).toMatchObject({ status: 404, body: NOT_FOUND });
    const other = await a.forumWithSuggestion();
    const moved = await a.put(`/comments/${comment.id}`, { links: { suggestion: other.suggestion.id }, is_admin_comment: false });
    expect(moved.status).toBe(200);
    expect(moved.body.comments[0].links.suggestion).toBe(suggestion.id);
    expect(moved.body.comments[0].is_admin_comment).toBe(true);
  });
});

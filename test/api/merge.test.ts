import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { SUGGESTION_LINKS } from '../helpers/wire.ts';

const { a } = useTestApp();

const suggestionNow = (id: number) => a.one('suggestions', id);
const support = (suggestionId: number, userId: number, fields: Record<string, unknown> = {}) =>
  a.onSuggestion('feedback', suggestionId, { body: 'me too', ...fields, links: { user: userId } });
const merge = (json: unknown) => a.post('/suggestions/bulk/merge', json);

describe('POST /admin/suggestions/bulk/merge', () => {
  it('answers 200 with the target; merged suggestions get parent_suggestion and leave the counts; support moves without duplicates', async () => {
    const forum = await a.forum();
    const target = await a.suggestion(forum.id);
    const dupA = await a.suggestion(forum.id);
    const dupB = await a.suggestion(forum.id);
    const [both, onlyA, onlyB, all] = [await a.user(), await a.user(), await a.user(), await a.user()];
    await support(target.id, all.id, { created_at: '2021-03-01T00:00:00Z' });
    const bothOnA = await support(dupA.id, both.id, { created_at: '2020-01-01T00:00:00Z' });
    await support(dupB.id, both.id, { created_at: '2020-06-01T00:00:00Z' });
    await support(dupA.id, onlyA.id);
    await support(dupB.id, onlyB.id);
    await support(dupA.id, all.id, { created_at: '2019-01-01T00:00:00Z' });
    await support(dupB.id, all.id);
    await a.post('/comments', { body: 'on A', links: { suggestion: dupA.id } });
    expect((await a.get(`/forums/${forum.id}`)).body.forums[0]).toMatchObject({ suggestions_count: 3, open_suggestions_count: 3 });

    const reply = await merge({ include_ids: [dupA.id, dupB.id], action: { links: { to_suggestion: target.id }, notify_supporters: false } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      suggestions: [
        {
          ...(await suggestionNow(target.id)),
          supporters_count: 4,
          votes_count: 4,
          requests_count: 7,
          first_support_at: '2019-01-01T00:00:00Z',
          comments_count: 0,
        },
      ],
      links: SUGGESTION_LINKS,
    });
    for (const dup of [dupA, dupB]) {
      expect(await suggestionNow(dup.id)).toMatchObject({
        links: { parent_suggestion: target.id },
        supporters_count: 0,
        votes_count: 0,
        requests_count: 0,
        first_support_at: null,
        comments_count: dup.id === dupA.id ? 1 : 0,
        updated_at: expect.stringMatching(ISO_SECONDS),
      });
    }
    expect((await a.get(`/forums/${forum.id}`)).body.forums[0]).toMatchObject({ suggestions_count: 1, open_suggestions_count: 1 });

    // One supporter per user on the target, dated from the user's earliest support, carrying all their feedback.
    const supporters = (await a.get(`/supporters?suggestion=${target.id}&sort=id&per_page=100`)).body.supporters;
    const byUser = new Map(supporters.map((s: { links: { user: number } }) => [s.links.user, s]));
    expect([...byUser.keys()].sort()).toEqual([both.id, onlyA.id, onlyB.id, all.id].sort());
    expect(byUser.get(both.id)).toMatchObject({ id: bothOnA.links.supporter, feedback_count: 2, created_at: '2020-01-01T00:00:00Z' });
    expect(byUser.get(all.id)).toMatchObject({ feedback_count: 3, created_at: '2019-01-01T00:00:00Z' });
    expect(byUser.get(onlyA.id)).toMatchObject({ feedback_count: 1 });
    const feedback = (await a.get(`/feedback?suggestion=${target.id}&per_page=100`)).body.feedback;
    expect(feedback).toHaveLength(7);
    for (const f of feedback) expect(f.links.supporter).toBe((byUser.get(f.links.user) as { id: number }).id);
    expect((await a.get(`/supporters?suggestion=${dupA.id},${dupB.id}`)).body.supporters).toEqual([]);
    for (const [user, count] of [[both, 1], [onlyA, 1], [onlyB, 1], [all, 1]] as const) {
      expect((await a.get(`/users/${user.id}`)).body.users[0].supported_suggestions_count).toBe(count);
    }
  });

  it('accepts the dotted form encoding and a comma string of ids', async () => {
    const forum = await a.forum();
    const [target, x, y] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    const reply = await a.post('/suggestions/bulk/merge', undefined, {
      form: `include_ids=${x.id},${y.id}&action.links.to_suggestion=${target.id}&action.notify_supporters=true&action.reply_to=Merged`,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.suggestions.map((s: { id: number }) => s.id)).toEqual([target.id]);
    const indexed = await a.suggestion(forum.id);
    const again = await a.post('/suggestions/bulk/merge', undefined, { form: `include_ids[0]=${indexed.id}&action[links][to_suggestion]=${target.id}` });
    expect(again.status).toBe(200);
    for (const s of [x, y, indexed]) expect((await suggestionNow(s.id)).links.parent_suggestion).toBe(target.id);
  });

  it('keeps merges one level deep: what was merged into a merged suggestion moves to the new target', async () => {
    const forum = await a.forum();
    const [top, middle, leaf] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    const user = await a.user();
    await support(leaf.id, user.id);
    expect((await merge({ include_ids: [leaf.id], action: { links: { to_suggestion: middle.id } } })).status).toBe(200);
    expect((await suggestionNow(middle.id)).supporters_count).toBe(1);
    expect((await merge({ include_ids: [middle.id], action: { links: { to_suggestion: top.id } } })).status).toBe(200);
    expect((await suggestionNow(leaf.id)).links.parent_suggestion).toBe(top.id);
    expect((await suggestionNow(middle.id)).links.parent_suggestion).toBe(top.id);
    expect(await suggestionNow(top.id)).toMatchObject({ supporters_count: 1, links: { parent_suggestion: null } });
    expect((await a.get(`/forums/${forum.id}`)).body.forums[0]).toMatchObject({ suggestions_count: 1, open_suggestions_count: 1 });
  });

  it('422 for merging into itself, into its own merged child, or into a merged suggestion; nothing changes', async () => {
    const forum = await a.forum();
    const [p, child, other, loose] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    expect((await merge({ include_ids: [child.id], action: { links: { to_suggestion: p.id } } })).status).toBe(200);
    const before = await Promise.all([p, child, other, loose].map((s) => suggestionNow(s.id)));
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{ include_ids: [other.id, p.id], action: { links: { to_suggestion: p.id } } }, { 'action.links.to_suggestion': ['cannot merge a suggestion into itself'] }],
      [{ include_ids: [p.id], action: { links: { to_suggestion: child.id } } }, { 'action.links.to_suggestion': ['is merged into one of the suggestions being merged'] }],
      [{ include_ids: [loose.id], action: { links: { to_suggestion: child.id } } }, { 'action.links.to_suggestion': ['is itself merged into another suggestion'] }],
      [{ include_ids: [loose.id], action: { links: { to_suggestion: 999999 } } }, { 'action.links.to_suggestion': ['does not exist'] }],
      [{ include_ids: [loose.id, 999998], action: { links: { to_suggestion: p.id } } }, { include_ids: ['contains suggestions that do not exist: 999998'] }],
      [{}, { include_ids: ["can't be blank"], 'action.links.to_suggestion': ["can't be blank"] }],
      [{ include_ids: [], action: { links: { to_suggestion: 'x' } } }, { include_ids: ["can't be blank"], 'action.links.to_suggestion': ['does not exist'] }],
      [{ include_ids: ['1', 'two'], action: { links: { to_suggestion: p.id }, notify_supporters: 'perhaps' } }, { include_ids: ['is invalid'], 'action.notify_supporters': ['is invalid'] }],
      [{ include_ids: Array.from({ length: 101 }, (_, i) => i + 1), action: { links: { to_suggestion: p.id } } }, { include_ids: ['has more than 100 ids'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await merge(json);
      expect(reply.status, JSON.stringify(json).slice(0, 200)).toBe(422);
      expect(reply.body, JSON.stringify(json).slice(0, 200)).toEqual({ errors });
    }
    expect(await Promise.all([p, child, other, loose].map((s) => suggestionNow(s.id)))).toEqual(before);
  });
});

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { useTestApp } from '../helpers/factories.ts';
import { listIds } from '../helpers/list-checks.ts';

/**
 * Issue 19 item 7: list filters UserVoice's SDK documents that were once ignored (answering every
 * record) now filter, or answer 400 for a malformed value.
 */
const { app, a } = useTestApp();

const db = (): Kysely<DB> => app.server.db.orm.em.fork().getKysely<DB>();
const unique = () => randomUUID().slice(0, 8);
const desc = (...ids: number[]) => ids.sort((x, y) => y - x);

async function badRequest(path: string, parameter: string) {
  const reply = await a.get(path);
  expect(reply.status, path).toBe(400);
  expect(reply.body, path).toEqual({ errors: { error: 'bad_request', message: expect.stringContaining(parameter) } });
}

describe('suggestion list filters', () => {
  it('uncategorized_in_forum: suggestions of those forums without a category', async () => {
    const [f1, f2] = [await a.forum(), await a.forum()];
    const category = await a.category(f1.id);
    const [bare1, filed, bare2] = [await a.suggestion(f1.id), await a.suggestion(f1.id, { links: { category: category.id } }), await a.suggestion(f2.id)];
    expect(await listIds(a, `/suggestions?uncategorized_in_forum=${f1.id}`)).toEqual([bare1.id]);
    expect(await listIds(a, `/suggestions?uncategorized_in_forum=${f1.id},${f2.id}`)).toEqual(desc(bare1.id, bare2.id));
    expect(await listIds(a, `/suggestions?forum=${f1.id}`)).toEqual(desc(bare1.id, filed.id));
    await badRequest('/suggestions?uncategorized_in_forum=abc', 'uncategorized_in_forum');
  });

  it('external_account and feature: supported by the account’s users, linked to the feature', async () => {
    const forum = await a.forum();
    const [s1, s2, s3] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    const [member, outsider] = [await a.user(), await a.user()];
    const account = (await a.post('/external_accounts/import', { accounts: [{ external_id: `a-${unique()}`, name: 'Initech' }] })).body.external_accounts[0];
    await a.post('/external_users/import', { users: [{ external_id: `u-${unique()}`, email: member.email_address, account: { external_id: account.external_id } }] });
    await a.onSuggestion('feedback', s1.id, { body: 'x', links: { user: member.id } });
    await a.onSuggestion('feedback', s2.id, { body: 'x', links: { user: outsider.id } });
    expect(await listIds(a, `/suggestions?forum=${forum.id}&external_account=${account.id}`)).toEqual([s1.id]);
    const feature = (await a.post('/features', { name: 'F', links: { suggestions: [s2.id, s3.id] } })).body.features[0];
    expect(await listIds(a, `/suggestions?feature=${feature.id}`)).toEqual(desc(s2.id, s3.id));
    expect(await listIds(a, `/suggestions?feature=${feature.id}&external_account=${account.id}`)).toEqual([]);
    expect(await listIds(a, `/suggestions?filter[feature_id]=${feature.id}`)).toEqual(desc(s2.id, s3.id));
    await badRequest('/suggestions?feature=x', 'feature');
    await badRequest('/suggestions?external_account=-1', 'external_account');
  });

  it('has_response: with or without a status update; has_smartvote_score: none has one', async () => {
    const forum = await a.forum();
    const [answered, silent] = [await a.suggestion(forum.id), await a.suggestion(forum.id)];
    await a.onSuggestion('status_updates', answered.id, { body: 'We are on it' });
    expect(await listIds(a, `/suggestions?forum=${forum.id}&has_response=true`)).toEqual([answered.id]);
    expect(await listIds(a, `/suggestions?forum=${forum.id}&has_response=false`)).toEqual([silent.id]);
    expect(await listIds(a, `/suggestions?forum=${forum.id}&has_smartvote_score=true`)).toEqual([]);
    expect(await listIds(a, `/suggestions?forum=${forum.id}&has_smartvote_score=false`)).toEqual(desc(answered.id, silent.id));
    await badRequest('/suggestions?has_response=perhaps', 'has_response');
  });

  it('engagement_since / no_engagement_since: support or an approved comment at or after the time', async () => {
    const forum = await a.forum();
    const [old, recent, commented, quiet] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    const user = await a.user();
    const oldFeedback = await a.onSuggestion('feedback', old.id, { body: 'x', links: { user: user.id } });
    await a.onSuggestion('feedback', recent.id, { body: 'x', links: { user: user.id } });
    const comment = await a.onSuggestion('comments', commented.id, { body: 'nice' });
    await db().updateTable('feedback').set({ created_at: new Date('2024-01-01T00:00:00Z') }).where('id', '=', oldFeedback.id).execute();
    await db().updateTable('comments').set({ created_at: new Date('2024-06-01T12:00:00Z') }).where('id', '=', comment.id).execute();
    const scope = `/suggestions?forum=${forum.id}`;
    expect(await listIds(a, `${scope}&engagement_since=2024-06-01T12:00:00Z`)).toEqual(desc(recent.id, commented.id));
    expect(await listIds(a, `${scope}&engagement_since=2024-06-01T12:00:01Z`)).toEqual([recent.id]);
    expect(await listIds(a, `${scope}&no_engagement_since=2024-03-01`)).toEqual(desc(old.id, quiet.id));
    expect(await listIds(a, `${scope}&engagement_since=2023-12-31`)).toEqual(desc(old.id, recent.id, commented.id));
    await badRequest(`${scope}&engagement_since=yesterday`, 'engagement_since');
    await badRequest(`${scope}&no_engagement_since=2024-13-01`, 'no_engagement_since');
  });

  it('period_start / period_end: created within the period; a bare end date includes its day', async () => {
    const forum = await a.forum();
    const [early, mid, late] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    for (const [s, at] of [[early, '2024-01-10T00:00:00Z'], [mid, '2024-02-15T18:00:00Z'], [late, '2024-03-20T00:00:00Z']] as const) {
      await db().updateTable('suggestions').set({ created_at: new Date(at) }).where('id', '=', s.id).execute();
    }
    const scope = `/suggestions?forum=${forum.id}`;
    expect(await listIds(a, `${scope}&period_start=2024-02-01&period_end=2024-02-15`)).toEqual([mid.id]);
    expect(await listIds(a, `${scope}&period_start=2024-02-15T18:00:01Z`)).toEqual([late.id]);
    expect(await listIds(a, `${scope}&period_end=2024-02-15T17:59:59Z`)).toEqual([early.id]);
    await badRequest(`${scope}&period_start=soon`, 'period_start');
  });
});

describe('user list filters', () => {
  it('team, internal_user, external_account and feature', async () => {
    const tag = unique();
    const [admin, member, customer] = [await a.user({ name: `${tag} admin` }), await a.user({ name: `${tag} member` }), await a.user({ name: `${tag} customer` })];
    const made = await a.post('/permissions', { email: admin.email_address, license_type: 'admin' });
    expect(made.status, made.text).toBe(200);
    const team = (await a.post('/teams', { name: `Team ${tag}`, links: { users: [admin.id, member.id] } })).body.teams[0];
    const scope = `/users?per_page=100&q=${tag}`;
    expect(await listIds(a, `${scope}&team=${team.id}`)).toEqual(desc(admin.id, member.id));
    expect(await listIds(a, `${scope}&internal_user=true`)).toEqual([admin.id]);
    expect(await listIds(a, `${scope}&internal_user=false`)).toEqual(desc(member.id, customer.id));

    const account = (await a.post('/external_accounts/import', { accounts: [{ external_id: `a-${tag}`, name: 'Umbrella' }] })).body.external_accounts[0];
    await a.post('/external_users/import', { users: [{ external_id: `u-${tag}`, email: customer.email_address, account: { external_id: account.external_id } }] });
    expect(await listIds(a, `${scope}&external_account=${account.id}`)).toEqual([customer.id]);

    const { suggestion } = await a.forumWithSuggestion();
    await a.onSuggestion('feedback', suggestion.id, { body: 'x', links: { user: member.id } });
    const feature = (await a.post('/features', { name: `F ${tag}`, links: { suggestions: [suggestion.id] } })).body.features[0];
    expect(await listIds(a, `${scope}&feature=${feature.id}`)).toEqual([member.id]);
    expect(await listIds(a, `${scope}&feature=${feature.id}&team=${team.id}&internal_user=false`)).toEqual([member.id]);

    await badRequest('/users?team=abc', 'team');
    await badRequest('/users?internal_user=sometimes', 'internal_user');
    await badRequest('/users?feature=1.5', 'feature');
  });
});

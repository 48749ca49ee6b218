import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { SUGGESTION_LINKS, USER_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let owner: any;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  owner = (await a.get('/users/current')).body.users[0];
});
afterAll(() => app?.close());

const time = expect.stringMatching(ISO_SECONDS);


function expectedSuggestion(fields: Record<string, unknown>, links: Record<string, unknown>) {
  const id = fields.id;
  return {
    id,
    title: fields.title,
    body: fields.body ?? null,
    body_mime_type: fields.body ? 'text/plain' : '',
    state: 'approved',
    channel: 'api',
    portal_url: `${app.config.publicUrl}/forums/${links.forum}/suggestions/${id}`,
    admin_url: `${app.config.publicUrl}/admin/v3/suggestions/${id}`,
    redirect_url: null,
    approved_at: time,
    closed_at: fields.closed_at ?? null,
    first_support_at: null,
    comments_count: 0,
    notes_count: 0,
    requests_count: 0,
    votes_count: 0,
    supporters_count: 0,
    supporting_accounts_count: 0,
    account_supporters_count: 0,
    inappropriate_flags_count: 0,
    recent_engagement: 0,
    satisfaction_detractor_count: 0,
    satisfaction_neutral_count: 0,
    satisfaction_promoter_count: 0,
    merge_candidates_count: 0,
    internal_flags_count: 0,
    all_internal_flags_count: 0,
    last_internal_flag_at: null,
    jira_link_count: 0,
    vsts_link_count: 0,
    average_engagement: 0,
    engagement_trend: 0,
    supporter_mrr: 0,
    supporter_revenue: 0,
    supporter_satisfaction_score: 0,
    sentiment_score: null,
    total_sentiment_score: null,
    importance_low_count: 0,
    importance_medium_count: 0,
    importance_high_count: 0,
    importance_total_count: 0,
    importance_low_percent: 0,
    importance_medium_percent: 0,
    importance_high_percent: 0,
    importance_score_average: null,
    is_blocker: null,
    creator_user_agent: null,
    creator_referrer: null,
    creator_browser: null,
    creator_browser_version: null,
    creator_os: null,
    creator_mobile: null,
    unmergeable: false,
    created_at: time,
    updated_at: time,
    links: {
      forum: null,
      category: null,
      created_by: owner.id,
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
      ...links,
    },
  };
}

describe('GET /admin/suggestions/{ids}', () => {
  it('returns one record in a one-element array, every field typed, links as ids, and the links map', async () => {
    const forum = await a.forum();
    const category = await a.category(forum.id);
    const status = await a.status({ name: 'planned' });
    const label = await a.label();
    const s = await a.suggestion(forum.id, { body: 'Details', links: { category: category.id, status: status.id } });
    expect((await a.post('/labels/attach', { links: { label: label.id, suggestion: s.id } })).status).toBe(200);

    const reply = await a.get(`/suggestions/${s.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      suggestions: [
        expectedSuggestion(
          { id: s.id, title: s.title, body: 'Details' },
          { forum: forum.id, category: category.id, status: status.id, labels: [label.id] },
        ),
      ],
      links: SUGGESTION_LINKS,
    });
  });

  it('returns several records in the requested order; any missing id is a 404', async () => {
    const forum = await a.forum();
    const [s1, s2, s3] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    const reply = await a.get(`/suggestions/${s3.id},${s1.id},${s2.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body.suggestions.map((s: any) => s.id)).toEqual([s3.id, s1.id, s2.id]);
    for (const path of [`/suggestions/${s1.id},999999`, '/suggestions/999999', '/suggestions/abc', '/suggestions/1,,2']) {
      const missing = await a.get(path);
      expect(missing.status, path).toBe(404);
      expect(missing.body).toEqual({ errors: { error: 'record_not_found' } });
    }
  });
});

describe('includes', () => {
  it('side-loads forums and users (the seed example), with the links map covering every collection present', async () => {
    const forum = await a.forum();
    const s = await a.suggestion(forum.id);
    const reply = await a.get(`/suggestions?forum=${forum.id}&includes=forums,users`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['suggestions', 'forums', 'users', 'links', 'list_meta', 'pagination']);
    expect(reply.body.suggestions.map((r: any) => r.id)).toEqual([s.id]);
    expect(reply.body.forums).toEqual([{ ...forum, suggestions_count: 1, open_suggestions_count: 1, updated_at: time }]);
    expect(reply.body.users).toEqual([owner]);
    expect(reply.body.links).toEqual({ ...SUGGESTION_LINKS, 'forums.updated_by': { type: 'users' }, ...USER_LINKS });
    expect(reply.body.list_meta).toBeNull();
    expect(reply.body.pagination).toEqual({ page: 1, per_page: 20, total_pages: 1, total_records: 1 });
  });

  it('side-loads each linked type, accepts repeated keys and ignores unknown names', async () => {
    const forum = await a.forum();
    const category = await a.category(forum.id);
    const status = await a.status();
    const label = await a.label();
    const s = await a.suggestion(forum.id, { links: { category: category.id, status: status.id } });
    await a.post('/labels/attach', { links: { label: label.id, suggestion: s.id } });

    const reply = await a.get(
      `/suggestions/${s.id}?includes=categories&includes=statuses,labels,tickets,nps_ratings,status_updates,bogus`,
    );
    expect(reply.status).toBe(200);
    // status_updates is served (none yet: an empty array); tickets and nps_ratings are not.
    expect(Object.keys(reply.body)).toEqual(['suggestions', 'categories', 'statuses', 'labels', 'status_updates', 'links']);
    expect(reply.body.status_updates).toEqual([]);
    expect(reply.body.categories).toEqual([{ ...category, suggestions_count: 1, open_suggestions_count: 1, updated_at: time }]);
    expect(reply.body.statuses).toEqual([status]);
    expect(reply.body.labels).toEqual([{ ...label, open_suggestions_count: 1, updated_at: time }]);
    expect(reply.body.links).toEqual({
      ...SUGGESTION_LINKS,
      'categories.forum': { type: 'forums' },
      'labels.parent': { type: 'labels' },
      'status_updates.suggestion': { type: 'suggestions' },
      'status_updates.user': { type: 'users' },
      'status_updates.new_status': { type: 'statuses' },
      'status_updates.old_status': { type: 'statuses' },
    });
  });

  it('gives a requested type an empty array when no record links to one', async () => {
    const forum = await a.forum();
    const s = await a.suggestion(forum.id);
    const reply = await a.get(`/suggestions/${s.id}?includes=statuses,categories`);
    expect(reply.body.statuses).toEqual([]);
    expect(reply.body.categories).toEqual([]);
    expect(reply.body.links['categories.forum']).toEqual({ type: 'forums' });
  });

  it('resolves transitively: forums.updated_by users and parent labels are loaded in a second round', async () => {
    const editor = await a.user({ name: 'Forum Editor' });
    const forum = await a.forum();
    // The forum's updated_by is the token's user; point it at another user to see the second round.
    await app.server.db.orm.em.fork().getKysely<DB>().updateTable('forums').set({ updated_by_id: editor.id }).where('id', '=', forum.id).execute();
    const parent = await a.label({ name: 'Parent' });
    const child = await a.label({ name: 'Child', links: { parent: parent.id } });
    const s = await a.suggestion(forum.id);
    await a.post('/labels/attach', { links: { label: child.id, suggestion: s.id } });

    const reply = await a.get(`/suggestions/${s.id}?includes=forums,users,labels`);
    expect(reply.body.users.map((u: any) => u.id).sort()).toEqual([owner.id, editor.id].sort());
    expect(reply.body.labels.map((l: any) => [l.id, l.full_name, l.level])).toEqual([
      [parent.id, 'Parent', 1],
      [child.id, 'Parent / Child', 2],
    ]);
  });

  it('is accepted on writes, as a query parameter or a JSON array in the body', async () => {
    const forum = await a.forum();
    const viaBody = await a.post('/suggestions', { title: 'With includes', links: { forum: forum.id }, includes: ['forums'] });
    expect(viaBody.status).toBe(200);
    expect(viaBody.body.forums.map((f: any) => f.id)).toEqual([forum.id]);
    const viaQuery = await a.post('/suggestions?includes=users', { title: 'With includes', links: { forum: forum.id } });
    expect(viaQuery.body.users.map((u: any) => u.id)).toEqual([owner.id]);
  });
});

describe('SQL statements per request', () => {
  it('do not depend on per_page (1, 10, 100): page with its count + one per round of side-loads (the Bearer check caches its client)', async () => {
    const forum = await a.forum();
    const categories = [await a.category(forum.id), await a.category(forum.id), await a.category(forum.id)];
    const statuses = [await a.status(), await a.status()];
    const labels = [await a.label(), await a.label()];
    const users = [await a.user(), await a.user(), await a.user()];
    const db = app.server.db.orm.em.fork().getKysely<DB & { suggestion_labels: { suggestion_id: number; label_id: number } }>();
    const ids = [];
    for (let i = 0; i < 120; i++) ids.push((await a.suggestion(forum.id, { links: { category: categories[i % 3]!.id, status: statuses[i % 2]!.id } })).id);
    for (const [i, id] of ids.entries()) {
      await db.updateTable('suggestions').set({ created_by_id: users[i % 3]!.id }).where('id', '=', id).execute();
      await db.insertInto('suggestion_labels').values({ suggestion_id: id, label_id: labels[i % 2]!.id }).execute();
    }

    const counts: number[] = [];
    for (const perPage of [1, 10, 100]) {
      app.sql.length = 0;
      const reply = await a.get(`/suggestions?forum=${forum.id}&per_page=${perPage}&includes=forums,users,categories,statuses,labels`);
      expect(reply.status).toBe(200);
      expect(reply.body.suggestions).toHaveLength(perPage);
      counts.push(app.sql.length);
    }
    // 1 (page and count, resources/render.ts) + 1 (the five types, one UNION ALL) + 1 second round for
    // users: the forum's updated_by (the owner) created none of the listed suggestions.
    expect(counts).toEqual([3, 3, 3]);
  });
});

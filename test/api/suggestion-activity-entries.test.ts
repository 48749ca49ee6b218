import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, statementCounts, walkCursor } from '../helpers/list-checks.ts';
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

const ENTRY_LINKS = {
  'suggestion_activity_entries.suggestion': { type: 'suggestions' },
  'suggestion_activity_entries.created_by': { type: 'users' },
  'suggestion_activity_entries.comment': { type: 'comments' },
  'suggestion_activity_entries.note': { type: 'notes' },
  'suggestion_activity_entries.feedback': { type: 'feedback' },
  'suggestion_activity_entries.feedback_record': { type: 'feedback_records' },
  'suggestion_activity_entries.message': { type: 'supporter_messages' },
  'suggestion_activity_entries.status_update': { type: 'status_updates' },
  'suggestion_activity_entries.label': { type: 'labels' },
  'suggestion_activity_entries.old_forum': { type: 'forums' },
  'suggestion_activity_entries.new_forum': { type: 'forums' },
  'suggestion_activity_entries.old_category': { type: 'categories' },
  'suggestion_activity_entries.new_category': { type: 'categories' },
  'suggestion_activity_entries.old_status': { type: 'statuses' },
  'suggestion_activity_entries.new_status': { type: 'statuses' },
  'suggestion_activity_entries.merged_from_suggestion': { type: 'suggestions' },
  'suggestion_activity_entries.merged_to_suggestion': { type: 'suggestions' },
  'suggestion_activity_entries.ticket': { type: 'tickets' },
  'suggestion_activity_entries.internal_flag': { type: 'internal_flags' },
  'suggestion_activity_entries.internal_status_update': { type: 'internal_status_updates' },
};

const NO_LINKS = {
  comment: null,
  note: null,
  feedback: null,
  feedback_record: null,
  message: null,
  status_update: null,
  label: null,
  old_forum: null,
  new_forum: null,
  old_category: null,
  new_category: null,
  old_status: null,
  new_status: null,
  merged_from_suggestion: null,
  merged_to_suggestion: null,
  ticket: null,
  internal_flag: null,
  internal_status_update: null,
};

/** A whole wire entry: everything not given is null (links too), as for an entry that names nothing else. */
function entry(kind: string, suggestion: number, fields: Record<string, unknown> = {}, links: Record<string, unknown> = {}) {
  return {
    id: expect.any(Number),
    kind,
    old_title: null,
    new_title: null,
    old_body: null,
    new_body: null,
    old_state: null,
    new_state: null,
    linkable_is_spam: false,
    linkable_needs_review: false,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    ...fields,
    links: { suggestion, created_by: owner, ...NO_LINKS, ...links },
  };
}

/** A suggestion's entries, oldest first (the list's default order is newest first). */
async function entriesOf(suggestionId: number): Promise<any[]> {
  const reply = await a.get(`/suggestion_activity_entries?suggestion=${suggestionId}&per_page=100`);
  expect(reply.status, reply.text).toBe(200);
  return [...reply.body.suggestion_activity_entries].reverse();
}

/** The entries written since `before` entries existed for the suggestion. */
const since = async (suggestionId: number, before: number) => (await entriesOf(suggestionId)).slice(before);

describe('the activity log records every suggestion change, in the same transaction', () => {
  it('create, update (title, body, forum, category), status change, moderation', async () => {
    const forum = await a.forum();
    const other = await a.forum();
    const category = await a.category(other.id);
    const status = await a.status({ is_open: false });
    const s = await a.suggestion(forum.id, { title: 'Before', body: 'Old body' });
    expect(await entriesOf(s.id)).toEqual([
      entry('suggestion_created', s.id, { new_title: 'Before', new_body: 'Old body', new_state: 'approved' }, { new_forum: forum.id }),
    ]);

    expect((await a.put(`/suggestions/${s.id}`, { title: 'After', body: 'New body', links: { forum: other.id, category: category.id } })).status).toBe(200);
    expect(await since(s.id, 1)).toEqual([
      entry('suggestion_updated', s.id, { old_title: 'Before', new_title: 'After', old_body: 'Old body', new_body: 'New body' }, {
        old_forum: forum.id,
        new_forum: other.id,
        new_category: category.id,
      }),
    ]);
    // Only what changed is named; a PUT that changes nothing writes nothing.
    await a.put(`/suggestions/${s.id}`, { title: 'After' });
    await a.put(`/suggestions/${s.id}`, { body: 'Newer body' });
    expect(await since(s.id, 2)).toEqual([entry('suggestion_updated', s.id, { old_body: 'New body', new_body: 'Newer body' })]);

    await a.put(`/suggestions/${s.id}`, { links: { status: status.id } });
    await a.put(`/suggestions/${s.id}`, { links: { status: null } });
    expect(await since(s.id, 3)).toEqual([
      entry('status_changed', s.id, {}, { new_status: status.id }),
      entry('status_changed', s.id, {}, { old_status: status.id }),
    ]);

    await a.put(`/suggestions/${s.id}/publish`);
    await a.put(`/suggestions/${s.id}/publish`); // no change, no entry
    await a.put(`/suggestions/${s.id}/spam`);
    await a.put(`/suggestions/${s.id}/unremove`);
    await a.delete(`/suggestions/${s.id}`);
    await a.put(`/suggestions/${s.id}/approve`);
    expect(await since(s.id, 5)).toEqual([
      entry('state_changed', s.id, { old_state: 'approved', new_state: 'published' }),
      entry('state_changed', s.id, { old_state: 'published', new_state: 'spam' }),
      entry('state_changed', s.id, { old_state: 'spam', new_state: 'approved' }),
      entry('state_changed', s.id, { old_state: 'approved', new_state: 'deleted' }),
      entry('state_changed', s.id, { old_state: 'deleted', new_state: 'approved' }),
    ]);
  });

  it('labels attached and detached, comments, notes, status updates', async () => {
    const { suggestion: s } = await a.forumWithSuggestion();
    const label = await a.label();
    const status = await a.status();
    await a.post('/labels/attach', { links: { label: label.id, suggestion: s.id } });
    await a.post('/labels/attach', { links: { label: label.id, suggestion: s.id } }); // already there
    await a.post('/labels/detach', { links: { label: label.id, suggestion: s.id } });
    const author = await a.user();
    const comment = await a.onSuggestion('comments', s.id, { body: 'First', links: { created_by: author.id } });
    await a.put(`/comments/${comment.id}`, { body: 'Edited' });
    await a.put(`/comments/${comment.id}/spam`);
    const spamEntries = await since(s.id, 1);
    await a.put(`/comments/${comment.id}`, { state: 'approved' });
    await a.delete(`/comments/${comment.id}`);
    const note = await a.onSuggestion('notes', s.id, { body: 'Internal' });
    await a.put(`/notes/${note.id}`, { body: 'Internal, edited' });
    const update = await a.onSuggestion('status_updates', s.id, { body: 'Planned', links: { status: status.id } });
    await a.put(`/status_updates/${update.id}`, { body: 'Planned for May' });
    await a.delete(`/status_updates/${update.id}`);

    const c = { comment: comment.id };
    // While the comment was spam, its entries said so.
    expect(spamEntries.slice(-1)).toEqual([entry('comment_state_changed', s.id, { old_state: 'approved', new_state: 'spam', linkable_is_spam: true }, c)]);
    expect(await since(s.id, 1)).toEqual([
      entry('label_added', s.id, {}, { label: label.id }),
      entry('label_removed', s.id, {}, { label: label.id }),
      entry('comment_created', s.id, { new_body: 'First', new_state: 'approved' }, c),
      entry('comment_updated', s.id, { old_body: 'First', new_body: 'Edited' }, c),
      entry('comment_state_changed', s.id, { old_state: 'approved', new_state: 'spam' }, c),
      entry('comment_state_changed', s.id, { old_state: 'spam', new_state: 'approved' }, c),
      entry('comment_state_changed', s.id, { old_state: 'approved', new_state: 'deleted' }, c),
      entry('note_created', s.id, { new_body: 'Internal' }, { note: note.id }),
      entry('note_updated', s.id, { old_body: 'Internal', new_body: 'Internal, edited' }, { note: note.id }),
      // The deleted update's entries keep what it said; the link to it is gone with it.
      entry('status_update_created', s.id, { new_body: 'Planned' }, { new_status: status.id }),
      entry('status_update_updated', s.id, { old_body: 'Planned', new_body: 'Planned for May' }),
      entry('status_update_deleted', s.id, { old_body: 'Planned for May' }, { new_status: status.id }),
    ]);
  });

  it('feedback creates support (supporter_added, by the supporter) and deleting the last one removes it', async () => {
    const { suggestion: s } = await a.forumWithSuggestion();
    const user = await a.user();
    const first = await a.onSuggestion('feedback', s.id, { body: 'Need this', links: { user: user.id } });
    const second = await a.onSuggestion('feedback_records', s.id, { body: 'Still need it', links: { user: user.id } });
    await a.put(`/feedback/${second.id}`, { body: 'Really need it' });
    await a.delete(`/feedback/${first.id}`);
    await a.delete(`/requests/${second.id}`);
    const f = (id: number) => ({ feedback: id, feedback_record: id });
    expect(await since(s.id, 1)).toEqual([
      // Deleted since: the links to the feedback are null now.
      entry('feedback_created', s.id, { new_body: 'Need this' }),
      entry('supporter_added', s.id, {}, { created_by: user.id }),
      entry('feedback_created', s.id, { new_body: 'Still need it' }),
      entry('feedback_updated', s.id, { old_body: 'Still need it', new_body: 'Really need it' }),
      entry('feedback_deleted', s.id, { old_body: 'Need this' }),
      entry('feedback_deleted', s.id, { old_body: 'Really need it' }),
      entry('supporter_removed', s.id, {}, { created_by: user.id }),
    ]);
    // While feedback exists, its entries link it under both names.
    const kept = await a.onSuggestion('feedback', s.id, { body: 'Back again', links: { user: user.id } });
    expect((await since(s.id, 8)).slice(0, 1)).toEqual([entry('feedback_created', s.id, { new_body: 'Back again' }, f(kept.id))]);
  });

  it('merges show in the activity of both suggestions; messages to supporters are logged', async () => {
    const forum = await a.forum();
    const [target, source, child] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    await a.post('/suggestions/bulk/merge', { include_ids: [child.id], action: { links: { to_suggestion: source.id } } });
    await a.post('/suggestions/bulk/merge', { include_ids: String(source.id), action: { links: { to_suggestion: target.id } } });
    const merged = (from: number, to: number) => ({ merged_from_suggestion: from, merged_to_suggestion: to });
    expect(await since(target.id, 1)).toEqual([entry('merged', target.id, {}, merged(source.id, target.id)), entry('merged', target.id, {}, merged(child.id, target.id))]);
    expect(await since(source.id, 1)).toEqual([entry('merged', source.id, {}, merged(child.id, source.id)), entry('merged', source.id, {}, merged(source.id, target.id))]);
    expect(await since(child.id, 1)).toEqual([entry('merged', child.id, {}, merged(child.id, source.id)), entry('merged', child.id, {}, merged(child.id, target.id))]);

    const message = await a.post('/supporter_messages', { body: 'Thanks for voting', links: { suggestion: target.id } });
    expect(message.status, message.text).toBe(200);
    expect(await since(target.id, 3)).toEqual([entry('message_sent', target.id, { new_body: 'Thanks for voting' }, { message: message.body.supporter_messages[0].id })]);
  });

  it('a write that fails writes no entry', async () => {
    const { suggestion: s } = await a.forumWithSuggestion();
    expect((await a.put(`/suggestions/${s.id}`, { title: '', links: { forum: 999_999 } })).status).toBe(422);
    expect((await a.post('/comments', { body: '', links: { suggestion: s.id } })).status).toBe(422);
    expect((await a.post('/suggestions/bulk/merge', { include_ids: [s.id], action: { links: { to_suggestion: 999_999 } } })).status).toBe(422);
    expect(await entriesOf(s.id)).toHaveLength(1);
  });
});

describe('GET /admin/suggestion_activity_entries', () => {
  it('gets by ids (404 when any is missing) and side-loads what the entries link to', async () => {
    const { forum, suggestion: s } = await a.forumWithSuggestion();
    const note = await a.onSuggestion('notes', s.id, { body: 'n' });
    const [created, noted] = await entriesOf(s.id);
    const reply = await a.get(`/suggestion_activity_entries/${noted.id},${created.id}?includes=suggestions,notes,forums,users`);
    expect(reply.status).toBe(200);
    expect(reply.body.suggestion_activity_entries).toEqual([noted, created]);
    expect(reply.body.suggestions.map((r: any) => r.id)).toEqual([s.id]);
    expect(reply.body.notes).toEqual([(await a.get(`/notes/${note.id}`)).body.notes[0]]);
    expect(reply.body.forums.map((r: any) => r.id)).toEqual([forum.id]);
    expect(reply.body.links).toMatchObject(ENTRY_LINKS);
    for (const ids of ['999999', `${created.id},999999`, 'abc']) {
      const missing = await a.get(`/suggestion_activity_entries/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('filters by suggestion, user, kind, forum and period; an unknown kind is a 400', async () => {
    const { forum, suggestion: s } = await a.forumWithSuggestion();
    const other = await a.suggestion(forum.id);
    const user = await a.user();
    await a.onSuggestion('feedback', other.id, { body: 'x', links: { user: user.id } });
    const all = (await entriesOf(s.id)).concat(await entriesOf(other.id)).map((e) => e.id).sort((x, y) => y - x);
    expect(await listIds(a, `/suggestion_activity_entries?per_page=100&forum=${forum.id}`)).toEqual(all);
    expect(await listIds(a, `/suggestion_activity_entries?per_page=100&forum=${forum.id}&kind=supporter_added,suggestion_created&user=${user.id}`)).toEqual([all[0]]);
    expect(await listIds(a, `/suggestion_activity_entries?per_page=100&suggestion=${s.id}&period_start=2000-01-01&period_end=2001-01-01`)).toEqual([]);
    const bad = await a.get('/suggestion_activity_entries?kind=voted');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errors: { error: 'bad_request', message: expect.stringContaining('kind') } });
  });

  it('defaults to newest first; walks by cursor; updated_after windows; constant statements', async () => {
    const { suggestion: s } = await a.forumWithSuggestion();
    for (let i = 0; i < 12; i++) await a.put(`/suggestions/${s.id}`, { title: `Title ${i}` });
    const ids = (await entriesOf(s.id)).map((e) => e.id).reverse();
    expect(await listIds(a, `/suggestion_activity_entries?per_page=100&suggestion=${s.id}`)).toEqual(ids);
    const all = await listIds(a, '/suggestion_activity_entries?per_page=100&sort=id');
    expect(await walkCursor(a, '/suggestion_activity_entries?per_page=7&sort=id')).toEqual(all);
    expect(await walkCursor(a, `/suggestion_activity_entries?per_page=5&suggestion=${s.id}`)).toEqual(ids);
    await checkUpdatedWindow(app, a, 'suggestion_activity_entries', [ids[0]!, ids[1]!, ids[2]!]);
    // page + count + suggestions + users.
    const counts = await statementCounts(app, a, '/suggestion_activity_entries?includes=suggestions,users');
    expect(new Set(counts).size).toBe(1);
  });

  it('is read-only', async () => {
    for (const [method, path] of [['POST', '/suggestion_activity_entries'], ['PUT', '/suggestion_activity_entries/1'], ['DELETE', '/suggestion_activity_entries/1']] as const) {
      const reply = method === 'POST' ? await a.post(path, {}) : method === 'PUT' ? await a.put(path, {}) : await a.delete(path);
      expect(reply.status, `${method} ${path}`).toBe(405);
    }
  });
});

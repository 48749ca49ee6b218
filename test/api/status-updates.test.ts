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

const STATUS_UPDATE_LINKS = {
  'status_updates.suggestion': { type: 'suggestions' },
  'status_updates.user': { type: 'users' },
  'status_updates.new_status': { type: 'statuses' },
  'status_updates.old_status': { type: 'statuses' },
};

function updateRecord(id: number, body: string, suggestionId: number, fields: Record<string, unknown> = {}) {
  const { links, ...rest } = fields as { links?: Record<string, unknown> };
  return {
    id,
    body,
    notification_email_address: null,
    supporters_notified: false,
    mail_sent_count: 0,
    mail_opened_count: 0,
    mail_clicked_count: 0,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { suggestion: suggestionId, user: ownerId, new_status: null, old_status: null, ...links },
    ...rest,
  };
}

const setup = () => a.forumWithSuggestion();

const statusUpdate = (suggestionId: number, fields: Record<string, unknown> = {}) =>
  a.onSuggestion('status_updates', suggestionId, { body: 'An update', ...fields });

const suggestionNow = (id: number) => a.one('suggestions', id);
const openCount = async (forumId: number): Promise<number> => (await a.get(`/forums/${forumId}`)).body.forums[0].open_suggestions_count;
const idsOf = (reply: { body: { status_updates: Array<{ id: number }> } }) => reply.body.status_updates.map((u) => u.id);

describe('POST /admin/status_updates', () => {
  it('without links.status records the current status as old and new, and becomes the last status update', async () => {
    const { forum, suggestion } = await setup();
    const reply = await a.post('/status_updates', { body: 'We are looking into it', links: { suggestion: suggestion.id } });
    expect(reply.status).toBe(200);
    const id = reply.body.status_updates[0].id;
    expect(reply.body).toEqual({ status_updates: [updateRecord(id, 'We are looking into it', suggestion.id)], links: STATUS_UPDATE_LINKS });
    const read = await a.get(`/status_updates/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(reply.body);
    expect(await suggestionNow(suggestion.id)).toMatchObject({ closed_at: null, links: { status: null, last_status_update: id } });

    // A suggestion that already has a status keeps it, and the update records it on both sides.
    const planned = await a.status({ name: 'planned', is_open: true });
    const withStatus = await a.suggestion(forum.id, { links: { status: planned.id } });
    const second = await a.post('/status_updates', undefined, { form: `body=Still+planned&links.suggestion=${withStatus.id}` });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      status_updates: [
        updateRecord(second.body.status_updates[0].id, 'Still planned', withStatus.id, { links: { new_status: planned.id, old_status: planned.id } }),
      ],
      links: STATUS_UPDATE_LINKS,
    });
    expect(await suggestionNow(withStatus.id)).toMatchObject({ links: { status: planned.id, last_status_update: second.body.status_updates[0].id } });
    expect(await openCount(forum.id)).toBe(2);
  });

  it('with links.status moves the suggestion: closing stamps closed_at and leaves the open count; reopening and clearing undo it', async () => {
    const { forum, suggestion } = await setup();
    const done = await a.status({ name: 'completed', is_open: false });
    const planned = await a.status({ name: 'planned', is_open: true });
    expect(await openCount(forum.id)).toBe(1);

    const closed = await a.post('/status_updates', {
      body: 'Shipped!',
      notify_supporters: true,
      notification_email_address: 'Team@Example.com',
      links: { suggestion: suggestion.id, status: done.id },
    });
    expect(closed.status).toBe(200);
    const closedId = closed.body.status_updates[0].id;
    expect(closed.body).toEqual({
      status_updates: [
        // No mail is sent, so none is reported as sent, whatever the client asked for.
        updateRecord(closedId, 'Shipped!', suggestion.id, { notification_email_address: 'team@example.com', links: { new_status: done.id, old_status: null } }),
      ],
      links: STATUS_UPDATE_LINKS,
    });
    const afterClose = await suggestionNow(suggestion.id);
    expect(afterClose).toMatchObject({ closed_at: expect.stringMatching(ISO_SECONDS), links: { status: done.id, last_status_update: closedId } });
    expect(await openCount(forum.id)).toBe(0);

    // Another closed-status update keeps the first closed_at.
    const again = await statusUpdate(suggestion.id, { body: 'Really done', links: { status: done.id } });
    expect(again.links).toEqual({ suggestion: suggestion.id, user: ownerId, new_status: done.id, old_status: done.id });
    expect((await suggestionNow(suggestion.id)).closed_at).toBe(afterClose.closed_at);

    const reopened = await a.post('/status_updates', undefined, {
      form: `body=Back+on+the+list;links.suggestion=${suggestion.id};links.status=${planned.id};notify_supporters=false;`,
    });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toEqual({
      status_updates: [updateRecord(reopened.body.status_updates[0].id, 'Back on the list', suggestion.id, { links: { new_status: planned.id, old_status: done.id } })],
      links: STATUS_UPDATE_LINKS,
    });
    expect(await suggestionNow(suggestion.id)).toMatchObject({ closed_at: null, links: { status: planned.id, last_status_update: reopened.body.status_updates[0].id } });
    expect(await openCount(forum.id)).toBe(1);

    await statusUpdate(suggestion.id, { links: { status: done.id } });
    expect(await openCount(forum.id)).toBe(0);
    // An empty form value clears the status (and reopens).
    const cleared = await a.post('/status_updates', undefined, { form: `body=No+status&links.suggestion=${suggestion.id}&links.status=` });
    expect(cleared.status).toBe(200);
    expect(cleared.body.status_updates[0]).toEqual(updateRecord(cleared.body.status_updates[0].id, 'No status', suggestion.id, { links: { new_status: null, old_status: done.id } }));
    expect(await suggestionNow(suggestion.id)).toMatchObject({ closed_at: null, links: { status: null } });
    expect(await openCount(forum.id)).toBe(1);

    // JSON null clears too.
    await statusUpdate(suggestion.id, { links: { status: planned.id } });
    const nulled = await statusUpdate(suggestion.id, { body: 'null', links: { status: null } });
    expect(nulled.links).toEqual({ suggestion: suggestion.id, user: ownerId, new_status: null, old_status: planned.id });
    expect((await suggestionNow(suggestion.id)).links.status).toBeNull();
  });

  it('takes a wrapped body and created_at; ignores read-only and unknown fields', async () => {
    const { suggestion } = await setup();
    const wrapped = await a.post('/status_updates', {
      status_update: { body: 'Imported', created_at: '2019-05-01T12:00:00.000+00:00', links: { suggestion: suggestion.id } },
    });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body).toEqual({
      status_updates: [updateRecord(wrapped.body.status_updates[0].id, 'Imported', suggestion.id, { created_at: '2019-05-01T12:00:00Z' })],
      links: STATUS_UPDATE_LINKS,
    });

    const user = await a.user();
    const status = await a.status();
    const ignored = await a.post('/status_updates', {
      body: 'Read-only',
      id: 999_999,
      supporters_notified: true,
      mail_sent_count: 7,
      mail_opened_count: 5,
      mail_clicked_count: 3,
      colour: 'red',
      links: { suggestion: suggestion.id, user: user.id, new_status: status.id, old_status: status.id },
    });
    expect(ignored.status).toBe(200);
    expect(ignored.body.status_updates[0].id).not.toBe(999_999);
    expect(ignored.body).toEqual({ status_updates: [updateRecord(ignored.body.status_updates[0].id, 'Read-only', suggestion.id)], links: STATUS_UPDATE_LINKS });
    expect((await suggestionNow(suggestion.id)).links.status).toBeNull();
  });

  it('422 with every field error at once, and nothing is written', async () => {
    const { forum, suggestion } = await setup();
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { body: ["can't be blank"], 'links.suggestion': ["can't be blank"] }],
      [{ body: ' ', links: { suggestion: null } }, { body: ["can't be blank"], 'links.suggestion': ["can't be blank"] }],
      [{ body: '', links: { suggestion: 999_999 } }, { body: ["can't be blank"], 'links.suggestion': ['does not exist'] }],
      [{ body: 'x', links: { suggestion: 'abc' } }, { 'links.suggestion': ['does not exist'] }],
      [{ body: 'x', links: { suggestion: suggestion.id, status: 999_999 } }, { 'links.status': ['does not exist'] }],
      [{ body: 'x', links: { suggestion: suggestion.id, status: 'abc' } }, { 'links.status': ['does not exist'] }],
      [{ body: 'x'.repeat(65_536), links: { suggestion: suggestion.id } }, { body: ['is too long (maximum is 65535 characters)'] }],
      [
        { body: '', notify_supporters: 'maybe', notification_email_address: 'not an address', created_at: 'yesterday', links: { suggestion: suggestion.id, status: 999_999 } },
        {
          body: ["can't be blank"],
          notify_supporters: ['is invalid'],
          notification_email_address: ['is invalid'],
          created_at: ['is invalid'],
          'links.status': ['does not exist'],
        },
      ],
      [
        { notification_email_address: 'nope', links: { suggestion: 999_999 } },
        { body: ["can't be blank"], notification_email_address: ['is invalid'], 'links.suggestion': ['does not exist'] },
      ],
      // A missing status and a missing suggestion are named together.
      [{ body: 'x', links: { suggestion: 999_999, status: 999_998 } }, { 'links.status': ['does not exist'], 'links.suggestion': ['does not exist'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/status_updates', json);
      expect(reply.status, JSON.stringify(json).slice(0, 200)).toBe(422);
      expect(reply.body, JSON.stringify(json).slice(0, 200)).toEqual({ errors });
    }
    const form = await a.post('/status_updates', undefined, { form: `body=&links.suggestion=${suggestion.id}&links.status=999999` });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { body: ["can't be blank"], 'links.status': ['does not exist'] } });

    expect((await a.get(`/status_updates?suggestion=${suggestion.id}`)).body.status_updates).toEqual([]);
    expect(await suggestionNow(suggestion.id)).toMatchObject({ closed_at: null, links: { status: null, last_status_update: null } });
    expect(await openCount(forum.id)).toBe(1);
  });
});

describe('last_status_update', () => {
  it('is the newest by created_at (then id); deleting the newest makes the previous one last; the status stays', async () => {
    const { forum, suggestion } = await setup();
    const done = await a.status({ is_open: false });
    const planned = await a.status({ is_open: true });
    const newest = await statusUpdate(suggestion.id, { body: 'newest', created_at: '2024-03-01T00:00:00Z', links: { status: planned.id } });
    expect((await suggestionNow(suggestion.id)).links.last_status_update).toBe(newest.id);
    // Imported later but dated earlier: not the last one, even though it set the status.
    const older = await statusUpdate(suggestion.id, { body: 'older', created_at: '2024-01-01T00:00:00Z', links: { status: done.id } });
    expect(older.links).toMatchObject({ old_status: planned.id, new_status: done.id });
    expect(await suggestionNow(suggestion.id)).toMatchObject({ closed_at: expect.stringMatching(ISO_SECONDS), links: { status: done.id, last_status_update: newest.id } });
    // Same created_at as the newest: the higher id wins.
    const tie = await statusUpdate(suggestion.id, { body: 'tie', created_at: '2024-03-01T00:00:00Z' });
    expect((await suggestionNow(suggestion.id)).links.last_status_update).toBe(tie.id);

    const deleted = await a.delete(`/status_updates/${tie.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ status_updates: [tie], links: STATUS_UPDATE_LINKS });
    expect((await suggestionNow(suggestion.id)).links.last_status_update).toBe(newest.id);
    await a.delete(`/status_updates/${newest.id}`);
    expect((await suggestionNow(suggestion.id)).links.last_status_update).toBe(older.id);
    await a.delete(`/status_updates/${older.id}`);
    // The suggestion's status does not revert with its history.
    expect(await suggestionNow(suggestion.id)).toMatchObject({ closed_at: expect.stringMatching(ISO_SECONDS), links: { status: done.id, last_status_update: null } });
    expect(await openCount(forum.id)).toBe(0);
  });
});

describe('PUT and DELETE /admin/status_updates/{id}', () => {
  it('PUT changes body and notification_email_address only (JSON and form)', async () => {
    const { suggestion } = await setup();
    const done = await a.status({ is_open: false });
    const other = await a.suggestion((await a.forum()).id);
    const created = await statusUpdate(suggestion.id, { body: 'Draft', created_at: '2023-01-01T00:00:00Z' });

    const json = await a.put(`/status_updates/${created.id}`, {
      body: 'Final',
      notification_email_address: 'pm@example.com',
      notify_supporters: true,
      created_at: '2020-01-01T00:00:00Z',
      links: { suggestion: other.id, status: done.id },
    });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({
      status_updates: [{ ...created, body: 'Final', notification_email_address: 'pm@example.com', updated_at: expect.stringMatching(ISO_SECONDS) }],
      links: STATUS_UPDATE_LINKS,
    });
    // The update neither moved nor changed a suggestion.
    expect(await suggestionNow(suggestion.id)).toMatchObject({ links: { status: null, last_status_update: created.id } });
    expect(await suggestionNow(other.id)).toMatchObject({ links: { status: null, last_status_update: null } });

    const form = await a.put(`/status_updates/${created.id}`, undefined, { form: 'body=Edited+again;notification_email_address=;' });
    expect(form.status).toBe(200);
    expect(form.body).toEqual({ status_updates: [{ ...created, body: 'Edited again', updated_at: expect.stringMatching(ISO_SECONDS) }], links: STATUS_UPDATE_LINKS });

    const wrapped = await a.put(`/status_updates/${created.id}`, { status_update: { notification_email_address: 'x@example.com' } });
    expect(wrapped.body.status_updates[0]).toEqual({ ...created, body: 'Edited again', notification_email_address: 'x@example.com', updated_at: expect.stringMatching(ISO_SECONDS) });
    const nulled = await a.put(`/status_updates/${created.id}`, { notification_email_address: null });
    expect(nulled.body.status_updates[0].notification_email_address).toBeNull();
  });

  it('PUT: 422 for a blank body or a bad address (nothing changes); 404 for an unknown id', async () => {
    const { suggestion } = await setup();
    const created = await statusUpdate(suggestion.id, { body: 'Keep me' });
    const bad = await a.put(`/status_updates/${created.id}`, { body: ' ', notification_email_address: 'nope' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ errors: { body: ["can't be blank"], notification_email_address: ['is invalid'] } });
    expect((await a.get(`/status_updates/${created.id}`)).body.status_updates[0]).toEqual(created);
    // An unknown id is a 404 whatever the body holds.
    for (const [id, json] of [['999999', { body: 'x' }], ['abc', { body: 'x' }], ['999999', { body: '' }]] as const) {
      const missing = await a.put(`/status_updates/${id}`, json);
      expect(missing.status, id).toBe(404);
      expect(missing.body, id).toEqual(NOT_FOUND);
    }
  });

  it('DELETE answers with the record as it was; afterwards 404', async () => {
    const { suggestion } = await setup();
    const done = await a.status({ is_open: false });
    const created = await statusUpdate(suggestion.id, { body: 'Going away', links: { status: done.id } });
    const before = (await a.get(`/status_updates/${created.id}`)).body;
    const reply = await a.delete(`/status_updates/${created.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      status_updates: [updateRecord(created.id, 'Going away', suggestion.id, { created_at: created.created_at, links: { new_status: done.id, old_status: null } })],
      links: STATUS_UPDATE_LINKS,
    });
    expect(reply.body).toEqual(before);
    for (const missing of [await a.get(`/status_updates/${created.id}`), await a.delete(`/status_updates/${created.id}`), await a.delete('/status_updates/abc')]) {
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
    expect(await suggestionNow(suggestion.id)).toMatchObject({ links: { status: done.id, last_status_update: null } });
  });
});

describe('GET /admin/status_updates', () => {
  it('404 record_not_found for unknown ids; reads several in the requested order', async () => {
    const { suggestion } = await setup();
    const first = await statusUpdate(suggestion.id, { body: 'First' });
    const second = await statusUpdate(suggestion.id, { body: 'Second' });
    const reply = await a.get(`/status_updates/${second.id},${first.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status_updates: [second, first], links: STATUS_UPDATE_LINKS });
    for (const ids of ['999999', `${first.id},999999`, 'abc']) {
      const missing = await a.get(`/status_updates/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body, ids).toEqual(NOT_FOUND);
    }
  });

  it('lists newest first with list_meta and pagination; filters by suggestion; sorts by created_at and updated_at', async () => {
    const { forum, suggestion } = await setup();
    const other = await a.suggestion(forum.id);
    const u1 = await statusUpdate(suggestion.id, { body: 'one', created_at: '2024-02-01T00:00:00Z' });
    const u2 = await statusUpdate(other.id, { body: 'two', created_at: '2024-01-01T00:00:00Z' });
    const u3 = await statusUpdate(suggestion.id, { body: 'three', created_at: '2024-03-01T00:00:00Z' });

    const listed = await a.get(`/status_updates?suggestion=${suggestion.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      status_updates: [u3, u1],
      links: STATUS_UPDATE_LINKS,
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 2 },
    });
    const both = `suggestion=${suggestion.id},${other.id}`;
    expect(idsOf(await a.get(`/status_updates?${both}`))).toEqual([u3.id, u2.id, u1.id]);
    expect(idsOf(await a.get(`/status_updates?${both}&sort=created_at`))).toEqual([u2.id, u1.id, u3.id]);
    expect(idsOf(await a.get(`/status_updates?${both}&sort=-created_at`))).toEqual([u3.id, u1.id, u2.id]);

    // Touch the oldest so it becomes the most recently updated.
    // Timestamps have whole seconds on the wire: the next write happens two seconds later on the server's clock.
    app.clock.offsetMs += 2000;
    expect((await a.put(`/status_updates/${u1.id}`, { body: 'one, edited' })).status).toBe(200);
    expect(idsOf(await a.get(`/status_updates?${both}&sort=-updated_at`))).toEqual([u1.id, u3.id, u2.id]);
    expect(idsOf(await a.get(`/status_updates?${both}&sort=updated_at`))).toEqual([u2.id, u3.id, u1.id]);

    const sort = await a.get('/status_updates?sort=body');
    expect(sort.status).toBe(400);
    expect(sort.body.errors.error).toBe('bad_request');
  });

  it('side-loads suggestions, users and statuses with the links map', async () => {
    const { suggestion } = await setup();
    const planned = await a.status({ name: 'planned', is_open: true });
    const done = await a.status({ name: 'completed', is_open: false });
    const u1 = await statusUpdate(suggestion.id, { body: 'planned', links: { status: planned.id } });
    const u2 = await statusUpdate(suggestion.id, { body: 'done', links: { status: done.id } });
    const s = await suggestionNow(suggestion.id);
    const owner = (await a.get(`/users/${ownerId}`)).body.users[0];
    const statuses = (await a.get(`/statuses/${[planned.id, done.id].sort((x, y) => x - y).join(',')}`)).body.statuses;

    const reply = await a.get(`/status_updates?suggestion=${suggestion.id}&includes=suggestions,users,statuses`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      status_updates: [u2, u1],
      suggestions: [s],
      users: [owner],
      statuses,
      links: { ...STATUS_UPDATE_LINKS, ...SUGGESTION_LINKS, ...USER_LINKS },
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 2 },
    });

    // On a create: the suggestion side-loaded is the one the update just moved.
    const created = await a.post('/status_updates', { body: 'reopened', includes: ['suggestions', 'statuses'], links: { suggestion: suggestion.id, status: planned.id } });
    expect(created.status).toBe(200);
    expect(created.body.suggestions).toEqual([
      { ...s, closed_at: null, updated_at: expect.stringMatching(ISO_SECONDS), links: { ...s.links, status: planned.id, last_status_update: created.body.status_updates[0].id } },
    ]);
    expect(created.body.statuses).toEqual(statuses);
    expect(created.body.links).toEqual({ ...STATUS_UPDATE_LINKS, ...SUGGESTION_LINKS });
  });

  it('runs the same number of SQL statements at per_page=1 and per_page=100 with includes', async () => {
    const forum = await a.forum();
    const statuses = [await a.status({ is_open: true }), await a.status({ is_open: false }), await a.status({ is_open: true })];
    const suggestions = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    for (let i = 0; i < 30; i++) {
      await statusUpdate(suggestions[i % 4]!.id, { body: `bulk ${i}`, links: { status: statuses[i % 3]!.id } });
    }
    const counts: number[] = [];
    for (const perPage of [1, 100]) {
      app.sql.length = 0;
      const reply = await a.get(`/status_updates?per_page=${perPage}&includes=suggestions,users,statuses`);
      expect(reply.status).toBe(200);
      expect(reply.body.status_updates.length).toBe(perPage === 1 ? 1 : Math.min(100, reply.body.pagination.total_records));
      expect(reply.body.suggestions.length).toBeGreaterThanOrEqual(1);
      expect(reply.body.users.length).toBeGreaterThanOrEqual(1);
      expect(reply.body.statuses.length).toBeGreaterThanOrEqual(1);
      counts.push(app.sql.length);
    }
    expect(counts[1]).toBe(counts[0]);
    // page + count + suggestions, users and statuses (one statement: rendered in SQL,
    // resources/render.ts)
    expect(counts).toEqual([3, 3]);
  });
});

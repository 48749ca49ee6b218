import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';

let app: TestApp;
let a: Api;
let ownerId: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  ownerId = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

async function counts(forumId: number) {
  const forum = (await a.get(`/forums/${forumId}`)).body.forums[0];
  return [forum.suggestions_count, forum.open_suggestions_count];
}

describe('POST /admin/suggestions', () => {
  it("creates from UserVoice's documented form body title=Test+Suggestion&links.forum=ID", async () => {
    const forum = await a.forum();
    const reply = await a.post('/suggestions', undefined, { form: `title=Test+Suggestion&links.forum=${forum.id}` });
    expect(reply.status).toBe(200);
    expect(reply.body.suggestions).toHaveLength(1);
    expect(reply.body.suggestions[0]).toMatchObject({
      title: 'Test Suggestion',
      body: null,
      body_mime_type: '',
      state: 'approved',
      approved_at: expect.stringMatching(ISO_SECONDS),
      links: { forum: forum.id, category: null, status: null, created_by: ownerId, labels: [] },
    });
    expect(reply.body.links['suggestions.forum']).toEqual({ type: 'forums' });
    const read = await a.get(`/suggestions/${reply.body.suggestions[0].id}`);
    expect(read.body.suggestions[0]).toEqual(reply.body.suggestions[0]);
  });

  it('creates from a ;-separated form, flat JSON and wrapped JSON, with body, category, status and created_at', async () => {
    const forum = await a.forum();
    const category = await a.category(forum.id);
    const status = await a.status();
    const bodies = [
      { form: `title=Semicolons;body=Body+text;links.forum=${forum.id};links.category=${category.id};links.status=${status.id};created_at=2017-01-01T01:00:00%2B00:00;` },
      { json: { title: 'Semicolons', body: 'Body text', links: { forum: forum.id, category: category.id, status: status.id }, created_at: '2017-01-01T01:00:00.000Z' } },
      { json: { suggestion: { title: 'Semicolons', body: 'Body text', links: { forum: forum.id, category: category.id, status: status.id }, created_at: '2017-01-01T01:00:00Z' } } },
    ];
    for (const options of bodies) {
      const reply = await a.post('/suggestions', undefined, options);
      expect(reply.status).toBe(200);
      expect(reply.body.suggestions[0]).toMatchObject({
        title: 'Semicolons',
        body: 'Body text',
        body_mime_type: 'text/plain',
        created_at: '2017-01-01T01:00:00Z',
        links: { forum: forum.id, category: category.id, status: status.id },
      });
    }
    expect(await counts(forum.id)).toEqual([3, 3]);
  });

  it('ignores unknown and read-only fields', async () => {
    const forum = await a.forum();
    const reply = await a.post('/suggestions', {
      title: 'Read-only', links: { forum: forum.id, created_by: 424242, parent_suggestion: 1 },
      id: 999, votes_count: 50, supporters_count: 7, state: 'spam', portal_url: 'http://evil', approved_at: '2000-01-01T00:00:00Z', nonsense: true,
    });
    expect(reply.status).toBe(200);
    const s = reply.body.suggestions[0];
    expect(s.id).not.toBe(999);
    expect([s.votes_count, s.supporters_count, s.state, s.links.created_by, s.links.parent_suggestion]).toEqual([0, 0, 'approved', ownerId, null]);
    expect(s.portal_url).toBe(`${app.config.publicUrl}/forums/${forum.id}/suggestions/${s.id}`);
  });

  it('422 with every field error at once', async () => {
    const forum = await a.forum();
    const other = await a.forum();
    const foreign = await a.category(other.id);
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { title: ["can't be blank"], 'links.forum': ["can't be blank"] }],
      [{ title: '   ', links: { forum: 999999 } }, { title: ["can't be blank"], 'links.forum': ['does not exist'] }],
      [{ title: 'x'.repeat(256), links: { forum: forum.id } }, { title: ['is too long (maximum is 255 characters)'] }],
      [{ title: 'nul \u0000 byte', links: { forum: forum.id } }, { title: ['contains invalid characters'] }],
      [{ title: 'ok', links: { forum: forum.id, category: foreign.id } }, { 'links.category': ['does not belong to the forum'] }],
      [{ title: 'ok', links: { forum: forum.id, category: 999999, status: 999999 } }, { 'links.category': ['does not exist'], 'links.status': ['does not exist'] }],
      [{ title: 'ok', links: { forum: 'abc' } }, { 'links.forum': ['does not exist'] }],
      [{ title: 'ok', links: { forum: forum.id }, body_mime_type: 'image/png' }, { body_mime_type: ['must be one of text/plain, text/html'] }],
      [{ title: 'ok', links: { forum: forum.id }, created_at: 'last tuesday' }, { created_at: ['is invalid'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/suggestions', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body).toEqual({ errors });
    }
    expect(await counts(forum.id)).toEqual([0, 0]);
  });

  it('a 255-character title (counted in characters, emoji included) is accepted', async () => {
    const forum = await a.forum();
    const title = `${'😀'.repeat(5)}${'a'.repeat(250)}`;
    const reply = await a.post('/suggestions', { title, links: { forum: forum.id } });
    expect(reply.status).toBe(200);
    expect(reply.body.suggestions[0].title).toBe(title);
  });

  it('requires a category in a forum with category_required', async () => {
    const forum = await a.forum({ category_required: true });
    const reply = await a.post('/suggestions', { title: 'x', links: { forum: forum.id } });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { 'links.category': ["can't be blank"] } });
  });
});

describe('PUT /admin/suggestions/{id}', () => {
  it('updates title and body (JSON and form), keeps what is not sent', async () => {
    const forum = await a.forum();
    const s = await a.suggestion(forum.id, { body: 'old body' });
    const json = await a.put(`/suggestions/${s.id}`, { title: 'New title' });
    expect(json.status).toBe(200);
    expect(json.body.suggestions[0]).toMatchObject({ title: 'New title', body: 'old body' });
    const form = await a.put(`/suggestions/${s.id}`, undefined, { form: 'body=new+body;body_mime_type=text/html' });
    expect(form.body.suggestions[0]).toMatchObject({ title: 'New title', body: 'new body', body_mime_type: 'text/html' });
  });

  it('moves between forums (counts follow, a category of the old forum is dropped)', async () => {
    const from = await a.forum();
    const to = await a.forum();
    const category = await a.category(from.id);
    const s = await a.suggestion(from.id, { links: { category: category.id } });
    expect(await counts(from.id)).toEqual([1, 1]);
    const moved = await a.put(`/suggestions/${s.id}`, { links: { forum: to.id } });
    expect(moved.body.suggestions[0].links).toMatchObject({ forum: to.id, category: null });
    expect(moved.body.suggestions[0].portal_url).toBe(`${app.config.publicUrl}/forums/${to.id}/suggestions/${s.id}`);
    expect(await counts(from.id)).toEqual([0, 0]);
    expect(await counts(to.id)).toEqual([1, 1]);
    expect((await a.get(`/categories/${category.id}`)).body.categories[0]).toMatchObject({ suggestions_count: 0, open_suggestions_count: 0 });
  });

  it('a closed status stamps closed_at and leaves the open count; clearing it reopens', async () => {
    const forum = await a.forum();
    const done = await a.status({ name: 'completed', is_open: false });
    const s = await a.suggestion(forum.id);
    const closed = await a.put(`/suggestions/${s.id}`, { links: { status: done.id } });
    expect(closed.body.suggestions[0].closed_at).toMatch(ISO_SECONDS);
    expect(await counts(forum.id)).toEqual([1, 0]);
    const reopened = await a.put(`/suggestions/${s.id}`, undefined, { form: 'links.status=' });
    expect(reopened.body.suggestions[0]).toMatchObject({ closed_at: null, links: { status: null } });
    expect(await counts(forum.id)).toEqual([1, 1]);
  });

  it('404 for an unknown id, 422 for invalid input', async () => {
    const missing = await a.put('/suggestions/999999', { title: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: { error: 'record_not_found' } });
    const forum = await a.forum();
    const s = await a.suggestion(forum.id);
    const invalid = await a.put(`/suggestions/${s.id}`, { title: '' });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({ errors: { title: ["can't be blank"] } });
  });
});

describe('state changes and delete', () => {
  it('spam, unremove, delete, approve and publish change state and the counts', async () => {
    const forum = await a.forum();
    const s = await a.suggestion(forum.id);
    const steps: Array<[string, string, string, number[]]> = [
      ['PUT', 'spam', 'spam', [0, 0]],
      ['PUT', 'unremove', 'approved', [1, 1]],
      ['DELETE', '', 'deleted', [0, 0]],
      ['PUT', 'unremove', 'approved', [1, 1]],
      ['PUT', 'publish', 'published', [1, 1]],
      ['PUT', 'approve', 'approved', [1, 1]],
    ];
    for (const [method, action, state, expected] of steps) {
      const path = action ? `/suggestions/${s.id}/${action}` : `/suggestions/${s.id}`;
      const reply = method === 'PUT' ? await a.put(path) : await a.delete(path);
      expect(reply.status, `${method} ${action}`).toBe(200);
      expect(reply.body.suggestions).toHaveLength(1);
      expect(reply.body.suggestions[0].state).toBe(state);
      expect(await counts(forum.id), `${method} ${action}`).toEqual(expected);
    }
  });

  it('DELETE returns the deleted record, which stays readable (and filterable) as deleted', async () => {
    const forum = await a.forum();
    const s = await a.suggestion(forum.id);
    const reply = await a.delete(`/suggestions/${s.id}`);
    expect(reply.body).toEqual({ suggestions: [{ ...s, state: 'deleted', updated_at: expect.stringMatching(ISO_SECONDS) }], links: reply.body.links });
    expect((await a.get(`/suggestions?forum=${forum.id}&state=-deleted`)).body.suggestions).toEqual([]);
    expect((await a.get(`/suggestions?forum=${forum.id}&state=deleted`)).body.suggestions.map((r: any) => r.id)).toEqual([s.id]);
  });

  it('404 for actions on an unknown suggestion; 404 for an unknown action', async () => {
    expect((await a.put('/suggestions/999999/approve')).status).toBe(404);
    expect((await a.delete('/suggestions/999999')).status).toBe(404);
    const forum = await a.forum();
    const s = await a.suggestion(forum.id);
    const unknown = await a.put(`/suggestions/${s.id}/convert`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ errors: { error: 'not_found' } });
  });
});

describe('stored counters equal a recount after a scripted session', () => {
  it('forums, categories and labels', async () => {
    const f1 = await a.forum();
    const f2 = await a.forum();
    const c1 = await a.category(f1.id);
    const c2 = await a.category(f2.id);
    const closed = await a.status({ is_open: false });
    const label = await a.label();
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push((await a.suggestion(i % 2 ? f1.id : f2.id, { links: { category: i % 2 ? c1.id : c2.id } })).id);
    for (const id of ids.slice(0, 6)) await a.post('/labels/attach', { links: { label: label.id, suggestion: id } });
    await a.put(`/suggestions/${ids[0]}/spam`);
    await a.delete(`/suggestions/${ids[1]}`);
    await a.put(`/suggestions/${ids[2]}`, { links: { status: closed.id } });
    await a.put(`/suggestions/${ids[3]}`, { links: { forum: f2.id, category: c2.id } });
    await a.post('/labels/detach', { links: { label: label.id, suggestion: ids[4] } });
    await a.put(`/suggestions/${ids[1]}/unremove`);

    // The oracle: count from the suggestions themselves, read back through the API.
    const all = (await a.get(`/suggestions?forum=${f1.id},${f2.id}&per_page=100`)).body.suggestions as any[];
    const visible = (r: any) => ['new', 'approved', 'published', 'closed'].includes(r.state);
    const open = (r: any) => ['approved', 'published'].includes(r.state) && r.links.status !== closed.id;
    const recount = (key: 'forum' | 'category', id: number) => {
      const mine = all.filter((r) => r.links[key] === id);
      return [mine.filter(visible).length, mine.filter(open).length];
    };
    for (const f of [f1, f2]) {
      const stored = (await a.get(`/forums/${f.id}`)).body.forums[0];
      expect([stored.suggestions_count, stored.open_suggestions_count]).toEqual(recount('forum', f.id));
    }
    for (const c of [c1, c2]) {
      const stored = (await a.get(`/categories/${c.id}`)).body.categories[0];
      expect([stored.suggestions_count, stored.open_suggestions_count]).toEqual(recount('category', c.id));
    }
    // Label: attached to ids 0..5, 4 detached, 0 spam, 2 closed → open ones are 1, 3, 5.
    expect((await a.get(`/labels/${label.id}`)).body.labels[0].open_suggestions_count).toBe(3);
  });
});

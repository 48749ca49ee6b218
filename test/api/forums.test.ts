import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { api, type Api } from '../helpers/factories.ts';
import { NOT_FOUND, USER_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let uv: Api;
let owner: any;

beforeAll(async () => {
  app = await startTestApp();
  uv = await api(app);
  owner = (await uv.get('/users/current')).body.users[0];
});
afterAll(() => app?.close());

const FORUM_LINKS = { 'forums.updated_by': { type: 'users' } };

/** A forum as the wire shows it: defaults for everything not given. */
function forumRecord(id: number, fields: Record<string, unknown> = {}) {
  return {
    id,
    name: expect.any(String),
    welcome_message: null,
    welcome_message_mime_type: 'text/html',
    prompt: null,
    example: null,
    portal_url: `${app.config.publicUrl}/forums/${id}`,
    open_suggestions_count: 0,
    suggestions_count: 0,
    is_public: true,
    is_private: false,
    classic_voting: false,
    category_required: false,
    is_open: true,
    importance_enabled: false,
    moderation_enabled: false,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { updated_by: owner.id },
    ...fields,
  };
}

async function counts(forumId: number): Promise<[number, number]> {
  const reply = await uv.get(`/forums/${forumId}`);
  expect(reply.status).toBe(200);
  const forum = reply.body.forums[0];
  return [forum.suggestions_count, forum.open_suggestions_count];
}

describe('GET /admin/forums/{id}', () => {
  it('returns one record in the plural key with every field typed, and the links map', async () => {
    const forum = await uv.forum({ name: 'Feature requests' });
    const reply = await uv.get(`/forums/${forum.id}`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(reply.body).toEqual({ forums: [forumRecord(forum.id, { name: 'Feature requests' })], links: FORUM_LINKS });
    expect(reply.body.forums[0].portal_url).toBe(`${app.config.publicUrl}/forums/${forum.id}`);
    expect(Number.isInteger(reply.body.forums[0].id)).toBe(true);
  });

  it('reads several ids in the requested order', async () => {
    const a = await uv.forum({ name: 'Alpha' });
    const b = await uv.forum({ name: 'Beta' });
    const c = await uv.forum({ name: 'Gamma' });
    const reply = await uv.get(`/forums/${c.id},${a.id},${b.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      forums: [forumRecord(c.id, { name: 'Gamma' }), forumRecord(a.id, { name: 'Alpha' }), forumRecord(b.id, { name: 'Beta' })],
      links: FORUM_LINKS,
    });
  });

  it('404 record_not_found when any id is missing or an id is not numeric', async () => {
    const a = await uv.forum();
    for (const ids of [`${a.id},999999`, '999999', `999999,${a.id}`, 'abc', `${a.id},abc`, '1.5', '-1', '0', `${a.id},`]) {
      const reply = await uv.get(`/forums/${ids}`);
      expect(reply.status, ids).toBe(404);
      expect(reply.body, ids).toEqual(NOT_FOUND);
    }
  });

  it('?includes=users side-loads updated_by; unknown include names are ignored', async () => {
    const forum = await uv.forum({ name: 'Includes' });
    const plain = { forums: [forumRecord(forum.id, { name: 'Includes' })], links: FORUM_LINKS };
    const withUsers = { ...plain, users: [owner], links: { ...FORUM_LINKS, ...USER_LINKS } };

    const users = await uv.get(`/forums/${forum.id}?includes=users`);
    expect(users.status).toBe(200);
    expect(users.body).toEqual(withUsers);

    for (const query of ['includes=bogus', 'includes=bogus,nope', 'includes=forums', 'includes=']) {
      const reply = await uv.get(`/forums/${forum.id}?${query}`);
      expect(reply.status, query).toBe(200);
      expect(reply.body, query).toEqual(plain);
    }
    for (const query of ['includes=bogus,users', 'includes=bogus&includes=users', 'includes=users,forums']) {
      const reply = await uv.get(`/forums/${forum.id}?${query}`);
      expect(reply.status, query).toBe(200);
      expect(reply.body, query).toEqual(withUsers);
    }
  });
});

describe('GET /admin/forums (list)', () => {
  it('adds list_meta: null and pagination', async () => {
    const forum = await uv.forum({ name: 'Newest' });
    const reply = await uv.get('/forums?per_page=1');
    expect(reply.status).toBe(200);
    const total = reply.body.pagination.total_records;
    expect(total).toBeGreaterThanOrEqual(1);
    expect(reply.body).toEqual({
      forums: [forumRecord(forum.id, { name: 'Newest' })],
      links: FORUM_LINKS,
      list_meta: null,
      pagination: { page: 1, per_page: 1, total_pages: total, total_records: total, ...(total > 1 ? { cursor: expect.any(String), page_token: expect.any(String) } : {}) },
    });
  });

  it('filters by open', async () => {
    const closed = await uv.forum({ name: 'Closed one', is_open: false });
    const reply = await uv.get('/forums?open=false&per_page=100');
    expect(reply.status).toBe(200);
    expect(reply.body.list_meta).toBeNull();
    expect(reply.body.forums.map((f: any) => f.id)).toContain(closed.id);
    expect(reply.body.forums.every((f: any) => f.is_open === false)).toBe(true);
  });
});

describe('POST /admin/forums', () => {
  const everything = {
    name: 'Everything',
    welcome_message: '<p>Welcome</p>',
    welcome_message_mime_type: 'text/plain',
    prompt: 'Got an idea?',
    example: 'Dark mode',
    is_public: false,
    is_private: true,
    classic_voting: true,
    category_required: true,
    is_open: false,
    importance_enabled: true,
    moderation_enabled: true,
  };

  it('creates from a flat JSON body with every writable field', async () => {
    const reply = await uv.post('/forums', everything);
    expect(reply.status).toBe(200);
    const id = reply.body.forums[0].id;
    expect(reply.body).toEqual({ forums: [forumRecord(id, everything)], links: FORUM_LINKS });
    expect((await uv.get(`/forums/${id}`)).body).toEqual(reply.body);
  });

  it('creates from a body wrapped as {"forum": {...}}', async () => {
    const reply = await uv.post('/forums', { forum: { name: 'Wrapped', is_open: false, prompt: 'Tell us' } });
    expect(reply.status).toBe(200);
    const id = reply.body.forums[0].id;
    expect(reply.body).toEqual({ forums: [forumRecord(id, { name: 'Wrapped', is_open: false, prompt: 'Tell us' })], links: FORUM_LINKS });
  });

  it('creates from a form body (& and ; separators, trailing separator)', async () => {
    const amp = await uv.post('/forums', undefined, { form: 'name=Form+Forum&is_private=true&prompt=Tell%20us%20more&classic_voting=1' });
    expect(amp.status).toBe(200);
    expect(amp.body).toEqual({
      forums: [forumRecord(amp.body.forums[0].id, { name: 'Form Forum', is_private: true, prompt: 'Tell us more', classic_voting: true })],
      links: FORUM_LINKS,
    });

    const semi = await uv.post('/forums', undefined, { form: 'name=Semicolon%20Forum;is_public=false;example=An%20example;' });
    expect(semi.status).toBe(200);
    expect(semi.body).toEqual({
      forums: [forumRecord(semi.body.forums[0].id, { name: 'Semicolon Forum', is_public: false, example: 'An example' })],
      links: FORUM_LINKS,
    });
  });

  it('ignores unknown and read-only fields', async () => {
    const reply = await uv.post('/forums', {
      name: 'Read-only',
      id: 999_999,
      created_at: '2001-01-01T00:00:00Z',
      updated_at: '2001-01-01T00:00:00Z',
      suggestions_count: 42,
      open_suggestions_count: 7,
      portal_url: 'https://evil.example.com/',
      updated_by: 12345,
      links: { updated_by: 12345 },
      colour: 'blue',
    });
    expect(reply.status).toBe(200);
    const record = reply.body.forums[0];
    expect(record.id).not.toBe(999_999);
    expect(reply.body).toEqual({ forums: [forumRecord(record.id, { name: 'Read-only' })], links: FORUM_LINKS });
    expect(record.created_at).not.toBe('2001-01-01T00:00:00Z');
    expect(record.updated_at).not.toBe('2001-01-01T00:00:00Z');
    expect((await uv.get('/forums/999999')).status).toBe(404);
  });

  it('side-loads on writes with includes in the body (JSON array)', async () => {
    const reply = await uv.post('/forums', { name: 'Write includes', includes: ['users', 'bogus'] });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      forums: [forumRecord(reply.body.forums[0].id, { name: 'Write includes' })],
      users: [owner],
      links: { ...FORUM_LINKS, ...USER_LINKS },
    });
  });

  it('422 when name is missing or blank', async () => {
    for (const json of [{}, { name: '' }, { name: '   ' }, { name: null }, { prompt: 'no name' }, { forum: {} }]) {
      const reply = await uv.post('/forums', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors: { name: ["can't be blank"] } });
    }
    for (const form of ['name=', 'prompt=x', 'name=%20%20']) {
      const reply = await uv.post('/forums', undefined, { form });
      expect(reply.status, form).toBe(422);
      expect(reply.body, form).toEqual({ errors: { name: ["can't be blank"] } });
    }
  });

  it('422 when name is longer than 255 characters; 255 is fine', async () => {
    const long = await uv.post('/forums', { name: 'x'.repeat(256) });
    expect(long.status).toBe(422);
    expect(long.body).toEqual({ errors: { name: ['is too long (maximum is 255 characters)'] } });

    const fits = await uv.post('/forums', { name: 'y'.repeat(255) });
    expect(fits.status).toBe(200);
    expect(fits.body.forums[0].name).toBe('y'.repeat(255));
  });

  it('422 for a NUL character in the name', async () => {
    const reply = await uv.post('/forums', { name: 'bad\u0000name' });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { name: ['contains invalid characters'] } });
  });
});

describe('PUT /admin/forums/{id}', () => {
  it('updates the given fields and leaves the rest', async () => {
    const forum = await uv.forum({ name: 'Before', prompt: 'Old prompt', example: 'Old example' });
    const reply = await uv.put(`/forums/${forum.id}`, { name: 'After', prompt: null, is_open: false });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ forums: [forumRecord(forum.id, { name: 'After', prompt: null, example: 'Old example', is_open: false })], links: FORUM_LINKS });
    expect((await uv.get(`/forums/${forum.id}`)).body).toEqual(reply.body);
  });

  it('takes a wrapped JSON body and form bodies with & and ;', async () => {
    const forum = await uv.forum({ name: 'Put forms' });
    const wrapped = await uv.put(`/forums/${forum.id}`, { forum: { name: 'Wrapped put', is_private: true } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body).toEqual({ forums: [forumRecord(forum.id, { name: 'Wrapped put', is_private: true })], links: FORUM_LINKS });

    const amp = await uv.put(`/forums/${forum.id}`, undefined, { form: 'name=Amp+put&is_private=false' });
    expect(amp.status).toBe(200);
    expect(amp.body).toEqual({ forums: [forumRecord(forum.id, { name: 'Amp put' })], links: FORUM_LINKS });

    const semi = await uv.put(`/forums/${forum.id}`, undefined, { form: 'name=Semi+put;moderation_enabled=true;' });
    expect(semi.status).toBe(200);
    expect(semi.body).toEqual({ forums: [forumRecord(forum.id, { name: 'Semi put', moderation_enabled: true })], links: FORUM_LINKS });
  });

  it('ignores unknown and read-only fields', async () => {
    const forum = await uv.forum({ name: 'Untouchable' });
    const reply = await uv.put(`/forums/${forum.id}`, {
      id: 999_998,
      suggestions_count: 5,
      open_suggestions_count: 5,
      portal_url: 'x',
      created_at: '2001-01-01T00:00:00Z',
      links: { updated_by: 12345 },
      bogus: true,
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ forums: [forumRecord(forum.id, { name: 'Untouchable', created_at: forum.created_at })], links: FORUM_LINKS });
  });

  it('422 for a blank or too long name', async () => {
    const forum = await uv.forum({ name: 'Stays' });
    for (const name of ['', '  ', null]) {
      const reply = await uv.put(`/forums/${forum.id}`, { name });
      expect(reply.status).toBe(422);
      expect(reply.body).toEqual({ errors: { name: ["can't be blank"] } });
    }
    const long = await uv.put(`/forums/${forum.id}`, { name: 'z'.repeat(256) });
    expect(long.status).toBe(422);
    expect(long.body).toEqual({ errors: { name: ['is too long (maximum is 255 characters)'] } });
    expect((await uv.get(`/forums/${forum.id}`)).body.forums[0].name).toBe('Stays');
  });

  it('404 record_not_found for an unknown or non-numeric id', async () => {
    for (const id of ['999999', 'abc', '1,2']) {
      const reply = await uv.put(`/forums/${id}`, { name: 'Nope' });
      expect(reply.status, id).toBe(404);
      expect(reply.body, id).toEqual(NOT_FOUND);
    }
  });
});

describe('DELETE /admin/forums/{id}', () => {
  it('deletes an empty forum and returns it as it was; afterwards GET is 404', async () => {
    const forum = await uv.forum({ name: 'Doomed', prompt: 'Bye' });
    const before = (await uv.get(`/forums/${forum.id}`)).body;
    const reply = await uv.delete(`/forums/${forum.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ forums: [forumRecord(forum.id, { name: 'Doomed', prompt: 'Bye' })], links: FORUM_LINKS });
    expect(reply.body).toEqual(before);

    const gone = await uv.get(`/forums/${forum.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(NOT_FOUND);
    const again = await uv.delete(`/forums/${forum.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual(NOT_FOUND);
  });

  it('422 for a forum that has suggestions; the forum stays', async () => {
    const forum = await uv.forum();
    await uv.suggestion(forum.id);
    const reply = await uv.delete(`/forums/${forum.id}`);
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { forum: ['has suggestions; move or delete them first'] } });
    expect((await uv.get(`/forums/${forum.id}`)).status).toBe(200);
  });

  it('404 record_not_found for an unknown or non-numeric id', async () => {
    for (const id of ['999999', 'abc']) {
      const reply = await uv.delete(`/forums/${id}`);
      expect(reply.status, id).toBe(404);
      expect(reply.body, id).toEqual(NOT_FOUND);
    }
  });
});

describe('suggestions_count and open_suggestions_count', () => {
  it('follow creates, spam, unremove, delete, moves and closed statuses', async () => {
    const forum = await uv.forum();
    const other = await uv.forum();
    expect(await counts(forum.id)).toEqual([0, 0]);

    const create = await uv.post('/suggestions', { title: 'First idea', links: { forum: forum.id } });
    expect(create.status).toBe(200);
    const s1 = create.body.suggestions[0].id;
    expect(await counts(forum.id)).toEqual([1, 1]);
    const s2 = (await uv.suggestion(forum.id)).id;
    expect(await counts(forum.id)).toEqual([2, 2]);

    expect((await uv.put(`/suggestions/${s1}/spam`)).body.suggestions[0].state).toBe('spam');
    expect(await counts(forum.id)).toEqual([1, 1]);
    expect((await uv.put(`/suggestions/${s1}/unremove`)).body.suggestions[0].state).toBe('approved');
    expect(await counts(forum.id)).toEqual([2, 2]);

    const deleted = await uv.delete(`/suggestions/${s2}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.suggestions[0].state).toBe('deleted');
    expect((await uv.get(`/suggestions/${s2}`)).body.suggestions[0].state).toBe('deleted');
    expect(await counts(forum.id)).toEqual([1, 1]);
    await uv.put(`/suggestions/${s2}/unremove`);
    expect(await counts(forum.id)).toEqual([2, 2]);

    const moved = await uv.put(`/suggestions/${s1}`, { links: { forum: other.id } });
    expect(moved.status).toBe(200);
    expect(moved.body.suggestions[0].links.forum).toBe(other.id);
    expect(await counts(forum.id)).toEqual([1, 1]);
    expect(await counts(other.id)).toEqual([1, 1]);

    const closed = await uv.status({ is_open: false });
    const open = await uv.status({ is_open: true });
    expect((await uv.put(`/suggestions/${s2}`, { links: { status: closed.id } })).status).toBe(200);
    expect(await counts(forum.id)).toEqual([1, 0]);
    expect((await uv.put(`/suggestions/${s2}`, { links: { status: open.id } })).status).toBe(200);
    expect(await counts(forum.id)).toEqual([1, 1]);
    await uv.put(`/suggestions/${s2}`, { links: { status: closed.id } });
    expect(await counts(forum.id)).toEqual([1, 0]);
    await uv.put(`/suggestions/${s2}`, { links: { status: null } });
    expect(await counts(forum.id)).toEqual([1, 1]);

    // A closed suggestion that is then marked spam leaves both counters.
    await uv.put(`/suggestions/${s2}`, { links: { status: closed.id } });
    await uv.put(`/suggestions/${s2}/spam`);
    expect(await counts(forum.id)).toEqual([0, 0]);
    await uv.put(`/suggestions/${s2}/unremove`);
    expect(await counts(forum.id)).toEqual([1, 0]);

    // Moving back: counted where it lives now.
    await uv.put(`/suggestions/${s1}`, { links: { forum: forum.id } });
    expect(await counts(forum.id)).toEqual([2, 1]);
    expect(await counts(other.id)).toEqual([0, 0]);

    // A suggestion created straight into a closed status.
    await uv.suggestion(other.id, { links: { status: closed.id } });
    expect(await counts(other.id)).toEqual([1, 0]);

    const whole = await uv.get(`/forums/${forum.id}`);
    expect(whole.body).toEqual({ forums: [forumRecord(forum.id, { suggestions_count: 2, open_suggestions_count: 1 })], links: FORUM_LINKS });
  });

  it('a forum whose suggestions were all moved away can be deleted', async () => {
    const forum = await uv.forum();
    const other = await uv.forum();
    const s = await uv.suggestion(forum.id);
    expect((await uv.delete(`/forums/${forum.id}`)).status).toBe(422);
    await uv.put(`/suggestions/${s.id}`, { links: { forum: other.id } });
    const reply = await uv.delete(`/forums/${forum.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body.forums[0].id).toBe(forum.id);
    expect((await uv.get(`/forums/${forum.id}`)).status).toBe(404);
  });
});

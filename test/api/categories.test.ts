import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { api, type Api } from '../helpers/factories.ts';
import { NOT_FOUND } from '../helpers/wire.ts';

let app: TestApp;
let uv: Api;

beforeAll(async () => {
  app = await startTestApp();
  uv = await api(app);
});
afterAll(() => app?.close());

const CATEGORY_LINKS = { 'categories.forum': { type: 'forums' } };

function categoryRecord(id: number, forumId: number, fields: Record<string, unknown> = {}) {
  return {
    id,
    name: expect.any(String),
    suggestions_count: 0,
    open_suggestions_count: 0,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { forum: forumId },
    ...fields,
  };
}

async function counts(categoryId: number): Promise<[number, number]> {
  const reply = await uv.get(`/categories/${categoryId}`);
  expect(reply.status).toBe(200);
  const category = reply.body.categories[0];
  return [category.suggestions_count, category.open_suggestions_count];
}

async function suggestionLinks(id: number): Promise<Record<string, unknown>> {
  const reply = await uv.get(`/suggestions/${id}`);
  expect(reply.status).toBe(200);
  return reply.body.suggestions[0].links;
}

describe('GET /admin/categories/{id}', () => {
  it('returns one record in the plural key with every field typed, and the links map', async () => {
    const forum = await uv.forum();
    const category = await uv.category(forum.id, { name: 'Mobile' });
    const reply = await uv.get(`/categories/${category.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ categories: [categoryRecord(category.id, forum.id, { name: 'Mobile' })], links: CATEGORY_LINKS });
  });

  it('reads several ids in the requested order; 404 when any is missing or not numeric', async () => {
    const forum = await uv.forum();
    const a = await uv.category(forum.id, { name: 'A' });
    const b = await uv.category(forum.id, { name: 'B' });
    const c = await uv.category(forum.id, { name: 'C' });
    const reply = await uv.get(`/categories/${b.id},${c.id},${a.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      categories: [categoryRecord(b.id, forum.id, { name: 'B' }), categoryRecord(c.id, forum.id, { name: 'C' }), categoryRecord(a.id, forum.id, { name: 'A' })],
      links: CATEGORY_LINKS,
    });
    for (const ids of [`${a.id},999999`, '999999', 'abc', `${a.id},x`, '0']) {
      const missing = await uv.get(`/categories/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body, ids).toEqual(NOT_FOUND);
    }
  });

  it('?includes=forums side-loads the forum; unknown names are ignored', async () => {
    const forum = await uv.forum({ name: 'Home forum' });
    const category = await uv.category(forum.id, { name: 'With forum' });
    const forumRecord = (await uv.get(`/forums/${forum.id}`)).body.forums[0];
    const reply = await uv.get(`/categories/${category.id}?includes=forums`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      categories: [categoryRecord(category.id, forum.id, { name: 'With forum' })],
      forums: [forumRecord],
      links: { ...CATEGORY_LINKS, 'forums.updated_by': { type: 'users' } },
    });

    for (const query of ['includes=bogus', 'includes=categories', 'includes=widgets,gadgets']) {
      const plain = await uv.get(`/categories/${category.id}?${query}`);
      expect(plain.status, query).toBe(200);
      expect(plain.body, query).toEqual({ categories: [categoryRecord(category.id, forum.id, { name: 'With forum' })], links: CATEGORY_LINKS });
    }
  });

  it('side-loads each forum once for several categories', async () => {
    const f1 = await uv.forum();
    const f2 = await uv.forum();
    const a = await uv.category(f1.id);
    const b = await uv.category(f2.id);
    const c = await uv.category(f1.id);
    const reply = await uv.get(`/categories/${a.id},${b.id},${c.id}?includes=forums`);
    expect(reply.status).toBe(200);
    expect(reply.body.forums.map((f: any) => f.id)).toEqual([f1.id, f2.id]);
  });
});

describe('GET /admin/categories (list)', () => {
  it('filters by forum, with list_meta: null and pagination', async () => {
    const forum = await uv.forum();
    const a = await uv.category(forum.id, { name: 'First' });
    const b = await uv.category(forum.id, { name: 'Second' });
    await uv.category((await uv.forum()).id);
    const reply = await uv.get(`/categories?forum=${forum.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      categories: [categoryRecord(b.id, forum.id, { name: 'Second' }), categoryRecord(a.id, forum.id, { name: 'First' })],
      links: CATEGORY_LINKS,
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 2 },
    });
  });
});

describe('POST /admin/categories', () => {
  it('creates from flat JSON, wrapped JSON, & and ; form bodies with links.forum', async () => {
    const forum = await uv.forum();
    const flat = await uv.post('/categories', { name: 'Flat', links: { forum: forum.id } });
    expect(flat.status).toBe(200);
    expect(flat.body).toEqual({ categories: [categoryRecord(flat.body.categories[0].id, forum.id, { name: 'Flat' })], links: CATEGORY_LINKS });

    const wrapped = await uv.post('/categories', { category: { name: 'Wrapped', links: { forum: forum.id } } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body).toEqual({ categories: [categoryRecord(wrapped.body.categories[0].id, forum.id, { name: 'Wrapped' })], links: CATEGORY_LINKS });

    const amp = await uv.post('/categories', undefined, { form: `name=Form+category&links.forum=${forum.id}` });
    expect(amp.status).toBe(200);
    expect(amp.body).toEqual({ categories: [categoryRecord(amp.body.categories[0].id, forum.id, { name: 'Form category' })], links: CATEGORY_LINKS });

    const semi = await uv.post('/categories', undefined, { form: `name=Semi%20category;links.forum=${forum.id};` });
    expect(semi.status).toBe(200);
    expect(semi.body).toEqual({ categories: [categoryRecord(semi.body.categories[0].id, forum.id, { name: 'Semi category' })], links: CATEGORY_LINKS });

    const list = await uv.get(`/categories?forum=${forum.id}`);
    expect(list.body.categories.map((c: any) => c.name)).toEqual(['Semi category', 'Form category', 'Wrapped', 'Flat']);
  });

  it('ignores unknown and read-only fields', async () => {
    const forum = await uv.forum();
    const reply = await uv.post('/categories', {
      name: 'Read-only',
      id: 999_999,
      suggestions_count: 9,
      open_suggestions_count: 9,
      created_at: '2001-01-01T00:00:00Z',
      links: { forum: forum.id, parent: 3 },
      colour: 'red',
    });
    expect(reply.status).toBe(200);
    const id = reply.body.categories[0].id;
    expect(id).not.toBe(999_999);
    expect(reply.body).toEqual({ categories: [categoryRecord(id, forum.id, { name: 'Read-only' })], links: CATEGORY_LINKS });
    expect(reply.body.categories[0].created_at).not.toBe('2001-01-01T00:00:00Z');
  });

  it('side-loads with includes in a write body', async () => {
    const forum = await uv.forum();
    const reply = await uv.post('/categories', { name: 'Includes', links: { forum: forum.id }, includes: 'forums' });
    expect(reply.status).toBe(200);
    expect(reply.body.forums).toEqual([(await uv.get(`/forums/${forum.id}`)).body.forums[0]]);
  });

  it('422 for a missing or blank name, and for a too long one', async () => {
    const forum = await uv.forum();
    for (const name of [undefined, '', '   ', null]) {
      const reply = await uv.post('/categories', { ...(name === undefined ? {} : { name }), links: { forum: forum.id } });
      expect(reply.status, String(name)).toBe(422);
      expect(reply.body, String(name)).toEqual({ errors: { name: ["can't be blank"] } });
    }
    const long = await uv.post('/categories', { name: 'c'.repeat(256), links: { forum: forum.id } });
    expect(long.status).toBe(422);
    expect(long.body).toEqual({ errors: { name: ['is too long (maximum is 255 characters)'] } });
  });

  it('422 for a missing or non-existent links.forum', async () => {
    const missing = await uv.post('/categories', { name: 'Homeless' });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ errors: { 'links.forum': ["can't be blank"] } });

    const nothing = await uv.post('/categories', {});
    expect(nothing.status).toBe(422);
    expect(nothing.body).toEqual({ errors: { name: ["can't be blank"], 'links.forum': ["can't be blank"] } });

    for (const forum of [999_999, 'abc', -1, 0]) {
      const reply = await uv.post('/categories', { name: 'Lost', links: { forum } });
      expect(reply.status, String(forum)).toBe(422);
      expect(reply.body, String(forum)).toEqual({ errors: { 'links.forum': ['does not exist'] } });
    }
    const form = await uv.post('/categories', undefined, { form: 'name=Lost&links.forum=999999' });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { 'links.forum': ['does not exist'] } });
  });
});

describe('PUT /admin/categories/{id}', () => {
  it('renames, and ignores read-only fields', async () => {
    const forum = await uv.forum();
    const category = await uv.category(forum.id, { name: 'Old' });
    const reply = await uv.put(`/categories/${category.id}`, { name: 'New', suggestions_count: 3, id: 999_999 });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ categories: [categoryRecord(category.id, forum.id, { name: 'New', created_at: category.created_at })], links: CATEGORY_LINKS });

    const form = await uv.put(`/categories/${category.id}`, undefined, { form: 'name=Newer;' });
    expect(form.status).toBe(200);
    expect(form.body).toEqual({ categories: [categoryRecord(category.id, forum.id, { name: 'Newer' })], links: CATEGORY_LINKS });

    const wrapped = await uv.put(`/categories/${category.id}`, { category: { name: 'Newest' } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body).toEqual({ categories: [categoryRecord(category.id, forum.id, { name: 'Newest' })], links: CATEGORY_LINKS });
  });

  it('moves to another forum; suggestions stay in their forum and lose the category', async () => {
    const forum = await uv.forum();
    const other = await uv.forum();
    const category = await uv.category(forum.id);
    const s = await uv.suggestion(forum.id, { links: { category: category.id } });
    expect(await counts(category.id)).toEqual([1, 1]);

    const reply = await uv.put(`/categories/${category.id}`, undefined, { form: `links.forum=${other.id}` });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ categories: [categoryRecord(category.id, other.id, { name: category.name })], links: CATEGORY_LINKS });
    expect(await suggestionLinks(s.id)).toMatchObject({ forum: forum.id, category: null });
  });

  it('422 for a blank name or a non-existent links.forum; 404 for an unknown id', async () => {
    const forum = await uv.forum();
    const category = await uv.category(forum.id, { name: 'Kept' });
    const blank = await uv.put(`/categories/${category.id}`, { name: '' });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ errors: { name: ["can't be blank"] } });
    const lost = await uv.put(`/categories/${category.id}`, { links: { forum: 999_999 } });
    expect(lost.status).toBe(422);
    expect(lost.body).toEqual({ errors: { 'links.forum': ['does not exist'] } });
    const nullForum = await uv.put(`/categories/${category.id}`, { links: { forum: null } });
    expect(nullForum.status).toBe(422);
    expect(nullForum.body).toEqual({ errors: { 'links.forum': ["can't be blank"] } });
    expect((await uv.get(`/categories/${category.id}`)).body).toEqual({
      categories: [categoryRecord(category.id, forum.id, { name: 'Kept' })],
      links: CATEGORY_LINKS,
    });

    for (const id of ['999999', 'abc']) {
      const reply = await uv.put(`/categories/${id}`, { name: 'Nope' });
      expect(reply.status, id).toBe(404);
      expect(reply.body, id).toEqual(NOT_FOUND);
    }
  });
});

describe('DELETE /admin/categories/{id}', () => {
  it('returns the record as it was; afterwards GET is 404; suggestions lose links.category', async () => {
    const forum = await uv.forum();
    const category = await uv.category(forum.id, { name: 'Doomed' });
    const s = await uv.suggestion(forum.id, { links: { category: category.id } });
    const before = (await uv.get(`/categories/${category.id}`)).body;
    expect(before).toEqual({ categories: [categoryRecord(category.id, forum.id, { name: 'Doomed', suggestions_count: 1, open_suggestions_count: 1 })], links: CATEGORY_LINKS });

    const reply = await uv.delete(`/categories/${category.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(before);

    const gone = await uv.get(`/categories/${category.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(NOT_FOUND);
    expect(await suggestionLinks(s.id)).toMatchObject({ forum: forum.id, category: null });
    const forumAfter = (await uv.get(`/forums/${forum.id}`)).body.forums[0];
    expect([forumAfter.suggestions_count, forumAfter.open_suggestions_count]).toEqual([1, 1]);
    const uncategorised = await uv.get(`/suggestions?forum=${forum.id}&category_none=true`);
    expect(uncategorised.body.suggestions.map((x: any) => x.id)).toEqual([s.id]);
  });

  it('404 record_not_found for an unknown or non-numeric id', async () => {
    for (const id of ['999999', 'abc']) {
      const reply = await uv.delete(`/categories/${id}`);
      expect(reply.status, id).toBe(404);
      expect(reply.body, id).toEqual(NOT_FOUND);
    }
  });

  it('deleting a forum deletes its categories', async () => {
    const forum = await uv.forum();
    const category = await uv.category(forum.id);
    expect((await uv.delete(`/forums/${forum.id}`)).status).toBe(200);
    expect((await uv.get(`/categories/${category.id}`)).status).toBe(404);
  });
});

describe('suggestions_count and open_suggestions_count', () => {
  it('follow links.category through creates, spam, unremove, delete, moves and closed statuses', async () => {
    const forum = await uv.forum();
    const otherForum = await uv.forum();
    const category = await uv.category(forum.id);
    const sibling = await uv.category(forum.id);
    const elsewhere = await uv.category(otherForum.id);
    expect(await counts(category.id)).toEqual([0, 0]);

    const create = await uv.post('/suggestions', { title: 'Categorised', links: { forum: forum.id, category: category.id } });
    expect(create.status).toBe(200);
    const s1 = create.body.suggestions[0].id;
    expect(await counts(category.id)).toEqual([1, 1]);
    const s2 = (await uv.suggestion(forum.id, { links: { category: category.id } })).id;
    await uv.suggestion(forum.id);
    expect(await counts(category.id)).toEqual([2, 2]);

    await uv.put(`/suggestions/${s1}/spam`);
    expect(await counts(category.id)).toEqual([1, 1]);
    await uv.put(`/suggestions/${s1}/unremove`);
    expect(await counts(category.id)).toEqual([2, 2]);
    await uv.delete(`/suggestions/${s1}`);
    expect(await counts(category.id)).toEqual([1, 1]);
    await uv.put(`/suggestions/${s1}/unremove`);
    expect(await counts(category.id)).toEqual([2, 2]);

    const closed = await uv.status({ is_open: false });
    await uv.put(`/suggestions/${s2}`, { links: { status: closed.id } });
    expect(await counts(category.id)).toEqual([2, 1]);

    // Into a sibling category of the same forum: the closed one moves with its counts.
    await uv.put(`/suggestions/${s2}`, { links: { category: sibling.id } });
    expect(await counts(category.id)).toEqual([1, 1]);
    expect(await counts(sibling.id)).toEqual([1, 0]);

    // Out of every category.
    await uv.put(`/suggestions/${s2}`, { links: { category: null } });
    expect(await counts(sibling.id)).toEqual([0, 0]);

    // To another forum without naming a category: the old forum's category no longer applies.
    const moved = await uv.put(`/suggestions/${s1}`, { links: { forum: otherForum.id } });
    expect(moved.status).toBe(200);
    expect(moved.body.suggestions[0].links).toMatchObject({ forum: otherForum.id, category: null });
    expect(await counts(category.id)).toEqual([0, 0]);

    // To another forum and one of its categories.
    await uv.put(`/suggestions/${s2}`, { links: { forum: otherForum.id, category: elsewhere.id } });
    expect(await counts(elsewhere.id)).toEqual([1, 0]);

    // A category of another forum is refused.
    const wrong = await uv.put(`/suggestions/${s1}`, { links: { category: category.id } });
    expect(wrong.status).toBe(422);
    expect(await counts(category.id)).toEqual([0, 0]);

    expect((await uv.get(`/categories/${elsewhere.id}`)).body).toEqual({
      categories: [categoryRecord(elsewhere.id, otherForum.id, { name: elsewhere.name, suggestions_count: 1, open_suggestions_count: 0 })],
      links: CATEGORY_LINKS,
    });
  });
});

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

/** Statuses link to nothing: the top-level links map is empty. */
const STATUS_LINKS = {};

function statusRecord(id: number, fields: Record<string, unknown> = {}) {
  return {
    id,
    name: expect.any(String),
    hex_color: '#808080',
    position: 0,
    is_open: true,
    allow_comments: true,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: {},
    ...fields,
  };
}

async function openCounts(path: string, key: string): Promise<[number | undefined, number]> {
  const reply = await uv.get(path);
  expect(reply.status).toBe(200);
  const record = reply.body[key][0];
  return [record.suggestions_count, record.open_suggestions_count];
}

describe('GET /admin/statuses/{id}', () => {
  it('returns one record in the plural key with every field typed and an empty links map', async () => {
    const status = await uv.status({ name: 'planned' });
    const reply = await uv.get(`/statuses/${status.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ statuses: [statusRecord(status.id, { name: 'planned' })], links: STATUS_LINKS });
  });

  it('reads several ids in the requested order; 404 when any is missing or not numeric', async () => {
    const a = await uv.status({ name: 'a' });
    const b = await uv.status({ name: 'b' });
    const reply = await uv.get(`/statuses/${b.id},${a.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ statuses: [statusRecord(b.id, { name: 'b' }), statusRecord(a.id, { name: 'a' })], links: STATUS_LINKS });
    for (const ids of [`${a.id},999999`, '999999', 'abc', `${a.id};${b.id}`, '1e3']) {
      const missing = await uv.get(`/statuses/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body, ids).toEqual(NOT_FOUND);
    }
  });

  it('ignores include names (statuses link to nothing)', async () => {
    const status = await uv.status({ name: 'quiet' });
    for (const query of ['includes=forums', 'includes=users,bogus', 'includes=statuses']) {
      const reply = await uv.get(`/statuses/${status.id}?${query}`);
      expect(reply.status, query).toBe(200);
      expect(reply.body, query).toEqual({ statuses: [statusRecord(status.id, { name: 'quiet' })], links: STATUS_LINKS });
    }
  });
});

describe('GET /admin/statuses (list)', () => {
  it('adds list_meta: null and pagination', async () => {
    const status = await uv.status({ name: 'latest' });
    const reply = await uv.get('/statuses?per_page=1');
    expect(reply.status).toBe(200);
    const total = reply.body.pagination.total_records;
    expect(total).toBeGreaterThanOrEqual(1);
    expect(reply.body).toEqual({
      statuses: [statusRecord(status.id, { name: 'latest' })],
      links: STATUS_LINKS,
      list_meta: null,
      pagination: { page: 1, per_page: 1, total_pages: total, total_records: total, ...(total > 1 ? { cursor: expect.any(String), page_token: expect.any(String) } : {}) },
    });
  });
});

describe('POST /admin/statuses', () => {
  it('creates from flat JSON with every writable field', async () => {
    const fields = { name: 'completed', hex_color: '#00aa11', position: 3, is_open: false, allow_comments: false };
    const reply = await uv.post('/statuses', fields);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ statuses: [statusRecord(reply.body.statuses[0].id, fields)], links: STATUS_LINKS });
    expect((await uv.get(`/statuses/${reply.body.statuses[0].id}`)).body).toEqual(reply.body);
  });

  it('creates from a wrapped body and from & and ; form bodies', async () => {
    const wrapped = await uv.post('/statuses', { status: { name: 'wrapped', position: 2 } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body).toEqual({ statuses: [statusRecord(wrapped.body.statuses[0].id, { name: 'wrapped', position: 2 })], links: STATUS_LINKS });

    const amp = await uv.post('/statuses', undefined, { form: 'name=under+review&hex_color=%23123abc&is_open=false&position=7' });
    expect(amp.status).toBe(200);
    expect(amp.body).toEqual({
      statuses: [statusRecord(amp.body.statuses[0].id, { name: 'under review', hex_color: '#123abc', is_open: false, position: 7 })],
      links: STATUS_LINKS,
    });

    const semi = await uv.post('/statuses', undefined, { form: 'name=started;allow_comments=0;' });
    expect(semi.status).toBe(200);
    expect(semi.body).toEqual({ statuses: [statusRecord(semi.body.statuses[0].id, { name: 'started', allow_comments: false })], links: STATUS_LINKS });
  });

  it('accepts upper-case hex digits', async () => {
    const reply = await uv.post('/statuses', { name: 'shouting', hex_color: '#A1B2C3' });
    expect(reply.status).toBe(200);
    expect(reply.body.statuses[0].hex_color).toMatch(/^#a1b2c3$/i);
  });

  it('ignores unknown and read-only fields', async () => {
    const reply = await uv.post('/statuses', {
      name: 'read-only',
      id: 999_999,
      created_at: '2001-01-01T00:00:00Z',
      updated_at: '2001-01-01T00:00:00Z',
      links: { forum: 1 },
      color: 'red',
    });
    expect(reply.status).toBe(200);
    const record = reply.body.statuses[0];
    expect(record.id).not.toBe(999_999);
    expect(record.created_at).not.toBe('2001-01-01T00:00:00Z');
    expect(reply.body).toEqual({ statuses: [statusRecord(record.id, { name: 'read-only' })], links: STATUS_LINKS });
  });

  it('422 for a missing, blank or too long name', async () => {
    for (const json of [{}, { name: '' }, { name: ' ' }, { name: null }, { hex_color: '#000000' }]) {
      const reply = await uv.post('/statuses', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors: { name: ["can't be blank"] } });
    }
    const long = await uv.post('/statuses', { name: 's'.repeat(256) });
    expect(long.status).toBe(422);
    expect(long.body).toEqual({ errors: { name: ['is too long (maximum is 255 characters)'] } });
  });

  it('422 for a hex_color that is not #rrggbb', async () => {
    for (const hex_color of ['red', '#12345', '#1234567', '123456', '#ggghhh', '#fff', ' #123456x']) {
      const reply = await uv.post('/statuses', { name: 'colourful', hex_color });
      expect(reply.status, hex_color).toBe(422);
      expect(Object.keys(reply.body.errors), hex_color).toEqual(['hex_color']);
      expect(reply.body.errors.hex_color, hex_color).toEqual([expect.any(String)]);
    }
    const form = await uv.post('/statuses', undefined, { form: 'name=x&hex_color=blue' });
    expect(form.status).toBe(422);
    expect(Object.keys(form.body.errors)).toEqual(['hex_color']);
  });

  it('422 for a position that is not an integer', async () => {
    const reply = await uv.post('/statuses', { name: 'misplaced', position: 'first' });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { position: ['is invalid'] } });
  });
});

describe('PUT /admin/statuses/{id}', () => {
  it('updates the given fields, ignores read-only ones', async () => {
    const status = await uv.status({ name: 'before', hex_color: '#111111' });
    const reply = await uv.put(`/statuses/${status.id}`, { name: 'after', position: 4, id: 999_999, created_at: '2001-01-01T00:00:00Z' });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      statuses: [statusRecord(status.id, { name: 'after', hex_color: '#111111', position: 4, created_at: status.created_at })],
      links: STATUS_LINKS,
    });

    const form = await uv.put(`/statuses/${status.id}`, undefined, { form: 'hex_color=%23222222;allow_comments=false' });
    expect(form.status).toBe(200);
    expect(form.body).toEqual({
      statuses: [statusRecord(status.id, { name: 'after', hex_color: '#222222', position: 4, allow_comments: false })],
      links: STATUS_LINKS,
    });

    const wrapped = await uv.put(`/statuses/${status.id}`, { status: { name: 'wrapped after' } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body.statuses[0].name).toBe('wrapped after');
  });

  it('422 for a blank name or a bad colour; the record stays', async () => {
    const status = await uv.status({ name: 'steady', hex_color: '#333333' });
    const blank = await uv.put(`/statuses/${status.id}`, { name: '' });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ errors: { name: ["can't be blank"] } });
    const colour = await uv.put(`/statuses/${status.id}`, { hex_color: 'purple' });
    expect(colour.status).toBe(422);
    expect(Object.keys(colour.body.errors)).toEqual(['hex_color']);
    expect((await uv.get(`/statuses/${status.id}`)).body).toEqual({
      statuses: [statusRecord(status.id, { name: 'steady', hex_color: '#333333' })],
      links: STATUS_LINKS,
    });
  });

  it('404 record_not_found for an unknown or non-numeric id', async () => {
    for (const id of ['999999', 'abc']) {
      const reply = await uv.put(`/statuses/${id}`, { name: 'nope' });
      expect(reply.status, id).toBe(404);
      expect(reply.body, id).toEqual(NOT_FOUND);
    }
  });

  it("changing is_open updates the open counts of forums, categories and labels with that status's suggestions", async () => {
    const status = await uv.status({ name: 'in progress', is_open: true });
    const forum = await uv.forum();
    const category = await uv.category(forum.id);
    const label = await uv.label();
    const s = await uv.suggestion(forum.id, { links: { category: category.id, status: status.id } });
    await uv.suggestion(forum.id);
    expect((await uv.post('/labels/attach', { links: { label: label.id, suggestion: s.id } })).status).toBe(200);

    expect(await openCounts(`/forums/${forum.id}`, 'forums')).toEqual([2, 2]);
    expect(await openCounts(`/categories/${category.id}`, 'categories')).toEqual([1, 1]);
    expect(await openCounts(`/labels/${label.id}`, 'labels')).toEqual([undefined, 1]);

    const closed = await uv.put(`/statuses/${status.id}`, { is_open: false });
    expect(closed.status).toBe(200);
    expect(closed.body).toEqual({ statuses: [statusRecord(status.id, { name: 'in progress', is_open: false })], links: STATUS_LINKS });
    expect(await openCounts(`/forums/${forum.id}`, 'forums')).toEqual([2, 1]);
    expect(await openCounts(`/categories/${category.id}`, 'categories')).toEqual([1, 0]);
    expect(await openCounts(`/labels/${label.id}`, 'labels')).toEqual([undefined, 0]);

    // A write that does not touch is_open leaves the counts alone.
    await uv.put(`/statuses/${status.id}`, { name: 'still closed' });
    expect(await openCounts(`/forums/${forum.id}`, 'forums')).toEqual([2, 1]);

    await uv.put(`/statuses/${status.id}`, undefined, { form: 'is_open=true' });
    expect(await openCounts(`/forums/${forum.id}`, 'forums')).toEqual([2, 2]);
    expect(await openCounts(`/categories/${category.id}`, 'categories')).toEqual([1, 1]);
    expect(await openCounts(`/labels/${label.id}`, 'labels')).toEqual([undefined, 1]);

    // Suggestions that are not open for another reason stay uncounted when the status reopens.
    await uv.put(`/statuses/${status.id}`, { is_open: false });
    await uv.put(`/suggestions/${s.id}/spam`);
    await uv.put(`/statuses/${status.id}`, { is_open: true });
    expect(await openCounts(`/forums/${forum.id}`, 'forums')).toEqual([1, 1]);
    expect(await openCounts(`/categories/${category.id}`, 'categories')).toEqual([0, 0]);
    expect(await openCounts(`/labels/${label.id}`, 'labels')).toEqual([undefined, 0]);
  });
});

describe('DELETE /admin/statuses/{id}', () => {
  it('returns the record as it was; afterwards GET is 404', async () => {
    const status = await uv.status({ name: 'doomed', hex_color: '#abcdef', position: 9 });
    const before = (await uv.get(`/statuses/${status.id}`)).body;
    const reply = await uv.delete(`/statuses/${status.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ statuses: [statusRecord(status.id, { name: 'doomed', hex_color: '#abcdef', position: 9 })], links: STATUS_LINKS });
    expect(reply.body).toEqual(before);
    const gone = await uv.get(`/statuses/${status.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(NOT_FOUND);
  });

  it('suggestions lose the deleted status and count as open again', async () => {
    const status = await uv.status({ is_open: false });
    const forum = await uv.forum();
    const s = await uv.suggestion(forum.id, { links: { status: status.id } });
    expect(await openCounts(`/forums/${forum.id}`, 'forums')).toEqual([1, 0]);
    expect((await uv.delete(`/statuses/${status.id}`)).status).toBe(200);
    expect((await uv.get(`/suggestions/${s.id}`)).body.suggestions[0].links.status).toBeNull();
    expect(await openCounts(`/forums/${forum.id}`, 'forums')).toEqual([1, 1]);
  });

  it('404 record_not_found for an unknown or non-numeric id', async () => {
    for (const id of ['999999', 'abc']) {
      const reply = await uv.delete(`/statuses/${id}`);
      expect(reply.status, id).toBe(404);
      expect(reply.body, id).toEqual(NOT_FOUND);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { upload } from '../helpers/uploads.ts';
import { NOT_FOUND, SUGGESTION_LINKS, USER_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let token: string;
let ownerId: number;
beforeAll(async () => {
  app = await startTestApp();
  token = await app.token();
  a = await api(app, token);
  ownerId = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

const NOTE_LINKS = {
  'notes.suggestion': { type: 'suggestions' },
  'notes.created_by': { type: 'users' },
};

function noteRecord(id: number, body: string, suggestionId: number, fields: Record<string, unknown> = {}) {
  return {
    id,
    body,
    body_mime_type: 'text/plain',
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { suggestion: suggestionId, created_by: ownerId },
    ...fields,
  };
}

const setup = () => a.forumWithSuggestion();

const note = (suggestionId: number, fields: Record<string, unknown> = {}) => a.onSuggestion('notes', suggestionId, { body: 'A note', ...fields });

/** Uploads a small file and answers its attachment record (unlinked). */
async function attachment(name = 'file.txt'): Promise<any> {
  const reply = await upload(app.url, token, Buffer.from(`contents of ${name}`), name, 'text/plain');
  expect(reply.status, reply.text).toBe(200);
  return reply.body.attachments[0];
}

/** token → [links.note, links.suggestion] of the attachments the tokens name, read back through the API. */
async function attachmentLinks(...tokens: string[]): Promise<Array<[number | null, number | null]>> {
  const all = (await a.get('/attachments?per_page=100&sort=id')).body.attachments as any[];
  return tokens.map((t) => {
    const found = all.find((x) => x.token === t);
    return [found.links.note, found.links.suggestion];
  });
}

const notesCount = async (id: number): Promise<number> => (await a.one('suggestions', id)).notes_count;
const idsOf = (reply: { body: { notes: Array<{ id: number }> } }) => reply.body.notes.map((n) => n.id);

describe('POST /admin/notes', () => {
  it('creates from flat JSON by the token’s user; GET reads it back; the suggestion counts it', async () => {
    const { suggestion } = await setup();
    expect(await notesCount(suggestion.id)).toBe(0);
    const reply = await a.post('/notes', { body: 'Internal: ask the EU team', links: { suggestion: suggestion.id } });
    expect(reply.status).toBe(200);
    const id = reply.body.notes[0].id;
    expect(reply.body).toEqual({ notes: [noteRecord(id, 'Internal: ask the EU team', suggestion.id)], links: NOTE_LINKS });
    const read = await a.get(`/notes/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(reply.body);
    expect(await notesCount(suggestion.id)).toBe(1);
  });

  it('creates from & and ; form bodies and a wrapped body, with body_mime_type; ignores read-only fields', async () => {
    const { suggestion } = await setup();
    const user = await a.user();
    const amp = await a.post('/notes', undefined, { form: `body=Hi&links.suggestion=${suggestion.id}` });
    expect(amp.status).toBe(200);
    expect(amp.body).toEqual({ notes: [noteRecord(amp.body.notes[0].id, 'Hi', suggestion.id)], links: NOTE_LINKS });

    const semi = await a.post('/notes', undefined, { form: `body=%3Cb%3EBold%3C%2Fb%3E;body_mime_type=text/html;links.suggestion=${suggestion.id};` });
    expect(semi.status).toBe(200);
    expect(semi.body).toEqual({ notes: [noteRecord(semi.body.notes[0].id, '<b>Bold</b>', suggestion.id, { body_mime_type: 'text/html' })], links: NOTE_LINKS });

    const wrapped = await a.post('/notes', {
      note: { body: 'Wrapped', id: 999_999, created_at: '2001-01-01T00:00:00Z', colour: 'red', links: { suggestion: suggestion.id, created_by: user.id } },
    });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body.notes[0].id).not.toBe(999_999);
    expect(wrapped.body.notes[0].created_at).not.toBe('2001-01-01T00:00:00Z');
    expect(wrapped.body).toEqual({ notes: [noteRecord(wrapped.body.notes[0].id, 'Wrapped', suggestion.id)], links: NOTE_LINKS });
    expect(await notesCount(suggestion.id)).toBe(3);
  });

  it('links uploads named by attachment_tokens (JSON array or comma string) to the note, not the suggestion', async () => {
    const { suggestion } = await setup();
    const [f1, f2, f3] = [await attachment('1.txt'), await attachment('2.txt'), await attachment('3.txt')];
    expect(await attachmentLinks(f1.token, f2.token, f3.token)).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ]);

    const json = await a.post('/notes', { body: 'With a file', attachment_tokens: [f1.token], links: { suggestion: suggestion.id } });
    expect(json.status).toBe(200);
    const jsonId = json.body.notes[0].id;
    expect(json.body).toEqual({ notes: [noteRecord(jsonId, 'With a file', suggestion.id)], links: NOTE_LINKS });

    const form = await a.post('/notes', undefined, { form: `body=Two+files&links.suggestion=${suggestion.id}&attachment_tokens=${f2.token},${f3.token.toUpperCase()}` });
    expect(form.status).toBe(200);
    const formId = form.body.notes[0].id;
    expect(await attachmentLinks(f1.token, f2.token, f3.token)).toEqual([
      [jsonId, null],
      [formId, null],
      [formId, null],
    ]);

    const listed = await a.get(`/attachments?note=${formId}&sort=id`);
    expect(listed.body.attachments.map((x: any) => x.id)).toEqual([f2.id, f3.id]);
    expect(listed.body.attachments[0]).toEqual({ ...f2, url: expect.any(String), thumb_url: null, updated_at: expect.stringMatching(ISO_SECONDS), links: { suggestion: null, note: formId } });
    // The suggestion itself has none.
    expect((await a.get(`/attachments?suggestion=${suggestion.id}`)).body.attachments).toEqual([]);
  });

  it('422 with every field error at once, and nothing is written or linked', async () => {
    const { suggestion } = await setup();
    const free = await attachment('free.txt');
    const taken = await attachment('taken.txt');
    const owner = await note(suggestion.id, { attachment_tokens: taken.token });
    const unknown = '0'.repeat(32);
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { body: ["can't be blank"], 'links.suggestion': ["can't be blank"] }],
      [{ body: ' ', links: { suggestion: null } }, { body: ["can't be blank"], 'links.suggestion': ["can't be blank"] }],
      [{ body: '', links: { suggestion: 999_999 } }, { body: ["can't be blank"], 'links.suggestion': ['does not exist'] }],
      [{ body: 'x', links: { suggestion: 'abc' } }, { 'links.suggestion': ['does not exist'] }],
      [{ body: 'x'.repeat(65_536), links: { suggestion: suggestion.id } }, { body: ['is too long (maximum is 65535 characters)'] }],
      [{ body: 'x', attachment_tokens: `${free.token},${unknown}`, links: { suggestion: suggestion.id } }, { attachment_tokens: ['contains an unknown token'] }],
      [{ body: 'x', attachment_tokens: ['not-a-token'], links: { suggestion: suggestion.id } }, { attachment_tokens: ['contains an unknown token'] }],
      [{ body: 'x', attachment_tokens: [free.token, taken.token], links: { suggestion: suggestion.id } }, { attachment_tokens: ['contains a token already linked to another record'] }],
      [{ body: 'x', attachment_tokens: { a: 1 }, links: { suggestion: suggestion.id } }, { attachment_tokens: ['is invalid'] }],
      [
        { body: '', body_mime_type: 'application/pdf', attachment_tokens: unknown, links: { suggestion: suggestion.id } },
        { body: ["can't be blank"], body_mime_type: ['must be one of text/plain, text/html'], attachment_tokens: ['contains an unknown token'] },
      ],
      [
        { body_mime_type: 'text/markdown', attachment_tokens: 'nope', links: { suggestion: 999_999 } },
        { body: ["can't be blank"], body_mime_type: ['must be one of text/plain, text/html'], attachment_tokens: ['contains an unknown token'], 'links.suggestion': ['does not exist'] },
      ],
      // Unknown tokens are named with a missing suggestion too (only "already linked" waits for the lock).
      [{ body: 'x', attachment_tokens: unknown, links: { suggestion: 999_999 } }, { attachment_tokens: ['contains an unknown token'], 'links.suggestion': ['does not exist'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/notes', json);
      expect(reply.status, JSON.stringify(json).slice(0, 200)).toBe(422);
      expect(reply.body, JSON.stringify(json).slice(0, 200)).toEqual({ errors });
    }
    const form = await a.post('/notes', undefined, { form: `body=&links.suggestion=${suggestion.id}&attachment_tokens=${unknown}` });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { body: ["can't be blank"], attachment_tokens: ['contains an unknown token'] } });

    expect(idsOf(await a.get(`/notes?suggestion=${suggestion.id}`))).toEqual([owner.id]);
    expect(await notesCount(suggestion.id)).toBe(1);
    expect(await attachmentLinks(free.token, taken.token)).toEqual([
      [null, null],
      [owner.id, null],
    ]);
  });
});

describe('PUT /admin/notes/{id}', () => {
  it('changes body and body_mime_type (JSON and form), keeps what is not sent, and adds attachments', async () => {
    const { suggestion } = await setup();
    const other = await a.suggestion((await a.forum()).id);
    const first = await attachment('first.txt');
    const created = await note(suggestion.id, { body: 'Draft', attachment_tokens: first.token });

    const json = await a.put(`/notes/${created.id}`, { body: '<p>Final</p>', body_mime_type: 'text/html', links: { suggestion: other.id } });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({
      notes: [{ ...created, body: '<p>Final</p>', body_mime_type: 'text/html', updated_at: expect.stringMatching(ISO_SECONDS) }],
      links: NOTE_LINKS,
    });

    const second = await attachment('second.txt');
    const form = await a.put(`/notes/${created.id}`, undefined, { form: `body_mime_type=text/plain;attachment_tokens=${first.token},${second.token};` });
    expect(form.status).toBe(200);
    expect(form.body).toEqual({
      notes: [{ ...created, body: '<p>Final</p>', updated_at: expect.stringMatching(ISO_SECONDS) }],
      links: NOTE_LINKS,
    });
    expect(await attachmentLinks(first.token, second.token)).toEqual([
      [created.id, null],
      [created.id, null],
    ]);

    const wrapped = await a.put(`/notes/${created.id}`, { note: { body: 'Wrapped edit' } });
    expect(wrapped.body).toEqual({ notes: [{ ...created, body: 'Wrapped edit', updated_at: expect.stringMatching(ISO_SECONDS) }], links: NOTE_LINKS });
    // It never moved.
    expect(idsOf(await a.get(`/notes?suggestion=${other.id}`))).toEqual([]);
    expect([await notesCount(suggestion.id), await notesCount(other.id)]).toEqual([1, 0]);
  });

  it('adding attachments alone stamps updated_at', async () => {
    const { suggestion } = await setup();
    const created = await note(suggestion.id, { body: 'Stamp me' });
    // Timestamps have whole seconds on the wire: the next write happens two seconds later on the server's clock.
    app.clock.offsetMs += 2000;
    const file = await attachment('later.txt');
    const reply = await a.put(`/notes/${created.id}`, { attachment_tokens: [file.token] });
    expect(reply.status).toBe(200);
    expect(reply.body.notes[0].updated_at > created.updated_at).toBe(true);
    expect(reply.body.notes[0]).toEqual({ ...created, updated_at: reply.body.notes[0].updated_at });
  });

  it('422 for a blank body, a bad mime type or a token linked elsewhere (nothing changes); 404 for an unknown id', async () => {
    const { suggestion } = await setup();
    const elsewhere = await attachment('elsewhere.txt');
    const mine = await attachment('mine.txt');
    await note(suggestion.id, { attachment_tokens: elsewhere.token });
    const created = await note(suggestion.id, { body: 'Keep me' });

    const bad = await a.put(`/notes/${created.id}`, { body: ' ', body_mime_type: 'text/rtf', attachment_tokens: [mine.token, elsewhere.token] });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      errors: {
        body: ["can't be blank"],
        body_mime_type: ['must be one of text/plain, text/html'],
        attachment_tokens: ['contains a token already linked to another record'],
      },
    });
    const unknown = await a.put(`/notes/${created.id}`, undefined, { form: `body=ok&attachment_tokens=${'f'.repeat(32)}` });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toEqual({ errors: { attachment_tokens: ['contains an unknown token'] } });
    expect((await a.get(`/notes/${created.id}`)).body.notes[0]).toEqual(created);
    expect(await attachmentLinks(mine.token)).toEqual([[null, null]]);

    for (const id of ['999999', 'abc']) {
      const missing = await a.put(`/notes/${id}`, { body: 'x' });
      expect(missing.status, id).toBe(404);
      expect(missing.body, id).toEqual(NOT_FOUND);
    }
  });
});

describe('no DELETE', () => {
  it('DELETE /admin/notes/{id} answers 405 with Allow, and the note stays', async () => {
    const { suggestion } = await setup();
    const created = await note(suggestion.id);
    for (const id of [String(created.id), '1', '999999']) {
      const reply = await a.delete(`/notes/${id}`);
      expect(reply.status, id).toBe(405);
      expect(reply.headers.get('allow'), id).toBe('HEAD, GET, PUT');
      expect(reply.body, id).toEqual({ errors: { error: 'method_not_allowed', message: 'Allowed: HEAD, GET, PUT' } });
    }
    expect((await a.get(`/notes/${created.id}`)).body.notes[0]).toEqual(created);
    expect(await notesCount(suggestion.id)).toBe(1);
  });
});

describe('GET /admin/notes', () => {
  it('reads several ids in the requested order; 404 when any is missing or not numeric', async () => {
    const { suggestion } = await setup();
    const first = await note(suggestion.id, { body: 'First' });
    const second = await note(suggestion.id, { body: 'Second' });
    const reply = await a.get(`/notes/${second.id},${first.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ notes: [second, first], links: NOTE_LINKS });
    for (const ids of ['999999', `${first.id},999999`, 'abc']) {
      const missing = await a.get(`/notes/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body, ids).toEqual(NOT_FOUND);
    }
  });

  it('lists newest first with list_meta and pagination; filters by suggestion; sorts', async () => {
    const { forum, suggestion } = await setup();
    const other = await a.suggestion(forum.id);
    const n1 = await note(suggestion.id, { body: 'one' });
    const n2 = await note(other.id, { body: 'two' });
    const n3 = await note(suggestion.id, { body: 'three' });
    const listed = await a.get(`/notes?suggestion=${suggestion.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      notes: [n3, n1],
      links: NOTE_LINKS,
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 2 },
    });
    const both = `suggestion=${suggestion.id},${other.id}`;
    expect(idsOf(await a.get(`/notes?${both}`))).toEqual([n3.id, n2.id, n1.id]);
    expect(idsOf(await a.get(`/notes?suggestion=${other.id}`))).toEqual([n2.id]);
    expect(idsOf(await a.get(`/notes?${both}&sort=created_at`))).toEqual([n1.id, n2.id, n3.id]);
    expect(idsOf(await a.get(`/notes?${both}&sort=id&per_page=2`))).toEqual([n1.id, n2.id]);
    expect([await notesCount(suggestion.id), await notesCount(other.id)]).toEqual([2, 1]);
    const bad = await a.get('/notes?suggestion=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.error).toBe('bad_request');
  });

  it('side-loads suggestions and users with the links map', async () => {
    const { suggestion } = await setup();
    const n1 = await note(suggestion.id, { body: 'one' });
    const n2 = await note(suggestion.id, { body: 'two' });
    const s = (await a.get(`/suggestions/${suggestion.id}`)).body.suggestions[0];
    const owner = (await a.get(`/users/${ownerId}`)).body.users[0];
    const reply = await a.get(`/notes?suggestion=${suggestion.id}&includes=suggestions,users`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      notes: [n2, n1],
      suggestions: [s],
      users: [owner],
      links: { ...NOTE_LINKS, ...SUGGESTION_LINKS, ...USER_LINKS },
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 2 },
    });
    const one = await a.get(`/notes/${n1.id}?includes=suggestions`);
    expect(one.body).toEqual({ notes: [n1], suggestions: [s], links: { ...NOTE_LINKS, ...SUGGESTION_LINKS } });
  });
});

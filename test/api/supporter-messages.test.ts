import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, statementCounts, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND, SUGGESTION_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let owner: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  owner = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

const linksOf = (type: string) => ({ [`${type}.suggestion`]: { type: 'suggestions' }, [`${type}.created_by`]: { type: 'users' } });

function message(id: number, suggestion: number, fields: Record<string, unknown> = {}) {
  return {
    id,
    body: 'Thanks',
    body_mime_type: 'text/plain',
    notification_email_address: null,
    mail_sent_count: 0,
    mail_opened_count: 0,
    mail_clicked_count: 0,
    reply_count: 0,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    ...fields,
    links: { suggestion, created_by: owner },
  };
}

describe('POST /admin/supporter_messages and /admin/messages', () => {
  it('creates from JSON and dotted forms under either name; each answers with its own collection key', async () => {
    const { suggestion: s } = await a.forumWithSuggestion();
    const json = await a.post('/supporter_messages', { body: 'Thanks', notification_email_address: 'Team@Example.com', links: { suggestion: s.id } });
    expect(json.status, json.text).toBe(200);
    const id = json.body.supporter_messages[0].id;
    expect(json.body).toEqual({
      supporter_messages: [message(id, s.id, { notification_email_address: 'team@example.com' })],
      links: linksOf('supporter_messages'),
    });
    const form = await a.post('/messages', undefined, { form: `body=Thanks;links.suggestion=${s.id};body_mime_type=text%2Fhtml;mail_sent_count=9` });
    expect(form.status, form.text).toBe(200);
    const formId = form.body.messages[0].id;
    expect(form.body).toEqual({ messages: [message(formId, s.id, { body_mime_type: 'text/html' })], links: linksOf('messages') });
    // One collection, two names.
    expect((await a.get(`/messages/${id}`)).body.messages).toEqual(json.body.supporter_messages);
    expect((await a.get(`/supporter_messages/${formId},${id}?includes=suggestions`)).body).toEqual({
      supporter_messages: [form.body.messages[0], json.body.supporter_messages[0]],
      suggestions: [await a.one('suggestions', s.id)],
      links: { ...linksOf('supporter_messages'), ...SUGGESTION_LINKS },
    });
  });

  it('422 with every field error; nothing is written', async () => {
    const before = await listIds(a, '/supporter_messages?per_page=100');
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { body: ["can't be blank"], 'links.suggestion': ["can't be blank"] }],
      [{ body: 'x', links: { suggestion: 999_999 } }, { 'links.suggestion': ['does not exist'] }],
      [{ body: ' ', links: { suggestion: 'abc' }, notification_email_address: 'nope' }, { body: ["can't be blank"], 'links.suggestion': ['does not exist'], notification_email_address: ['is invalid'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/supporter_messages', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors });
    }
    expect(await listIds(a, '/supporter_messages?per_page=100')).toEqual(before);
  });
});

describe('GET /admin/supporter_messages', () => {
  it('404s, filters by suggestion, walks by cursor, updated_after, constant statements', async () => {
    for (const ids of ['999999', 'abc']) {
      const missing = await a.get(`/supporter_messages/${ids}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
    const { suggestion: s } = await a.forumWithSuggestion();
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push((await a.post('/supporter_messages', { body: `m${i}`, links: { suggestion: s.id } })).body.supporter_messages[0].id);
    expect(await listIds(a, `/supporter_messages?per_page=100&suggestion=${s.id}`)).toEqual([...ids].reverse());
    const all = await listIds(a, '/supporter_messages?per_page=100');
    expect(await walkCursor(a, '/supporter_messages?per_page=5')).toEqual(all);
    await checkUpdatedWindow(app, a, 'supporter_messages', [ids[0]!, ids[1]!, ids[2]!]);
    expect(new Set(await statementCounts(app, a, '/supporter_messages?includes=suggestions,users')).size).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, statementCounts, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND, USER_LINKS } from '../helpers/wire.ts';

let app: TestApp;
let a: Api;
let owner: number;
beforeAll(async () => {
  app = await startTestApp();
  a = await api(app);
  owner = (await a.get('/users/current')).body.users[0].id;
});
afterAll(() => app?.close());

const LINKS = {
  'forum_invitations.forum': { type: 'forums' },
  'forum_invitations.invited_by': { type: 'users' },
  'forum_invitations.claimed_by': { type: 'users' },
};

function invitation(forum: number, email: string, fields: Record<string, unknown> = {}) {
  return {
    id: expect.any(Number),
    email,
    code: expect.stringMatching(/^[0-9a-f]{32}$/),
    subject: null,
    text: null,
    reply_to: null,
    return_to: `${app.config.publicUrl}/forums/${forum}`,
    action: 'invite',
    claimed_at: null,
    satisfaction_score: null,
    avatar_url: null,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    ...fields,
    links: { forum, invited_by: owner, claimed_by: null },
  };
}

describe('POST /admin/forum_invitations', () => {
  it('creates one invitation per address (JSON array, comma string, indexed form keys), all answered', async () => {
    const forum = await a.forum();
    const json = await a.post('/forum_invitations', {
      email: ['Ann@Example.com', 'bob@example.com', 'ann@example.com'],
      subject: 'Join us',
      message: 'Our private forum',
      reply_to: 'pm@example.com',
      links: { forum: forum.id },
    });
    expect(json.status, json.text).toBe(200);
    const extra = { subject: 'Join us', text: 'Our private forum', reply_to: 'pm@example.com' };
    expect(json.body).toEqual({ forum_invitations: [invitation(forum.id, 'ann@example.com', extra), invitation(forum.id, 'bob@example.com', extra)], links: LINKS });
    const [ann, bob] = json.body.forum_invitations;
    expect(bob.id).toBe(ann.id + 1);
    expect(ann.code).not.toBe(bob.code);

    const comma = await a.post('/forum_invitations', undefined, { form: `email=c%40example.com,d%40example.com&links.forum=${forum.id}` });
    expect(comma.body).toEqual({ forum_invitations: [invitation(forum.id, 'c@example.com'), invitation(forum.id, 'd@example.com')], links: LINKS });
    const indexed = await a.post('/forum_invitations', undefined, { form: `email[0]=e%40example.com;links.forum=${forum.id};code=mine` });
    expect(indexed.body).toEqual({ forum_invitations: [invitation(forum.id, 'e@example.com')], links: LINKS });

    expect((await a.get(`/forum_invitations/${bob.id},${ann.id}?includes=forums,users`)).body).toEqual({
      forum_invitations: [bob, ann],
      forums: [await a.one('forums', forum.id)],
      users: [await a.one('users', owner)],
      links: { ...LINKS, 'forums.updated_by': { type: 'users' }, ...USER_LINKS },
    });
  });

  it('422 naming every bad field; nothing is written', async () => {
    const forum = await a.forum();
    const before = await listIds(a, '/forum_invitations?per_page=100');
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { email: ["can't be blank"], 'links.forum': ["can't be blank"] }],
      [{ email: [], links: { forum: forum.id } }, { email: ["can't be blank"] }],
      [{ email: ['ok@example.com', 'not an address'], links: { forum: 999_999 } }, { email: ['contains an invalid address: not an address'], 'links.forum': ['does not exist'] }],
      [{ email: [1], links: { forum: forum.id }, reply_to: 'x' }, { email: ['is invalid'], reply_to: ['is invalid'] }],
      [{ email: Array.from({ length: 101 }, (_, i) => `u${i}@example.com`), links: { forum: forum.id } }, { email: ['has more than 100 addresses'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/forum_invitations', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors });
    }
    expect(await listIds(a, '/forum_invitations?per_page=100')).toEqual(before);
  });
});

describe('DELETE and GET /admin/forum_invitations', () => {
  it('DELETE answers the invitation as it was, then 404', async () => {
    const forum = await a.forum();
    const [doomed] = (await a.post('/forum_invitations', { email: 'gone@example.com', links: { forum: forum.id } })).body.forum_invitations;
    const reply = await a.delete(`/forum_invitations/${doomed.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ forum_invitations: [doomed], links: LINKS });
    for (const call of [() => a.get(`/forum_invitations/${doomed.id}`), () => a.delete(`/forum_invitations/${doomed.id}`), () => a.delete('/forum_invitations/abc')]) {
      const missing = await call();
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
    expect((await a.put(`/forum_invitations/${doomed.id}`, {})).status).toBe(405);
  });

  it('filters by forum and claimed; walks by cursor; updated_after; constant statements', async () => {
    const [f1, f2] = [await a.forum(), await a.forum()];
    const emails = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}@example.com`);
    const one = (await a.post('/forum_invitations', { email: emails(9, 'a'), links: { forum: f1.id } })).body.forum_invitations.map((i: any) => i.id);
    const two = (await a.post('/forum_invitations', { email: emails(3, 'b'), links: { forum: f2.id } })).body.forum_invitations.map((i: any) => i.id);
    expect(await listIds(a, `/forum_invitations?per_page=100&forum=${f2.id}`)).toEqual([...two].reverse());
    expect(await listIds(a, `/forum_invitations?per_page=100&forum=${f1.id},${f2.id}&claimed=true`)).toEqual([]);
    expect(await listIds(a, `/forum_invitations?per_page=100&forum=${f1.id},${f2.id}&claimed=false`)).toEqual([...one, ...two].reverse());
    const all = await listIds(a, '/forum_invitations?per_page=100');
    expect(await walkCursor(a, '/forum_invitations?per_page=4')).toEqual(all);
    await checkUpdatedWindow(app, a, 'forum_invitations', [one[0], one[1], one[2]]);
    expect(new Set(await statementCounts(app, a, '/forum_invitations?includes=forums,users')).size).toBe(1);
  });
});

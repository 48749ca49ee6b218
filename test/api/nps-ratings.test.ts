import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { NOT_FOUND, USER_LINKS } from '../helpers/wire.ts';

const { app, a } = useTestApp();

const NPS_LINKS = {
  'nps_ratings.user': { type: 'users' },
  'nps_ratings.ticket': { type: 'tickets' },
};

const GROUP = (rating: number) => (rating >= 9 ? 'promoter' : rating >= 7 ? 'passive' : 'detractor');

function ratingRecord(id: number, userId: number, rating: number, fields: Record<string, unknown> = {}) {
  const previous = (fields.previous_rating as number | null | undefined) ?? null;
  return {
    id,
    rating,
    previous_rating: previous,
    rating_delta: previous === null ? null : rating - previous,
    body: null,
    prompt: null,
    group: GROUP(rating),
    traits: { type: null, activity: null, account_name: null, account_plan: null, rate_type: null, satisfaction_group: GROUP(rating) },
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    ...fields,
    links: { user: userId, ticket: null },
  };
}

async function rate(userId: number, rating: number, fields: Record<string, unknown> = {}): Promise<any> {
  const reply = await a.post('/nps_ratings', { rating, links: { user: userId }, ...fields });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.nps_ratings[0];
}

const ids = (reply: { body: { nps_ratings: Array<{ id: number }> } }) => reply.body.nps_ratings.map((r) => r.id);

describe('POST /admin/nps_ratings', () => {
  it('creates from JSON {rating, body, prompt, links.user, date}; GET reads the same record back', async () => {
    const user = await a.user();
    const reply = await a.post('/nps_ratings', {
      rating: 9,
      body: 'Love it',
      prompt: 'How likely are you to recommend us?',
      links: { user: user.id },
      date: '2024-05-01T10:00:00.000Z',
    });
    expect(reply.status).toBe(200);
    const id = reply.body.nps_ratings[0].id;
    expect(reply.body).toEqual({
      nps_ratings: [
        ratingRecord(id, user.id, 9, { body: 'Love it', prompt: 'How likely are you to recommend us?', created_at: '2024-05-01T10:00:00Z' }),
      ],
      links: NPS_LINKS,
    });
    const read = await a.get(`/nps_ratings/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(reply.body);
  });

  it('accepts a {"nps_rating": {…}} wrapper, and form bodies with dotted keys separated by & or ;', async () => {
    const user = await a.user();
    const wrapped = await a.post('/nps_ratings', { nps_rating: { rating: 7, links: { user: user.id } } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body.nps_ratings).toEqual([ratingRecord(wrapped.body.nps_ratings[0].id, user.id, 7)]);

    const amp = await a.post('/nps_ratings', undefined, { form: `rating=3&links.user=${user.id}&body=Too+slow&prompt=Why%3F` });
    expect(amp.status, amp.text).toBe(200);
    expect(amp.body.nps_ratings).toEqual([ratingRecord(amp.body.nps_ratings[0].id, user.id, 3, { previous_rating: 7, body: 'Too slow', prompt: 'Why?' })]);

    const semi = await a.post('/nps_ratings', undefined, { form: `rating=10;links.user=${user.id};includes=users;` });
    expect(semi.status, semi.text).toBe(200);
    expect(semi.body.nps_ratings).toEqual([ratingRecord(semi.body.nps_ratings[0].id, user.id, 10, { previous_rating: 3 })]);
    expect(semi.body.users.map((u: any) => u.id)).toEqual([user.id]);
  });

  it('groups 0–6 as detractors, 7–8 as passives, 9–10 as promoters', async () => {
    const user = await a.user();
    const groups: string[] = [];
    for (const rating of [0, 6, 7, 8, 9, 10]) groups.push((await rate(user.id, rating)).group);
    expect(groups).toEqual(['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
  });

  it('422 names every problem: blank rating and user, ratings outside 0..10 or not whole, unknown users, future dates', async () => {
    const user = await a.user();
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { rating: ["can't be blank"], 'links.user': ["can't be blank"] }],
      [{ rating: 11, links: { user: user.id } }, { rating: ['must be less than or equal to 10'] }],
      [{ rating: -1, links: { user: user.id } }, { rating: ['must be greater than or equal to 0'] }],
      [{ rating: 9.5, links: { user: user.id } }, { rating: ['is invalid'] }],
      [{ rating: 'nine', links: { user: user.id } }, { rating: ['is invalid'] }],
      [{ rating: 9, links: { user: 999999 } }, { 'links.user': ['does not exist'] }],
      [{ rating: 9, links: { user: 'abc' } }, { 'links.user': ['does not exist'] }],
      [{ rating: 9, links: { user: user.id }, date: '2999-01-01T00:00:00Z' }, { date: ["can't be in the future"] }],
      [{ rating: 9, links: { user: user.id }, date: 'yesterday' }, { date: ['is invalid'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await a.post('/nps_ratings', json);
      expect({ json, status: reply.status, body: reply.body }).toEqual({ json, status: 422, body: { errors } });
    }
    const form = await a.post('/nps_ratings', undefined, { form: `rating=12;links.user=${user.id}` });
    expect(form.status).toBe(422);
    expect(form.body).toEqual({ errors: { rating: ['must be less than or equal to 10'] } });
    // Nothing was written.
    expect((await a.get(`/nps_ratings?user=${user.id}`)).body.nps_ratings).toEqual([]);
    expect((await a.one('users', user.id)).links).toMatchObject({ current_nps_rating: null, previous_nps_rating: null });
  });
});

describe("the user's NPS links and previous_rating", () => {
  it('fill the user record: current and previous rating, side-loadable from users', async () => {
    const user = await a.user();
    const first = await rate(user.id, 5, { date: '2024-01-10T00:00:00Z' });
    expect((await a.one('users', user.id)).links).toMatchObject({ current_nps_rating: first.id, previous_nps_rating: null });
    const second = await rate(user.id, 9, { date: '2024-02-10T00:00:00Z' });
    expect(second).toEqual(ratingRecord(second.id, user.id, 9, { previous_rating: 5, rating_delta: 4, created_at: '2024-02-10T00:00:00Z' }));

    const reply = await a.get(`/users/${user.id}?includes=nps_ratings`);
    expect(reply.status).toBe(200);
    expect(reply.body.users[0].links).toMatchObject({ current_nps_rating: second.id, previous_nps_rating: first.id });
    expect(reply.body.nps_ratings).toEqual([first, second]);
    expect(reply.body.links).toEqual({ ...USER_LINKS, ...NPS_LINKS });
  });

  it('a back-dated rating goes between: the later one now follows it, and the links stay on the two latest', async () => {
    const user = await a.user();
    const jan = await rate(user.id, 2, { date: '2024-01-01T00:00:00Z' });
    const mar = await rate(user.id, 10, { date: '2024-03-01T00:00:00Z' });
    const feb = await rate(user.id, 6, { date: '2024-02-01T00:00:00Z' });
    expect(feb.previous_rating).toBe(2);
    expect(feb.rating_delta).toBe(4);
    const marNow = await a.one('nps_ratings', mar.id);
    expect(marNow).toEqual({ ...mar, previous_rating: 6, rating_delta: 4, updated_at: expect.stringMatching(ISO_SECONDS) });
    expect((await a.one('users', user.id)).links).toMatchObject({ current_nps_rating: mar.id, previous_nps_rating: feb.id });

    // Older than all: nothing before it; the links do not move.
    const dec = await rate(user.id, 8, { date: '2023-12-01T00:00:00Z' });
    expect(dec.previous_rating).toBeNull();
    expect((await a.one('nps_ratings', jan.id)).previous_rating).toBe(8);
    expect((await a.one('users', user.id)).links).toMatchObject({ current_nps_rating: mar.id, previous_nps_rating: feb.id });
  });
});

describe('GET /admin/nps_ratings', () => {
  it('gets several by id (in the order asked), 404 when one is missing or the id is malformed', async () => {
    const user = await a.user();
    const r1 = await rate(user.id, 1);
    const r2 = await rate(user.id, 2);
    const reply = await a.get(`/nps_ratings/${r2.id},${r1.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ nps_ratings: [r2, r1], links: NPS_LINKS });
    for (const path of [`${r1.id},999999`, '999999', 'abc']) {
      const missing = await a.get(`/nps_ratings/${path}`);
      expect(missing.status, path).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });

  it('side-loads users (includes=users); tickets are not served and ignored', async () => {
    const user = await a.user({ name: 'Rater' });
    const r = await rate(user.id, 8);
    const reply = await a.get(`/nps_ratings?user=${user.id}&includes=users,tickets`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['nps_ratings', 'users', 'links', 'list_meta', 'pagination']);
    expect(reply.body.nps_ratings).toEqual([r]);
    expect(reply.body.users).toEqual([await a.one('users', user.id)]);
    expect(reply.body.users[0].links.current_nps_rating).toBe(r.id);
    expect(reply.body.links).toEqual({ ...NPS_LINKS, ...USER_LINKS });
  });

  it('filters by user, period_start and period_end (a bare end date includes its day); ticket matches nothing', async () => {
    const u1 = await a.user();
    const u2 = await a.user();
    const a1 = await rate(u1.id, 1, { date: '2024-03-01T00:00:00Z' });
    const a2 = await rate(u1.id, 2, { date: '2024-03-31T18:00:00Z' });
    const a3 = await rate(u1.id, 3, { date: '2024-04-01T00:00:00Z' });
    const b1 = await rate(u2.id, 4, { date: '2024-03-15T00:00:00Z' });
    const both = `user=${u1.id},${u2.id}`;
    expect(ids(await a.get(`/nps_ratings?${both}&sort=id`))).toEqual([a1.id, a2.id, a3.id, b1.id]);
    expect(ids(await a.get(`/nps_ratings?user=${u2.id}`))).toEqual([b1.id]);
    expect(ids(await a.get(`/nps_ratings?user=${u1.id}&user=${u2.id}&sort=id`))).toEqual([a1.id, a2.id, a3.id, b1.id]);
    expect(ids(await a.get(`/nps_ratings?${both}&sort=id&period_start=2024-03-15&period_end=2024-03-31`))).toEqual([a2.id, b1.id]);
    expect(ids(await a.get(`/nps_ratings?${both}&sort=id&period_end=2024-03-31T12:00:00Z`))).toEqual([a1.id, b1.id]);
    expect(ids(await a.get(`/nps_ratings?${both}&sort=id&period_start=2024-03-31T18:00:00%2B00:00`))).toEqual([a2.id, a3.id]);
    expect(ids(await a.get(`/nps_ratings?${both}&ticket=1`))).toEqual([]);
    for (const query of ['period_start=soon', 'period_end=2024-02-30', 'user=abc', 'ticket=x']) {
      const bad = await a.get(`/nps_ratings?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.errors.error).toBe('bad_request');
    }
  });

  it('sorts by rating, created_at and updated_at (default -id); an unknown sort is a 400', async () => {
    const user = await a.user();
    const r5 = await rate(user.id, 5, { date: '2024-01-02T00:00:00Z' });
    const r9 = await rate(user.id, 9, { date: '2024-01-01T00:00:00Z' });
    const r1 = await rate(user.id, 1, { date: '2024-01-03T00:00:00Z' });
    expect(ids(await a.get(`/nps_ratings?user=${user.id}`))).toEqual([r1.id, r9.id, r5.id]);
    expect(ids(await a.get(`/nps_ratings?user=${user.id}&sort=rating`))).toEqual([r1.id, r5.id, r9.id]);
    expect(ids(await a.get(`/nps_ratings?user=${user.id}&sort=-rating`))).toEqual([r9.id, r5.id, r1.id]);
    expect(ids(await a.get(`/nps_ratings?user=${user.id}&sort=created_at`))).toEqual([r9.id, r5.id, r1.id]);
    expect((await a.get(`/nps_ratings?user=${user.id}&sort=-updated_at`)).status).toBe(200);
    const bad = await a.get('/nps_ratings?sort=group');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errors: { error: 'bad_request', message: 'Cannot sort nps_ratings by "group"' } });
  });

  it('walks every page by cursor, and updated_after/updated_before window the list', async () => {
    const user = await a.user();
    const made: number[] = [];
    for (let i = 0; i < 7; i++) made.push((await rate(user.id, i)).id);
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const reply = await a.get(`/nps_ratings?user=${user.id}&per_page=3&sort=rating${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      expect(reply.body.list_meta).toBeNull();
      expect(reply.body.pagination).toMatchObject({ per_page: 3, total_pages: 3, total_records: 7, page: pages + 1 });
      seen.push(...ids(reply));
      cursor = reply.body.pagination.cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(made);

    const newest = (await a.one('nps_ratings', made.at(-1)!)).updated_at as string;
    const later = new Date(Date.parse(newest) + 1000).toISOString();
    expect(ids(await a.get(`/nps_ratings?user=${user.id}&updated_after=2000-01-01T00:00:00Z&sort=id`))).toEqual(made);
    expect(ids(await a.get(`/nps_ratings?user=${user.id}&updated_after=${later}`))).toEqual([]);
    expect(ids(await a.get(`/nps_ratings?user=${user.id}&updated_before=2000-01-01T00:00:00Z`))).toEqual([]);
    expect(ids(await a.get(`/nps_ratings?user=${user.id}&updated_before=${later}&sort=id`))).toEqual(made);
  });

  it('runs as many SQL statements for 1 record as for 10, with users side-loaded', async () => {
    const users = [await a.user(), await a.user()];
    for (let i = 0; i < 10; i++) await rate(users[i % 2]!.id, i);
    const counts: number[] = [];
    for (const perPage of [1, 5, 10]) {
      app.sql.length = 0;
      const reply = await a.get(`/nps_ratings?user=${users[0]!.id},${users[1]!.id}&per_page=${perPage}&includes=users,nps_ratings`);
      expect(reply.status).toBe(200);
      expect(reply.body.nps_ratings).toHaveLength(perPage);
      counts.push(app.sql.length);
    }
    // Page, count, users (nps_ratings is the primary type: never fetched again).
    expect(counts).toEqual([3, 3, 3]);
  });
});

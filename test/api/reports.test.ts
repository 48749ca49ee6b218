import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/factories.ts';

/**
 * GET /admin/reports/*: each test dates its own records in a year no other test uses, so the counts over
 * that year are the test's own (the file's database is shared by its tests).
 */
const { app, a } = useTestApp();

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const contract = ajv.compile(JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../contracts/reports.json'), 'utf8')));

async function report(name: string, query: string) {
  const reply = await a.get(`/reports/${name}?${query}`);
  expect(reply.status, reply.text).toBe(200);
  expect(contract(reply.body), JSON.stringify(contract.errors)).toBe(true);
  return reply.body;
}

const meta = (report: string, start_date: string, end_date: string, group_by: string | null) => ({ report, start_date, end_date, group_by, time_zone: 'UTC' });

describe('GET /admin/reports/suggestions, votes, comments', () => {
  it('count what was created in the range, in total and by forum, status and UTC day; both dates inclusive', async () => {
    const [f1, f2] = [await a.forum(), await a.forum()];
    const planned = await a.status({ name: 'planned', is_open: true });
    const idea = (forumId: number, created_at: string, extra: Record<string, unknown> = {}) => a.suggestion(forumId, { created_at, ...extra });
    // Just before, at both edges of, and just after 2003-03-10 … 2003-03-12 (UTC).
    await idea(f1.id, '2003-03-09T23:59:59Z');
    const s1 = await idea(f1.id, '2003-03-10T00:00:00Z');
    const s2 = await idea(f1.id, '2003-03-10T13:00:00+05:00', { links: { status: planned.id } });
    const s3 = await idea(f2.id, '2003-03-12T23:59:59Z', { links: { status: planned.id } });
    await idea(f2.id, '2003-03-13T00:00:00Z');
    // Spam does not count.
    const spam = await idea(f2.id, '2003-03-11T10:00:00Z');
    expect((await a.put(`/suggestions/${spam.id}/spam`)).status).toBe(200);

    const range = 'start_date=2003-03-10&end_date=2003-03-12';
    expect(await report('suggestions', range)).toEqual({ reports: [{ count: 3, links: {} }], links: {}, report_meta: meta('suggestions', '2003-03-10', '2003-03-12', null) });
    expect(await report('suggestions', `${range}&group_by=forum`)).toEqual({
      reports: [
        { count: 2, links: { forum: f1.id } },
        { count: 1, links: { forum: f2.id } },
      ],
      links: { 'reports.forum': { type: 'forums' } },
      report_meta: meta('suggestions', '2003-03-10', '2003-03-12', 'forum'),
    });
    expect(await report('suggestions', `${range}&group_by=status`)).toEqual({
      reports: [
        { count: 1, links: { status: null } },
        { count: 2, links: { status: planned.id } },
      ],
      links: { 'reports.status': { type: 'statuses' } },
      report_meta: meta('suggestions', '2003-03-10', '2003-03-12', 'status'),
    });
    // Every day of the range, zero included; 13:00+05:00 is 08:00Z on the 10th.
    expect(await report('suggestions', `${range}&group_by=day`)).toEqual({
      reports: [
        { date: '2003-03-10', count: 2, links: {} },
        { date: '2003-03-11', count: 0, links: {} },
        { date: '2003-03-12', count: 1, links: {} },
      ],
      links: {},
      report_meta: meta('suggestions', '2003-03-10', '2003-03-12', 'day'),
    });

    // Votes: supporters dated by their first feedback; comments: approved ones only.
    const [ann, bob] = [await a.user(), await a.user()];
    const vote = (s: number, u: number, created_at: string) => a.post('/feedback', { body: 'yes', created_at, links: { suggestion: s, user: u } });
    expect((await vote(s1.id, ann.id, '2003-03-11T09:00:00Z')).status).toBe(200);
    expect((await vote(s1.id, ann.id, '2003-03-12T09:00:00Z')).status).toBe(200); // the same support: one vote
    expect((await vote(s3.id, bob.id, '2003-03-12T10:00:00Z')).status).toBe(200);
    expect((await vote(s2.id, bob.id, '2003-03-14T10:00:00Z')).status).toBe(200); // after the range
    expect(await report('votes', `${range}&group_by=forum`)).toEqual({
      reports: [
        { count: 1, links: { forum: f1.id } },
        { count: 1, links: { forum: f2.id } },
      ],
      links: { 'reports.forum': { type: 'forums' } },
      report_meta: meta('votes', '2003-03-10', '2003-03-12', 'forum'),
    });
    expect((await report('votes', `${range}&group_by=day`)).reports).toEqual([
      { date: '2003-03-10', count: 0, links: {} },
      { date: '2003-03-11', count: 1, links: {} },
      { date: '2003-03-12', count: 1, links: {} },
    ]);

    const comment = (s: number, created_at: string) => a.post('/comments', { body: 'hm', created_at, links: { suggestion: s } });
    expect((await comment(s2.id, '2003-03-10T12:00:00Z')).status).toBe(200);
    expect((await comment(s3.id, '2003-03-12T12:00:00Z')).status).toBe(200);
    const spammed = (await comment(s3.id, '2003-03-12T13:00:00Z')).body.comments[0];
    expect((await a.put(`/comments/${spammed.id}/spam`)).status).toBe(200);
    expect(await report('comments', `${range}&group_by=status`)).toEqual({
      reports: [{ count: 2, links: { status: planned.id } }],
      links: { 'reports.status': { type: 'statuses' } },
      report_meta: meta('comments', '2003-03-10', '2003-03-12', 'status'),
    });
  });

  it('answer one SQL statement per report (besides the Bearer check\'s, when it reads its client), with the dates as parameters', async () => {
    for (const group of ['', '&group_by=forum', '&group_by=status', '&group_by=day']) {
      app.sql.length = 0;
      await report('votes', `start_date=2004-01-01&end_date=2004-12-31${group}`);
      const statements = app.sql.filter((line) => !/"api_clients"/.test(line));
      expect(statements, group).toHaveLength(1);
      expect(statements[0]).not.toContain('2004-');
    }
    // A full year by day: 366 rows (2004 is a leap year), all zero here.
    const year = await report('comments', 'start_date=2004-01-01&end_date=2004-12-31&group_by=day');
    expect(year.reports).toHaveLength(366);
    expect(year.reports.every((r: { count: number }) => r.count === 0)).toBe(true);
  });
});

describe('GET /admin/reports/nps_ratings', () => {
  it('gives the number and the mean of the ratings in the range, in total and by day', async () => {
    const user = await a.user();
    const rate = (rating: number, date: string) => a.post('/nps_ratings', { rating, date, links: { user: user.id } });
    for (const [rating, date] of [[10, '2005-06-01T08:00:00Z'], [7, '2005-06-01T20:00:00Z'], [2, '2005-06-03T00:00:00Z'], [9, '2005-06-04T00:00:00Z']] as const) {
      expect((await rate(rating, date)).status).toBe(200);
    }
    expect(await report('nps_ratings', 'start_date=2005-06-01&end_date=2005-06-03')).toEqual({
      reports: [{ count: 3, average_rating: 6.33, links: {} }],
      links: {},
      report_meta: meta('nps_ratings', '2005-06-01', '2005-06-03', null),
    });
    expect((await report('nps_ratings', 'start_date=2005-06-01&end_date=2005-06-03&group_by=day')).reports).toEqual([
      { date: '2005-06-01', count: 2, average_rating: 8.5, links: {} },
      { date: '2005-06-02', count: 0, average_rating: null, links: {} },
      { date: '2005-06-03', count: 1, average_rating: 2, links: {} },
    ]);
    expect((await report('nps_ratings', 'start_date=2005-07-01&end_date=2005-07-01')).reports).toEqual([{ count: 0, average_rating: null, links: {} }]);
  });
});

describe('GET /admin/reports: bad parameters', () => {
  it('400 naming the problem for missing, malformed, impossible, reversed and over-long ranges and unknown groupings', async () => {
    const cases: Array<[string, string]> = [
      ['/reports/suggestions', 'start_date is required (YYYY-MM-DD)'],
      ['/reports/suggestions?start_date=2005-01-01', 'end_date is required (YYYY-MM-DD)'],
      ['/reports/suggestions?start_date=2005-1-1&end_date=2005-01-02', 'start_date must be a date written YYYY-MM-DD (UTC), from 1970 on'],
      ['/reports/votes?start_date=2005-01-01&end_date=2005-02-30', 'end_date must be a date written YYYY-MM-DD (UTC), from 1970 on'],
      ['/reports/votes?start_date=2005-01-01T00:00:00Z&end_date=2005-01-02', 'start_date must be a date written YYYY-MM-DD (UTC), from 1970 on'],
      ['/reports/comments?start_date=1969-12-31&end_date=1970-01-02', 'start_date must be a date written YYYY-MM-DD (UTC), from 1970 on'],
      ['/reports/comments?start_date=2005-01-02&end_date=2005-01-01', 'end_date is before start_date'],
      ['/reports/comments?start_date=2005-01-01&end_date=2006-01-02', 'The range covers more than 366 days'],
      ['/reports/comments?start_date=2005-01-01&start_date=2005-01-02&end_date=2005-01-03', 'The parameter start_date is given more than once'],
      ['/reports/suggestions?start_date=2005-01-01&end_date=2005-01-02&group_by=week', 'group_by must be one of forum, status, day for suggestions'],
      ['/reports/nps_ratings?start_date=2005-01-01&end_date=2005-01-02&group_by=forum', 'group_by must be one of day for nps_ratings'],
    ];
    for (const [url, message] of cases) {
      const reply = await a.get(url);
      expect([reply.status, reply.body], url).toEqual([400, { errors: { error: 'bad_request', message } }]);
    }
    // 366 days is allowed; an unknown report is an unknown route.
    expect((await a.get('/reports/comments?start_date=2005-01-01&end_date=2006-01-01')).status).toBe(200);
    expect([(await a.get('/reports/revenue?start_date=2005-01-01&end_date=2005-01-02')).status]).toEqual([404]);
  });
});

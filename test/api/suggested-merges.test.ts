import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.ts';
import { refreshSuggestedMerges } from '../../src/services/suggested-merges.ts';
import { useTestApp } from '../helpers/factories.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { checkUpdatedWindow, listIds, statementCounts, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND, SUGGESTION_LINKS } from '../helpers/wire.ts';

const { app, a } = useTestApp();

const db = (): Kysely<DB> => app.server.db.orm.em.fork().getKysely<DB>();
/** A word no other test's titles share, so pairs stay within one test. */
const word = () => `zq${randomUUID().slice(0, 6).replace(/[^a-z]/g, 'x')}`;
const LINKS = { 'suggested_merges.suggestion_a': { type: 'suggestions' }, 'suggested_merges.suggestion_b': { type: 'suggestions' } };

function pair(a: number, b: number, score: number, state = 'pending') {
  return {
    id: expect.any(Number),
    score,
    state,
    subdomain_id: 1,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { suggestion_a: Math.min(a, b), suggestion_b: Math.max(a, b) },
  };
}

const pairsOf = async (id: number) => {
  const reply = await a.get(`/suggested_merges?suggestion=${id}&per_page=100&sort=id`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.suggested_merges;
};

const similarity = async (x: string, y: string) =>
  Number((await sql<{ s: number }>`select round(similarity(${x}, ${y})::numeric, 3)::float8 as s`.execute(db())).rows[0]!.s);

describe('GET /admin/suggested_merges', () => {
  it('pairs suggestions with similar titles (pg_trgm), keeps each pair once with its id, and follows later changes', async () => {
    const w = word();
    const forum = await a.forum();
    const dark = await a.suggestion(forum.id, { title: `Dark mode for the ${w} app` });
    const dark2 = await a.suggestion(forum.id, { title: `Dark mode in the ${w} app` });
    const other = await a.suggestion(forum.id, { title: `Export ${w} reports to CSV files` });
    const score = await similarity(`Dark mode for the ${w} app`, `Dark mode in the ${w} app`);
    expect(score).toBeGreaterThanOrEqual(0.5);
    const first = await pairsOf(dark.id);
    expect(first).toEqual([pair(dark.id, dark2.id, score)]);
    expect(await pairsOf(other.id)).toEqual([]);
    expect((await a.get(`/suggested_merges/${first[0].id}?includes=suggestions`)).body).toEqual({
      suggested_merges: first,
      suggestions: [await a.one('suggestions', dark.id), await a.one('suggestions', dark2.id)],
      links: { ...LINKS, ...SUGGESTION_LINKS },
    });

    // Renamed away: the pair goes stale (same id); renamed back: pending again; a third look-alike joins.
    await a.put(`/suggestions/${dark2.id}`, { title: `Completely different ${w} thing` });
    expect(await pairsOf(dark.id)).toEqual([{ ...pair(dark.id, dark2.id, score, 'stale'), id: first[0].id }]);
    await a.put(`/suggestions/${dark2.id}`, { title: `Dark mode in the ${w} app` });
    const dark3 = await a.suggestion(forum.id, { title: `Dark mode for the ${w} apps` });
    const pairs = await pairsOf(dark.id);
    expect(pairs).toEqual([{ ...pair(dark.id, dark2.id, score), id: first[0].id }, pair(dark.id, dark3.id, await similarity(`Dark mode for the ${w} app`, `Dark mode for the ${w} apps`))]);

    // Merging one into the other marks their pair merged; its pair with the third goes stale.
    await a.post('/suggestions/bulk/merge', { include_ids: [dark2.id], action: { links: { to_suggestion: dark.id } } });
    expect((await pairsOf(dark2.id)).map((p: any) => [p.links, p.state])).toEqual([
      [{ suggestion_a: dark.id, suggestion_b: dark2.id }, 'merged'],
      [{ suggestion_a: dark2.id, suggestion_b: dark3.id }, 'stale'],
    ]);
    // Spam leaves the pairs too.
    await a.put(`/suggestions/${dark3.id}/spam`);
    expect((await pairsOf(dark3.id)).map((p: any) => p.state)).toEqual(['stale', 'stale']);
    expect(await listIds(a, `/suggested_merges?per_page=100&suggestion=${dark.id}&state=pending`)).toEqual([]);
    const bad = await a.get('/suggested_merges?state=maybe');
    expect(bad.status).toBe(400);
  });

  it('without pg_trgm, pairs titles equal once case, punctuation and spacing are folded (score 1)', async () => {
    const w = word();
    const forum = await a.forum();
    const x = await a.suggestion(forum.id, { title: `Add ${w}: SSO login!` });
    const y = await a.suggestion(forum.id, { title: `add ${w} sso   LOGIN` });
    await a.suggestion(forum.id, { title: `Add ${w} SSO logins` });
    await refreshSuggestedMerges(app.server.db.orm.em.fork(), { trigrams: false });
    const rows = await db().selectFrom('suggested_merges').selectAll().where('suggestion_a_id', '=', x.id).execute();
    expect(rows.map((r) => [r.suggestion_b_id, r.score, r.state])).toEqual([[y.id, 1, 'pending']]);
  });

  it('404s; walks by cursor; updated_after windows; constant statements; read-only', async () => {
    for (const ids of ['999999', 'abc']) {
      const missing = await a.get(`/suggested_merges/${ids}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
    const w = word();
    const forum = await a.forum();
    for (let i = 0; i < 5; i++) await a.suggestion(forum.id, { title: `Better ${w} search results` });
    const all = await listIds(a, '/suggested_merges?per_page=100');
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect(await walkCursor(a, '/suggested_merges?per_page=3')).toEqual(all);
    await checkUpdatedWindow(app, a, 'suggested_merges', [all[0]!, all[1]!, all[2]!]);
    expect(new Set(await statementCounts(app, a, '/suggested_merges?includes=suggestions')).size).toBe(1);
    expect((await a.post('/suggested_merges', {})).status).toBe(405);
  });
});

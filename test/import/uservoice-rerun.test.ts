/**
 * Issue 17: after an import, (a) a rerun with nothing new changes nothing — no row inserted, deleted or
 * even rewritten with the same values, no updated_at moved; so does a dry run; (b) `--since` is an
 * incremental pass that fetches only what changed (`updated_after`); (c) records deleted at the source
 * are reported by the next full pass and left in place; (d) a record that fails validation is skipped
 * with its id and reason, and imported once it is valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  differences,
  rowVersions,
  runImport,
  snapshot,
  startProxy,
  startSourceAccount,
  summaryOf,
  withTarget,
  STEP_NAMES,
  type ImportSummary,
  type ProxyControl,
  type SourceAccount,
} from '../helpers/import.ts';
import { request } from '../helpers/http.ts';
import { childDatabase, killAllChildren, type ChildDatabase } from '../helpers/process.ts';

let source: SourceAccount;
let proxy: ProxyControl;
let target: ChildDatabase;

beforeAll(async () => {
  // Small: these are semantics, not scale (the copy and resume tests carry the few thousand records).
  source = await startSourceAccount(0.15);
  proxy = await startProxy(source.app.url);
  target = await childDatabase();
}, 120_000);

afterAll(async () => {
  await killAllChildren();
  await proxy?.close();
  await target?.cleanup();
  await source?.app.close();
});

const call = (method: string, path: string, json?: unknown) => request(source.app.url, method, `/api/v2/admin${path}`, { token: source.token, ...(json === undefined ? {} : { json }) });
const zeroWrites = (s: ImportSummary) => Object.fromEntries(s.resources.map((r) => [r.resource, [r.created, r.updated, r.missingCount]]));
const fetchedAndSkipped = (s: ImportSummary) => Object.fromEntries(s.resources.map((r) => [r.resource, [r.fetched, r.skippedCount]]));
const none = Object.fromEntries(STEP_NAMES.map((type) => [type, [0, 0, 0]]));

describe('import uservoice: reruns, --since and deletions', () => {
  it('reruns without writing, passes incrementally with --since, reports source deletions and skips an invalid record', { timeout: 180_000 }, async () => {
    // One NPS rating arrives invalid (its rating as text) until the test says otherwise: one that no user
    // links to as current or previous, so nothing else differs while it is missing.
    const all = await snapshot(source.app.url, source.token, ['users', 'nps_ratings']);
    const linked = new Set(all.users!.flatMap((u) => Object.values(u.links as Record<string, unknown>)).filter((v) => typeof v === 'number'));
    const invalidId = all.nps_ratings!.map((r) => r.id as number).find((id) => !linked.has(id))!;
    let invalid = true;
    // Feedback arrives as UserVoice sends it: a sentiment_score and no sentiment, which the importer infers
    // from the score's sign (the copies below then equal the source, suggestions' satisfaction counts too).
    proxy.rewrite = (path, body) => {
      if (/^\/api\/v2\/admin\/feedback(\?|$)/.test(path)) for (const r of body.feedback as Record<string, unknown>[]) delete r.sentiment;
      if (!invalid || !path.startsWith('/api/v2/admin/nps_ratings')) return;
      for (const r of body.nps_ratings as { id: number; rating: unknown }[]) if (r.id === invalidId) r.rating = 'ten';
    };
    const sentiments = (feedback: Record<string, unknown>[]) => [...new Set(feedback.map((f) => f.sentiment ?? 'none'))].sort();

    // 1. The first import: everything but the invalid record.
    const first = await runImport(target, proxy.url, source.creds);
    expect(first.code, first.stderr).toBe(0);
    const s1 = summaryOf(first);
    expect(s1.resources.find((r) => r.resource === 'nps_ratings')!.skipped).toEqual([{ id: invalidId, reason: 'rating is not an integer' }]);
    expect(s1.resources.filter((r) => r.skippedCount > 0).map((r) => r.resource)).toEqual(['nps_ratings']);
    expect(s1.resources.every((r) => r.created === r.fetched - r.skippedCount && r.missingCount === 0)).toBe(true);
    expect(s1.unresolved).toEqual([]);
    const expected = await snapshot(source.app.url, source.token);
    expect(sentiments(expected.feedback!)).toEqual(['negative', 'neutral', 'none', 'positive']);
    expect(expected.suggestions!.some((s) => (s.satisfaction_promoter_count as number) > 0)).toBe(true);
    const before = await withTarget(target, async (view) => ({ versions: await rowVersions(view.db), lists: await snapshot(view.url, view.token) }));
    expect(differences({ ...expected, nps_ratings: expected.nps_ratings!.filter((r) => r.id !== invalidId) }, before.lists)).toEqual({});

    // 2. Nothing new at the source: the rerun fetches everything and writes nothing, and so does a dry run.
    const second = await runImport(target, proxy.url, source.creds);
    expect(second.code, second.stderr).toBe(0);
    const s2 = summaryOf(second);
    expect(zeroWrites(s2)).toEqual(none);
    expect(fetchedAndSkipped(s2)).toEqual(fetchedAndSkipped(s1));
    const dry = await runImport(target, proxy.url, source.creds, ['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(summaryOf(dry).dryRun).toBe(true);
    const after = await withTarget(target, async (view) => ({ versions: await rowVersions(view.db), lists: await snapshot(view.url, view.token) }));
    expect(after.versions).toEqual(before.versions);
    expect(after.lists).toEqual(before.lists);

    // 3. Changes at the source: an edit, a new comment, a soft-deleted suggestion, two hard deletions.
    // Everything so far is older than `since`; the source's clock then moves past it (no sleeping).
    const since = new Date(Date.now() + 1000).toISOString();
    source.app.clock.offsetMs += 3000;
    const suggestion = expected.suggestions![10]!;
    const edited = await call('PUT', `/suggestions/${suggestion.id}`, { title: 'Renamed at the source' });
    expect(edited.status, edited.text).toBe(200);
    const comment = await call('POST', '/comments', { body: 'Late comment', links: { suggestion: suggestion.id } });
    expect(comment.status, comment.text).toBe(200);
    const softDeleted = expected.suggestions![20]!.id as number;
    expect((await call('DELETE', `/suggestions/${softDeleted}`)).status).toBe(200);
    const goneField = expected.custom_fields![1]!.id as number;
    const goneFile = expected.attachments![2]!.id as number;
    expect((await call('DELETE', `/custom_fields/${goneField}`)).status).toBe(200);
    expect((await call('DELETE', `/attachments/${goneFile}`)).status).toBe(200);
    const changed = await snapshot(source.app.url, source.token);

    // 4. --since: only records updated after the date are fetched (the suggestions, the comment, the
    // counters those moved); deletions are invisible to an incremental pass.
    proxy.log.length = 0;
    const third = await runImport(target, proxy.url, source.creds, ['--since', since]);
    expect(third.code, third.stderr).toBe(0);
    const s3 = summaryOf(third);
    expect(proxy.log.filter((l) => l.includes('/api/v2/admin/')).every((l) => l.includes(`updated_after=${encodeURIComponent(since)}`))).toBe(true);
    const fetched = Object.fromEntries(s3.resources.filter((r) => r.fetched > 0).map((r) => [r.resource, [r.fetched, r.created, r.updated]]));
    expect(fetched).toMatchObject({ suggestions: [2, 0, 2], comments: [1, 1, 0] });
    // …what their counters moved (forums, categories, labels, supporters, users), the activity the three
    // changes logged and the suggested merges the rename and the deletion made stale: nothing else.
    expect(fetched).toMatchObject({ suggestion_activity_entries: [3, 3, 0] });
    const moved = ['suggestions', 'comments', 'forums', 'categories', 'labels', 'supporters', 'users', 'suggestion_activity_entries', 'suggested_merges'];
    expect(Object.keys(fetched).filter((t) => !moved.includes(t))).toEqual([]);
    expect(s3.resources.every((r) => r.missingCount === 0)).toBe(true);
    const incremental = await withTarget(target, (view) => snapshot(view.url, view.token));
    const gone = { custom_fields: [goneField], attachments: [goneFile] } as Record<string, number[]>;
    const withGone = (type: string) => [...changed[type]!, ...(before.lists[type] ?? []).filter((r) => gone[type]?.includes(r.id as number))].sort((a, b) => (a.id as number) - (b.id as number));
    for (const type of STEP_NAMES) {
      if (type === 'nps_ratings') continue;
      expect(incremental[type], type).toEqual(withGone(type));
    }

    // 5. A full pass reports what the source no longer has (left in place), and the now valid record arrives.
    invalid = false;
    const fourth = await runImport(target, proxy.url, source.creds);
    expect(fourth.code, fourth.stderr).toBe(0);
    const s4 = summaryOf(fourth);
    expect(Object.fromEntries(s4.resources.filter((r) => r.missingCount > 0).map((r) => [r.resource, r.missing]))).toEqual(gone);
    expect(zeroWrites(s4)).toEqual({ ...none, custom_fields: [0, 0, 1], attachments: [0, 0, 1], nps_ratings: [1, 0, 0] });
    const final = await withTarget(target, (view) => snapshot(view.url, view.token));
    for (const type of STEP_NAMES) expect(final[type], type).toEqual(withGone(type));
  });
});

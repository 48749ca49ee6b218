/**
 * `scale` (issue 15 point 2): the same list requests on the standard data set (10,000 suggestions) and
 * on a large one (`--large=N`, default 1,000,000), each on its own fresh database and server, both
 * served at once and measured alternately (`--repeats` rounds per probe), one request at a time (-c 1: latency, not queueing). A request is flat when its p50 on the large set is within 1.5× of
 * the standard set's. Probes: the list page with five includes, id filters, a pivot filter, deep pages
 * by cursor (default order and -updated_at), an `updated_after` window of about 100 rows, and a sort.
 *
 * Loading a million suggestions (plus 1.5 M label rows) takes minutes on a 2-core machine: the run
 * prints how long. Supporters and comments are generated for the newest 10,000 suggestions only, so
 * the records on the first pages are alike in both sets.
 */
import { sql } from 'kysely';
import { encodeCursor } from '../../src/http/params.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import { listSeqScans } from '../../src/resources/explain.ts';
import type { AnyDb } from '../../src/resources/rows.ts';
import { suggestions } from '../../src/resources/suggestions.ts';
import { DATASET, loadDataset } from '../lib/dataset.ts';
import { load, median } from '../lib/load.ts';
import { freshDatabase, startServer, tokenFor } from '../lib/server.ts';
import type { Check, MeasuredRow, Scenario } from '../index.ts';

const INCLUDES = 'includes=forums,users,categories,statuses,labels';
const MAX_RATIO = 1.5;
/**
 * Probes go around the response cache (bench/routes.ts `/_bench/uncached`): through it, every repeat of a
 * probe is a cache hit and both sizes measure the same memory read.
 */
const UNCACHED = '/_bench/uncached';

/**
 * Probe paths for a data set of `n` suggestions (cursor values read from its database), each with the
 * big tables its list statement would scan sequentially (resources/explain.ts: EXPLAIN, not run).
 */
async function probes(env: Record<string, string>, n: number): Promise<Array<[string, string, string[]]>> {
  const database = await openDatabase(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
  try {
    const db = database.orm.em.getKysely() as AnyDb;
    const middle = Math.floor(n / 2);
    const byUpdated = await sql<{ v: string; id: number }>`select updated_at::text as v, id from suggestions
      order by updated_at desc, id desc offset ${middle} limit 1`.execute(db);
    const window = await sql<{ v: string }>`select updated_at::text as v from suggestions order by updated_at desc, id desc offset 100 limit 1`.execute(db);
    const after = new Date(window.rows[0]!.v).toISOString();
    const page = Math.floor(middle / 100) + 1;
    const paths: Array<[string, string]> = [
      ['list_100', `${UNCACHED}/api/v2/admin/suggestions?per_page=100&${INCLUDES}`],
      ['forum', `${UNCACHED}/api/v2/admin/suggestions?per_page=100&forum=3&${INCLUDES}`],
      ['forum+status', `${UNCACHED}/api/v2/admin/suggestions?per_page=100&forum=3&status=2`],
      ['label', `${UNCACHED}/api/v2/admin/suggestions?per_page=100&label=10`],
      ['deep_cursor', `${UNCACHED}/api/v2/admin/suggestions?per_page=100&cursor=${encodeCursor({ sort: '-id', value: null, id: middle, page })}`],
      [
        'deep_cursor_updated',
        `${UNCACHED}/api/v2/admin/suggestions?per_page=100&sort=-updated_at&cursor=${encodeCursor({ sort: '-updated_at', value: byUpdated.rows[0]!.v, id: Number(byUpdated.rows[0]!.id), page })}`,
      ],
      ['updated_after', `${UNCACHED}/api/v2/admin/suggestions?per_page=100&updated_after=${after}`],
      ['sort_votes', `${UNCACHED}/api/v2/admin/suggestions?per_page=100&sort=-votes_count`],
    ];
    const env = { publicUrl: 'http://bench.invalid', signedUrl: (path: string) => path };
    const out: Array<[string, string, string[]]> = [];
    for (const [name, path] of paths) {
      const query = Object.fromEntries(new URL(path, 'http://bench.invalid').searchParams);
      out.push([name, path, await listSeqScans(db, suggestions, query, env)]);
    }
    return out;
  } finally {
    await database.close();
  }
}

export const scale: Scenario = {
  name: 'scale',
  description: `list requests at ${DATASET.suggestions.toLocaleString('en')} suggestions vs --large (p50 within ${MAX_RATIO}×)`,
  async run({ options, log }) {
    const sizes = [DATASET.suggestions, options.large];
    const results = new Map<string, Array<{ p50: number; p99: number; rps: number }>>();
    /** Sequential scans of big tables in each probe's plan, per size. */
    const scans = new Map<string, string[][]>();
    const notes: string[] = [];
    // Both sets are loaded and served at once, and each probe alternates between them (`--repeats`
    // rounds, the order flipped every round): on a shared machine only side-by-side figures compare.
    const sets: Array<{ n: number; db: Awaited<ReturnType<typeof freshDatabase>>; paths: Array<[string, string, string[]]>; server?: Awaited<ReturnType<typeof startServer>>; headers?: Record<string, string> }> = [];
    try {
      for (const n of sizes) {
        const db = await freshDatabase(`scale${n}`);
        const data = await loadDataset(db.env, { suggestions: n }).catch(async (error: unknown) => {
          await db.drop();
          throw error;
        });
        const loaded = `${n.toLocaleString('en')} suggestions loaded in ${(data.ms / 1000).toFixed(0)} s (${Object.entries(data.counts).map(([t, c]) => `${c} ${t}`).join(', ')})`;
        log(loaded);
        notes.push(`scale: ${loaded}`);
        const set: (typeof sets)[number] = { n, db, paths: await probes(db.env, n) };
        sets.push(set);
        set.server = await startServer({ ...db.env, RATE_LIMIT_PER_MINUTE: '1000000000' }, { credentials: data });
        set.headers = { Authorization: `Bearer ${await tokenFor(set.server)}` };
      }
      for (let p = 0; p < sets[0]!.paths.length; p++) {
        const name = sets[0]!.paths[p]![0];
        const samples = sets.map(() => [] as Array<{ p50: number; p99: number; rps: number }>);
        for (const set of sets) {
          const [, path, seq] = set.paths[p]!;
          log(`scale ${name} at ${set.n}: EXPLAIN ${seq.length === 0 ? 'pass (no sequential scan of a big table)' : `FAIL (sequential scan of ${seq.join(', ')})`}`);
          scans.set(name, [...(scans.get(name) ?? []), seq]);
          const probe = await fetch(`${set.server!.url}${path}`, { headers: set.headers });
          if (probe.status !== 200) throw new Error(`${name} at ${set.n}: ${probe.status} ${(await probe.text()).slice(0, 200)}`);
          await load(`${set.server!.url}${path}`, { connections: 1, duration: Math.max(0.5, options.warmup), headers: set.headers });
        }
        for (let round = 0; round < Math.max(1, options.repeats); round++) {
          const order = round % 2 === 0 ? sets.map((_, i) => i) : sets.map((_, i) => sets.length - 1 - i);
          for (const i of order) {
            const set = sets[i]!;
            // One connection: the request's own latency, not queueing behind nine others on two cores.
            const result = await load(`${set.server!.url}${set.paths[p]![1]}`, { connections: 1, duration: options.duration, headers: set.headers });
            samples[i]!.push({ p50: result.p50, p99: result.p99, rps: result.rps });
          }
        }
        const list = samples.map((runs) => ({ p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), rps: median(runs.map((r) => r.rps)) }));
        sets.forEach((set, i) => log(`scale ${name} at ${set.n}: ${list[i]!.rps.toFixed(0)} req/s, p50 ${list[i]!.p50.toFixed(2)} ms, p99 ${list[i]!.p99.toFixed(2)} ms (median of ${samples[i]!.length})`));
        results.set(name, list);
      }
    } finally {
      for (const set of sets) {
        await set.server?.stop();
        await set.db.drop();
      }
    }
    const rows: MeasuredRow[] = [];
    const checks: Check[] = [];
    // One entry for the whole scenario (bench15's report reads it): per probe `<probe>_p50_small_ms`,
    // `<probe>_p50_large_ms`, `<probe>_ratio`, `<probe>_pass` (ratio ≤ 1.5), `<probe>_seq_scans` (big
    // tables scanned sequentially in the large set's plan, '' for none); overall `pass` (every ratio) and
    // `explain_pass` (no sequential scan in any probe at any size).
    const figures: Record<string, number | string | boolean | null> = { small: sizes[0]!, large: sizes[1]!, max_ratio: MAX_RATIO };
    let allPass = true;
    let explainPass = true;
    for (const [name, [small, large]] of results) {
      if (!small || !large) continue;
      const ratio = large.p50 / small.p50;
      for (const [label, r] of [[`${sizes[0]}`, small], [`${sizes[1]}`, large]] as const) {
        rows.push({ scenario: `scale ${name}`, variant: label, rps: r.rps, spread: '', p50: r.p50, p99: r.p99, ratio: label === `${sizes[1]}` ? ratio : undefined, vs: label === `${sizes[1]}` ? `${sizes[0]}` : undefined });
      }
      const seq = scans.get(name) ?? [];
      const seqLarge = seq[1] ?? [];
      const planOk = seq.every((list) => list.length === 0);
      figures[`${name}_p50_small_ms`] = Math.round(small.p50 * 100) / 100;
      figures[`${name}_p50_large_ms`] = Math.round(large.p50 * 100) / 100;
      figures[`${name}_ratio`] = Math.round(ratio * 1000) / 1000;
      figures[`${name}_pass`] = ratio <= MAX_RATIO;
      figures[`${name}_seq_scans`] = seqLarge.join(',');
      allPass &&= ratio <= MAX_RATIO;
      explainPass &&= planOk;
      checks.push({
        target: `scale ${name}: p50 at ${sizes[1]!.toLocaleString('en')} ÷ at ${sizes[0]!.toLocaleString('en')}`,
        figure: `${large.p50.toFixed(1)} / ${small.p50.toFixed(1)} ms = ${ratio.toFixed(2)}×`,
        threshold: `≤ ${MAX_RATIO}`,
        pass: ratio <= MAX_RATIO,
      });
      checks.push({
        target: `scale ${name}: no sequential scan of a big table in the plan (EXPLAIN at ${sizes.map((x) => x!.toLocaleString('en')).join(' and ')})`,
        figure: planOk ? 'none' : seq.map((list, i) => `${sizes[i]}: ${list.join(', ') || 'none'}`).join('; '),
        threshold: 'none',
        pass: planOk,
      });
    }
    figures.pass = allPass;
    figures.explain_pass = explainPass;
    const summary = { scale: figures };
    notes.push('scale: both sets served at once, each probe alternating between them; figures are medians over --repeats rounds.');
    return { rows, summary, checks, notes };
  },
};

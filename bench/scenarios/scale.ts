/**
 * `scale` (issue 15 point 2): the same list requests on the standard data set (10,000 suggestions) and
 * on a large one (`--large=N`, default 1,000,000), each on its own fresh database and server, measured
 * one after the other in this run, one request at a time (-c 1: latency, not queueing). A request is flat when its p50 on the large set is within 1.5× of
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
import type { AnyDb } from '../../src/resources/rows.ts';
import { DATASET, loadDataset } from '../lib/dataset.ts';
import { load } from '../lib/load.ts';
import { freshDatabase, startServer, tokenFor } from '../lib/server.ts';
import type { Check, MeasuredRow, Scenario } from '../index.ts';

const INCLUDES = 'includes=forums,users,categories,statuses,labels';
const MAX_RATIO = 1.5;

/** Probe paths for a data set of `n` suggestions (cursor values read from its database). */
async function probes(env: Record<string, string>, n: number): Promise<Array<[string, string]>> {
  const database = await openDatabase(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
  try {
    const db = database.orm.em.getKysely() as AnyDb;
    const middle = Math.floor(n / 2);
    const byUpdated = await sql<{ v: string; id: number }>`select updated_at::text as v, id from suggestions
      order by updated_at desc, id desc offset ${middle} limit 1`.execute(db);
    const window = await sql<{ v: string }>`select updated_at::text as v from suggestions order by updated_at desc, id desc offset 100 limit 1`.execute(db);
    const after = new Date(window.rows[0]!.v).toISOString();
    const page = Math.floor(middle / 100) + 1;
    return [
      ['list_100', `/api/v2/admin/suggestions?per_page=100&${INCLUDES}`],
      ['forum', `/api/v2/admin/suggestions?per_page=100&forum=3&${INCLUDES}`],
      ['forum+status', `/api/v2/admin/suggestions?per_page=100&forum=3&status=2`],
      ['label', `/api/v2/admin/suggestions?per_page=100&label=10`],
      ['deep_cursor', `/api/v2/admin/suggestions?per_page=100&cursor=${encodeCursor({ sort: '-id', value: null, id: middle, page })}`],
      [
        'deep_cursor_updated',
        `/api/v2/admin/suggestions?per_page=100&sort=-updated_at&cursor=${encodeCursor({ sort: '-updated_at', value: byUpdated.rows[0]!.v, id: Number(byUpdated.rows[0]!.id), page })}`,
      ],
      ['updated_after', `/api/v2/admin/suggestions?per_page=100&updated_after=${after}`],
      ['sort_votes', `/api/v2/admin/suggestions?per_page=100&sort=-votes_count`],
    ];
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
    const notes: string[] = [];
    for (const n of sizes) {
      const db = await freshDatabase(`scale${n}`);
      try {
        const data = await loadDataset(db.env, { suggestions: n });
        const loaded = `${n.toLocaleString('en')} suggestions loaded in ${(data.ms / 1000).toFixed(0)} s (${Object.entries(data.counts).map(([t, c]) => `${c} ${t}`).join(', ')})`;
        log(loaded);
        notes.push(`scale: ${loaded}`);
        const paths = await probes(db.env, n);
        const server = await startServer({ ...db.env, RATE_LIMIT_PER_MINUTE: '1000000000' }, { credentials: data });
        try {
          const headers = { Authorization: `Bearer ${await tokenFor(server)}` };
          for (const [name, path] of paths) {
            const probe = await fetch(`${server.url}${path}`, { headers });
            if (probe.status !== 200) throw new Error(`${name} at ${n}: ${probe.status} ${(await probe.text()).slice(0, 200)}`);
            // One connection: the request's own latency, not queueing behind nine others on two cores.
            await load(`${server.url}${path}`, { connections: 1, duration: Math.max(0.5, options.warmup), headers });
            const result = await load(`${server.url}${path}`, { connections: 1, duration: options.duration, headers });
            log(`scale ${name} at ${n}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms`);
            const list = results.get(name) ?? [];
            list.push({ p50: result.p50, p99: result.p99, rps: result.rps });
            results.set(name, list);
          }
        } finally {
          await server.stop();
        }
      } finally {
        await db.drop();
      }
    }
    const rows: MeasuredRow[] = [];
    const checks: Check[] = [];
    const summary: Record<string, Record<string, number | string | boolean | null>> = {};
    for (const [name, [small, large]] of results) {
      if (!small || !large) continue;
      const ratio = large.p50 / small.p50;
      for (const [label, r] of [[`${sizes[0]}`, small], [`${sizes[1]}`, large]] as const) {
        rows.push({ scenario: `scale ${name}`, variant: label, rps: r.rps, spread: '', p50: r.p50, p99: r.p99, ratio: label === `${sizes[1]}` ? ratio : undefined, vs: label === `${sizes[1]}` ? `${sizes[0]}` : undefined });
      }
      summary[`scale_${name}`] = { p50_small_ms: Math.round(small.p50 * 100) / 100, p50_large_ms: Math.round(large.p50 * 100) / 100, ratio: Math.round(ratio * 1000) / 1000, large: sizes[1]! };
      checks.push({
        target: `scale ${name}: p50 at ${sizes[1]!.toLocaleString('en')} ÷ at ${sizes[0]!.toLocaleString('en')}`,
        figure: `${large.p50.toFixed(1)} / ${small.p50.toFixed(1)} ms = ${ratio.toFixed(2)}×`,
        threshold: `≤ ${MAX_RATIO}`,
        pass: ratio <= MAX_RATIO,
      });
    }
    notes.push('scale: the two sets run one after the other on a shared machine; p50 ratios carry its drift.');
    return { rows, summary, checks, notes };
  },
};

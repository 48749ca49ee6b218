/**
 * The API scenarios (ENGINEERING.md §2.3), on one server (bench/server.ts) over the fixed data set of
 * bench/lib/dataset.ts, each next to its same-process baseline from bench/routes.ts:
 *
 * | part     | measured                                              | baseline                                   |
 * |----------|-------------------------------------------------------|--------------------------------------------|
 * | token    | POST /api/v2/oauth/token (client_credentials)         | get_one (ENGINEERING T5: ≥ 0.5×, info); tail: the token by hand |
 * | health   | GET /health                                           | /_bench/hello (koa ceiling, info); tail: `select 1` by hand |
 * | list_100 | GET /admin/suggestions?per_page=100&includes=…        | hand-written SQL floor; precomputed bytes  |
 * | list_10  | the same at per_page=10                               | the same                                   |
 * | get_one  | GET /admin/suggestions/:id?includes=…                 | hand-written SQL floor                     |
 * | list_100_cached | list_100 answered by the response cache        | precomputed bytes; list_100 rendered (info) |
 * | limiter  | GET /admin/users/current (limiter on)                 | the same route without the limiter         |
 * | create   | POST /admin/suggestions (JSON, ~500 bytes)            | the same writes in hand-written SQL; the bare INSERT (info) |
 *
 * list_100, list_10 and get_one measure rendering: their `real` is the admin API without the response cache
 * (`/_bench/uncached/…`, same middleware otherwise), since a repeated GET would otherwise be a cache hit;
 * list_100_cached measures the production route, cache on, next to the same route uncached and the ceiling.
 * Bodies are compared before measuring: byte-identical for the reads (real, floor and ceiling), equal up
 * to ids and timestamps for create. A mismatch fails the part without measuring it. The per-client rate
 * limiter is on, with a budget no run reaches (RATE_LIMIT_PER_MINUTE=1000000000), on the store the
 * environment selects (memory on PGlite, PostgreSQL, or Redis with REDIS_URL).
 * Variants of a part are measured in turn, each repeat starting with the next one, and reported as
 * medians; a part's ratio is the median of the ratios of runs in the same repeat. A part measured in
 * many short runs (limiter) pools them into spans of `--duration` seconds for p50/p99. Create runs last
 * because it adds rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadDataset, DATASET } from '../lib/dataset.ts';
import { load, median, percentiles, type LoadResult } from '../lib/load.ts';
import { freshDatabase, REPO_ROOT, resetPeak, startServer, statusKb, tokenFor, type BenchServer } from '../lib/server.ts';
import { PROBES, type ProbeEnv } from './probes.ts';
import { TAIL_SLACK } from '../lib/issue15.ts';
import type { Check, Figures, MeasuredRow, Scenario, ScenarioContext } from '../index.ts';

const INCLUDES = 'includes=forums,users,categories,statuses,labels';
/** A suggestion with a forum, category, status, creator and labels (dataset.ts: 9998 % 3, % 4, % 10 ≠ 0). */
const ONE_ID = 9998;

type Role = 'real' | 'floor' | 'ceiling' | 'baseline';

interface Variant {
  name: string;
  role: Role;
  path: string;
  method?: 'GET' | 'POST';
  bodies?: string[];
  headers?: Record<string, string>;
}

interface Part {
  name: string;
  description: string;
  /** The variant the real one is compared with (`ratio` = real / baseline req/s). */
  baseline?: string;
  /**
   * The variant whose p99 ÷ p50 this part's is held to (issue 15 point 5): the same work without our
   * code. Defaults to `baseline`.
   */
  tailBaseline?: string;
  /** Checked target for the ratio (undefined: informational). */
  minRatio?: number;
  targetLabel?: string;
  variants(env: PartEnv): Variant[];
  /**
   * Measure in this many times more, shorter runs (same total time): for effects smaller than the
   * machine's drift, more pairs of adjacent runs give a steadier median ratio. Default TAIL_SPLIT.
   */
  split?: number;
  /** Measure this many times as long as the other parts (an effect near the machine's noise). */
  weight?: number;
  /**
   * Server CPU per request of the real variant ÷ that of variant `vs`: the median of the ratios of runs in
   * the same repeat; checked against `max` when given (issue 15: ≤ 0.5× today's path on list_100).
   */
  cpu?: { vs: string; max?: number; label: string };
  /** Checks before measuring (bodies equal); throws to fail the part. */
  prepare?(env: PartEnv, variants: Variant[]): Promise<string[]>;
}

interface PartEnv {
  server: BenchServer;
  token: string;
  auth: Record<string, string>;
  createdBy: number;
}

async function fetchText(env: PartEnv, v: Variant): Promise<{ status: number; body: string }> {
  const response = await fetch(`${env.server.url}${v.path}`, {
    method: v.method ?? 'GET',
    headers: v.headers,
    body: v.bodies?.[0],
  });
  return { status: response.status, body: await response.text() };
}

/** Throws naming the first differing byte when `b` is not `a`. */
function assertIdentical(what: string, a: string, b: string): void {
  if (a === b) return;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  throw new Error(
    `${what}: bodies differ (${a.length} vs ${b.length} bytes) at byte ${i}: …${JSON.stringify(a.slice(Math.max(0, i - 60), i + 60))}… vs …${JSON.stringify(b.slice(Math.max(0, i - 60), i + 60))}… ` +
      '(a resource declaration changed? update the mirror in bench/routes.ts)',
  );
}

/** Byte comparison of real, floor and (captured) ceiling for a read: all three must be the same bytes. */
async function sameBytes(env: PartEnv, variants: Variant[], staticName: string): Promise<string[]> {
  const real = variants.find((v) => v.role === 'real')!;
  const first = await fetchText(env, real);
  if (first.status !== 200) throw new Error(`${real.path} answered ${first.status}: ${first.body.slice(0, 200)}`);
  const put = await fetch(`${env.server.url}/_bench/static/${staticName}`, { method: 'PUT', body: first.body });
  if (put.status !== 204) throw new Error(`capturing the ceiling failed: ${put.status}`);
  const notes: string[] = [];
  for (const v of variants) {
    const other = await fetchText(env, v);
    if (other.status !== 200) throw new Error(`${v.path} answered ${other.status}: ${other.body.slice(0, 200)}`);
    assertIdentical(`${v.name} vs real`, first.body, other.body);
  }
  notes.push(`${staticName}: ${variants.map((v) => v.name).join(', ')} bodies byte-identical (${first.body.length} bytes)`);
  return notes;
}

/**
 * Every part runs its variants in turn in runs of a second (at the default 10 s × 3: 30 per variant),
 * pooled per variant into spans of `--duration` seconds for p50 and p99. Point 5 compares a part's
 * p99 ÷ p50 with its baseline's in the same run; the host's slow spells last seconds, and in 10-second
 * runs one of them fell on whichever variant was running then (list_100's hand-written floor measured
 * 1.39 to 1.71 in three adjacent runs of one session). Interleaved by the second, a spell falls on every
 * variant alike.
 */
const TAIL_SPLIT = 10;

/** The admin API without the response cache (bench/routes.ts): what rendering a GET costs. */
const UNCACHED = '/_bench/uncached';

const listPart = (perPage: number): Part => ({
  name: `list_${perPage}`,
  description: `GET /api/v2/admin/suggestions?per_page=${perPage}&${INCLUDES} (rendered: response cache off)`,
  baseline: 'floor',
  minRatio: 0.6,
  targetLabel: '≥ 0.6× floor',
  cpu: perPage === 100 ? { vs: 'legacy', max: 0.5, label: 'server CPU/req ÷ legacy (objects) path' } : { vs: 'legacy', label: 'server CPU/req ÷ legacy (objects) path (info)' },
  variants: (env) => [
    { name: 'real', role: 'real', path: `${UNCACHED}/api/v2/admin/suggestions?per_page=${perPage}&${INCLUDES}`, headers: env.auth },
    { name: 'legacy', role: 'baseline', path: `/_bench/legacy/api/v2/admin/suggestions?per_page=${perPage}&${INCLUDES}`, headers: env.auth },
    { name: 'floor', role: 'floor', path: `/_bench/raw/suggestions?per_page=${perPage}` },
    { name: 'ceiling', role: 'ceiling', path: `/_bench/static/list_${perPage}` },
  ],
  prepare: (env, variants) => sameBytes(env, variants, `list_${perPage}`),
});

/** Fields that differ between two creates of the same input. */
const VOLATILE = new Set(['id', 'created_at', 'updated_at', 'approved_at', 'portal_url', 'admin_url']);
function masked(body: string): string {
  return JSON.stringify(JSON.parse(body), (key, value) => (VOLATILE.has(key) ? '…' : value));
}

/** 20 create bodies (~500 bytes), one per forum with one of its categories, used in turn. */
function createBodies(): string[] {
  const text = 'We export our feedback every week and would like the CSV to include the status history. ';
  return Array.from({ length: DATASET.forums }, (_, i) =>
    JSON.stringify({
      title: `Bench suggestion ${i + 1}: export the status history as CSV`,
      body: text.repeat(4).trim(),
      links: { forum: i + 1, category: i * DATASET.categoriesPerForum + 1 + (i % DATASET.categoriesPerForum) },
    }),
  );
}

const PARTS: Part[] = [
  {
    name: 'token',
    description: 'POST /api/v2/oauth/token (client_credentials, form body)',
    baseline: 'get_one',
    tailBaseline: 'floor',
    targetLabel: '≥ 0.5× get_one (T5, info)',
    variants: (env) => {
      const form = {
        method: 'POST' as const,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        bodies: [`grant_type=client_credentials&client_id=${env.server.clientId}&client_secret=${env.server.clientSecret}`],
      };
      return [
        { name: 'real', role: 'real', path: '/api/v2/oauth/token', ...form },
        { name: 'floor', role: 'floor', path: '/_bench/raw/token', ...form },
      ];
    },
    prepare: async (env, variants) => {
      const [real, floor] = await Promise.all(variants.map((v) => fetchText(env, v)));
      const shape = (body: string) => {
        const { access_token: token, ...rest } = JSON.parse(body) as { access_token: string };
        const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
        const { iat, exp, jti, ...claims } = payload!;
        return JSON.stringify({ rest, header, claims, lifetime: (exp as number) - (iat as number), jti: typeof jti });
      };
      if (real!.status !== 200 || floor!.status !== 200) throw new Error(`token answered ${real!.status}, its floor ${floor!.status}`);
      assertIdentical('token floor vs real (iat, exp and jti aside)', shape(real!.body), shape(floor!.body));
      return ['token: the floor signs the same header and claims (iat, exp, jti aside) with the same key'];
    },
  },
  {
    name: 'health',
    description: 'GET /health (one `select 1`)',
    baseline: 'hello',
    tailBaseline: 'floor',
    targetLabel: 'vs koa hello (info)',
    variants: () => [
      { name: 'real', role: 'real', path: '/health' },
      { name: 'floor', role: 'floor', path: '/_bench/raw/health' },
      { name: 'hello', role: 'baseline', path: '/_bench/hello' },
    ],
    prepare: (env, variants) => sameBytes(env, variants.slice(0, 2), 'health'),
  },
  listPart(100),
  listPart(10),
  {
    name: 'list_100_cached',
    description: `GET /api/v2/admin/suggestions?per_page=100&${INCLUDES} answered by the response cache`,
    baseline: 'ceiling',
    minRatio: 0.3,
    targetLabel: '≥ 0.3× static-bytes ceiling (issue 15.3)',
    variants: (env) => [
      { name: 'real', role: 'real', path: `/api/v2/admin/suggestions?per_page=100&${INCLUDES}`, headers: env.auth },
      { name: 'uncached', role: 'baseline', path: `${UNCACHED}/api/v2/admin/suggestions?per_page=100&${INCLUDES}`, headers: env.auth },
      { name: 'ceiling', role: 'ceiling', path: '/_bench/static/list_100_cached' },
    ],
    prepare: (env, variants) => sameBytes(env, variants, 'list_100_cached'),
  },
  {
    name: 'get_one',
    description: `GET /api/v2/admin/suggestions/${ONE_ID}?${INCLUDES} (rendered: response cache off)`,
    baseline: 'floor',
    minRatio: 0.6,
    targetLabel: '≥ 0.6× floor',
    cpu: { vs: 'legacy', label: 'server CPU/req ÷ legacy (objects) path (info)' },
    variants: (env) => [
      { name: 'real', role: 'real', path: `${UNCACHED}/api/v2/admin/suggestions/${ONE_ID}?${INCLUDES}`, headers: env.auth },
      { name: 'legacy', role: 'baseline', path: `/_bench/legacy/api/v2/admin/suggestions/${ONE_ID}?${INCLUDES}`, headers: env.auth },
      { name: 'floor', role: 'floor', path: `/_bench/raw/suggestions/${ONE_ID}` },
      { name: 'ceiling', role: 'ceiling', path: '/_bench/static/get_one' },
    ],
    prepare: (env, variants) => sameBytes(env, variants, 'get_one'),
  },
  {
    name: 'limiter',
    description: `GET /api/v2/admin/users/current with the per-client rate limiter (a budget nothing reaches) vs the same route without it`,
    baseline: 'off',
    minRatio: 0.95,
    targetLabel: 'limiter on ÷ off ≥ 0.95',
    // The limiter costs a few per cent, less than this machine's noise from one second to the next
    // (±10% between two runs of the same route here): many short pairs (0.5 s each at the default
    // 10 s × 3) rather than three long ones, and twice the time, for 120 adjacent triples in all.
    split: 20,
    weight: 2,
    variants: (env) => [
      { name: 'on', role: 'real', path: '/api/v2/admin/users/current', headers: env.auth },
      { name: 'off', role: 'baseline', path: '/_bench/unlimited/api/v2/admin/users/current', headers: env.auth },
      // The same as `on`, measured as a separate variant: control ÷ on is this run's noise.
      { name: 'control', role: 'baseline', path: '/api/v2/admin/users/current', headers: env.auth },
    ],
    async prepare(env, [on, off]) {
      const limited = await fetch(`${env.server.url}${on!.path}`, { headers: on!.headers });
      const unlimited = await fetch(`${env.server.url}${off!.path}`, { headers: off!.headers });
      const [a, b] = [await limited.text(), await unlimited.text()];
      if (limited.status !== 200 || unlimited.status !== 200) throw new Error(`limiter probes answered ${limited.status} / ${unlimited.status}`);
      if (!limited.headers.has('x-rate-limit-remaining') || unlimited.headers.has('x-rate-limit-remaining')) {
        throw new Error('the limiter is not what differs (rate headers on the limited route only expected)');
      }
      assertIdentical('limiter off vs on', a, b);
      return [`limiter: same body with and without the limiter (${a.length} bytes); rate headers only with it`];
    },
  },
  {
    name: 'create',
    description: 'POST /api/v2/admin/suggestions (JSON, ~500 bytes, forums in turn)',
    baseline: 'floor',
    minRatio: 0.4,
    targetLabel: '≥ 0.4× raw SQL create (same writes)',
    variants: (env) => {
      const bodies = createBodies();
      const json = { 'Content-Type': 'application/json' };
      return [
        { name: 'real', role: 'real', path: '/api/v2/admin/suggestions', method: 'POST', bodies, headers: { ...env.auth, ...json } },
        { name: 'floor', role: 'floor', path: `/_bench/raw/suggestions?created_by=${env.createdBy}`, method: 'POST', bodies, headers: json },
        { name: 'insert', role: 'baseline', path: `/_bench/raw/insert?created_by=${env.createdBy}`, method: 'POST', bodies, headers: json },
      ];
    },
    async prepare(env, variants) {
      const answers = [];
      for (const v of variants) answers.push(await fetchText(env, v));
      const [real, ...others] = answers;
      if (answers.some((a) => a.status !== 200)) throw new Error(`create answered ${answers.map((a) => `${a.status} ${a.body.slice(0, 200)}`).join(' / ')}`);
      for (const [i, other] of others.entries()) {
        assertIdentical(`create: ${variants[i + 1]!.name} vs real (ids and timestamps masked)`, masked(real!.body), masked(other.body));
      }
      return [`create: real, floor and insert bodies equal apart from ids and timestamps (${real!.body.length} bytes)`];
    },
  },
];

export const PART_NAMES = PARTS.map((p) => p.name);

interface Counters {
  statements: number;
  api_clients_statements: number;
  gc_ms: number;
  /** The server's longest GC pause since the previous read. */
  gc_max_ms: number;
}

async function counters(server: BenchServer): Promise<Counters> {
  const response = await fetch(`${server.url}/_bench/counters`);
  return (await response.json()) as Counters;
}

async function statements(server: BenchServer): Promise<number> {
  return (await counters(server)).statements;
}

/**
 * A full collection in the server, then a pause for the sweeping it leaves: each run starts from the same
 * heap, so a variant does not pay for the old-generation garbage of the one before it. In runs of a
 * second, the full collection that another variant's promotions made due fell on whichever ran next: the
 * uncached list_100, which promotes ~1.7 MB/s and in a run of its own met no full collection in 20 s
 * (--trace-gc), had one in a third of its interleaved runs, each with ~80 ms of concurrent marking on the
 * server's one core and a p99 near twice its usual. JMH collects between iterations for the same reason.
 */
async function settle(server: BenchServer): Promise<void> {
  const response = await fetch(`${server.url}/_bench/gc`, { method: 'POST' });
  if (response.status !== 200) throw new Error(`/_bench/gc answered ${response.status}`);
  await response.arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Statements one request of `v` sends (the server is otherwise idle). */
async function probeSql(env: PartEnv, v: Variant): Promise<number> {
  const before = await statements(env.server);
  const { status } = await fetchText(env, v);
  if (status < 200 || status > 299) throw new Error(`${v.name} ${v.path} answered ${status}`);
  return (await statements(env.server)) - before;
}

interface VariantRuns {
  variant: Variant;
  runs: (LoadResult & { sqlPerRequest: number; cpuUs: number; gcPct: number; gcMaxMs: number; rssMaxMb: number })[];
  sql: number;
  /** Consecutive runs that together last `--duration` (1 unless the part is split). */
  runsPerSpan: number;
}

/**
 * p50, p99 and the longest GC pause: the median of the runs' own. Short runs (a half-second run's p99 is
 * its ~10th slowest request) are pooled first into groups of `--duration` seconds, in the order they ran,
 * so every part's figures are medians over runs of the same length.
 */
function latency({ runs, runsPerSpan: group }: VariantRuns): { p50: number; p99: number; gcMaxMs: number } {
  const groups = Array.from({ length: runs.length / group }, (_, g) => runs.slice(g * group, (g + 1) * group));
  const spans = group > 1 ? groups.map((span) => percentiles(span.map((r) => r.latencies))) : runs;
  return {
    p50: median(spans.map((r) => r.p50)),
    p99: median(spans.map((r) => r.p99)),
    gcMaxMs: median(groups.map((span) => Math.max(...span.map((r) => r.gcMaxMs)))),
  };
}

async function measurePart(env: PartEnv, part: Part, variants: Variant[], { options, log }: ScenarioContext): Promise<VariantRuns[]> {
  const results: VariantRuns[] = [];
  // Runs of at least half a second (--quick splits nothing, and measures no longer).
  const split = Math.max(1, Math.min(part.split ?? TAIL_SPLIT, Math.floor(options.duration / 0.5)));
  const rounds = options.repeats * split * (split > 1 ? (part.weight ?? 1) : 1);
  for (const variant of variants) results.push({ variant, runs: [], sql: await probeSql(env, variant), runsPerSpan: split });
  const url = (v: Variant) => `${env.server.url}${v.path}`;
  const loadOf = (v: Variant, duration: number) =>
    load(url(v), { connections: options.connections, duration, method: v.method, headers: v.headers, bodies: v.bodies });
  // --quick has no warm-up time: a few requests per variant (10 at a time) still get the JIT going.
  const nudge = async (v: Variant) => {
    for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 10 }, () => fetchText(env, v)));
  };
  for (const { variant } of results) await (options.warmup > 0 ? loadOf(variant, options.warmup) : nudge(variant));
  for (let repeat = 0; repeat < rounds; repeat++) {
    const order = results.map((_, i) => results[(i + repeat) % results.length]!);
    for (const entry of order) {
      await settle(env.server);
      const before = await counters(env.server);
      const cpuBefore = env.server.cpuMs();
      const started = performance.now();
      let rssMax = 0;
      const sampler = setInterval(() => (rssMax = Math.max(rssMax, statusKb(env.server.pid, 'VmRSS') / 1024)), 50);
      const result = await loadOf(entry.variant, options.duration / split).finally(() => clearInterval(sampler));
      const elapsedMs = performance.now() - started;
      const cpuUs = ((env.server.cpuMs() - cpuBefore) * 1000) / Math.max(1, result.requests);
      const after = await counters(env.server);
      const sqlPerRequest = (after.statements - before.statements) / Math.max(1, result.requests);
      const gcPct = ((after.gc_ms - before.gc_ms) * 100) / elapsedMs;
      const gcMaxMs = after.gc_max_ms;
      if (result.failures > 0) {
        throw new Error(`${part.name}/${entry.variant.name}: ${result.failures} failed requests (status codes ${JSON.stringify(result.statuses)})`);
      }
      entry.runs.push({ ...result, sqlPerRequest, cpuUs, gcPct, gcMaxMs, rssMaxMb: rssMax });
      log(
        `${part.name} run ${repeat + 1} ${entry.variant.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, ` +
          `p99 ${result.p99.toFixed(2)} ms, ${cpuUs.toFixed(0)} µs CPU/req, ${sqlPerRequest.toFixed(2)} SQL/req, ` +
          `GC ${gcPct.toFixed(1)}% (longest ${gcMaxMs.toFixed(1)} ms)`,
      );
    }
  }
  return results;
}

export const api: Scenario = {
  name: 'api',
  parts: [...PART_NAMES, ...PROBES.map((p) => p.name)],
  description:
    'token, health, list_100, list_10, list_100_cached, get_one, limiter, create — each against its same-process baseline; ' +
    'then the probes fresh (cache after a write) and revoke (Bearer check), and the server\'s memory',
  async run(context) {
    const { options, log, only } = context;
    const parts = PARTS.filter((p) => !only || only.has(p.name) || only.has('api'));
    const probes = PROBES.filter((p) => !only || only.has(p.name) || only.has('api'));
    const db = await freshDatabase('api');
    let server: BenchServer | undefined;
    const rows: MeasuredRow[] = [];
    const summary: Record<string, Figures> = {};
    const checks: Check[] = [];
    const notes: string[] = [];
    try {
      const data = await loadDataset(db.env);
      log(`data set loaded in ${(data.ms / 1000).toFixed(1)} s: ${Object.entries(data.counts).map(([t, n]) => `${n} ${t}`).join(', ')}`);
      const profileDir = path.join(REPO_ROOT, 'bench/results/tmp/profiles');
      if (options.cpuProf) fs.mkdirSync(profileDir, { recursive: true });
      const redis = process.env.REDIS_URL?.trim();
      server = await startServer(
        // The per-client limiter on, as in production, with a budget no run can reach.
        { ...db.env, RATE_LIMIT_PER_MINUTE: '1000000000', ...(redis ? { REDIS_URL: redis } : {}) },
        { credentials: data, nodeArgs: options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] },
      );
      const atStart = await memoryNow(server);
      const token = await tokenFor(server);
      const env: PartEnv = { server, token, auth: { Authorization: `Bearer ${token}` }, createdBy: 1 };
      const store = redis ? 'redis' : db.kind === 'postgresql' ? 'postgresql' : 'memory';
      log(`database ${db.kind}, rate-limit store ${store}, server pid ${server.pid}, -c ${options.connections}, ${options.duration} s × ${options.repeats}, warm-up ${options.warmup} s`);

      const measured = new Map<string, { rps: number; runs: VariantRuns[] }>();
      // The RSS high-water mark per part (reset before each): which load makes the server's peak.
      const peaks = new Map<string, number>([['start', statusKb(server.pid, 'VmHWM') / 1024]]);
      const peakOf = (name: string, resettable: boolean) => resettable && peaks.set(name, statusKb(server!.pid, 'VmHWM') / 1024);
      for (const part of parts) {
        const resettable = resetPeak(server.pid);
        const variants = part.variants(env);
        try {
          if (part.prepare) for (const note of await part.prepare(env, variants)) log(note);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          notes.push(`${part.name}: NOT MEASURED — ${message}`);
          checks.push({ target: `${part.name}: bodies match their baselines`, figure: 'mismatch', threshold: 'identical', pass: false });
          continue;
        }
        const runs = await measurePart(env, part, variants, context);
        peakOf(part.name, resettable);
        const realRuns = runs.find((r) => r.variant.role === 'real')!;
        measured.set(part.name, { rps: median(realRuns.runs.map((r) => r.rps)), runs });
      }

      // Rows, ratios and checks once every part has run (token compares with get_one).
      const baselineTail = new Map<string, { p50: number; p99: number }>();
      for (const [name, m] of measured) baselineTail.set(name, latency(m.runs.find((r) => r.variant.role === 'real')!));
      for (const part of parts) {
        const m = measured.get(part.name);
        if (!m) continue;
        const realRps = m.rps;
        const own = m.runs.find((r) => r.variant.name === part.baseline);
        const realOf = m.runs.find((r) => r.variant.role === 'real')!;
        const baselineRps = part.baseline === undefined ? undefined : own ? median(own.runs.map((r) => r.rps)) : measured.get(part.baseline)?.rps;
        // Against a baseline of this part: the median of the ratios of runs made in the same repeat
        // (adjacent in time, so the machine's drift cancels); against another part's: of the medians.
        const pairedRatio = own ? median(realOf.runs.map((r, i) => r.rps / own.runs[i]!.rps)) : undefined;
        for (const variantRuns of m.runs) {
          const { variant, runs, sql } = variantRuns;
          const rps = median(runs.map((r) => r.rps));
          const { p50, p99, gcMaxMs } = latency(variantRuns);
          const real = variant.role === 'real';
          const ratio = real ? (pairedRatio ?? (baselineRps ? rps / baselineRps : undefined)) : rps / realRps;
          rows.push({
            scenario: part.name,
            variant: variant.name,
            rps,
            spread: `${Math.min(...runs.map((r) => r.rps)).toFixed(0)}–${Math.max(...runs.map((r) => r.rps)).toFixed(0)}`,
            p50,
            p99,
            ratio,
            vs: real ? part.baseline : 'real',
            sql,
            cpuUs: median(runs.map((r) => r.cpuUs)),
            gcPct: median(runs.map((r) => r.gcPct)),
            gcMaxMs,
            rssMaxMb: Math.max(...runs.map((r) => r.rssMaxMb)),
          });
          if (real) {
            summary[part.name] = {
              rps: Math.round(rps),
              p50_ms: round(p50, 2),
              p99_ms: round(p99, 2),
              ratio: ratio === undefined ? null : round(ratio, 3),
              sql,
              baseline: part.baseline ?? null,
              baseline_rps: baselineRps === undefined ? null : Math.round(baselineRps),
            };
            for (const other of m.runs) {
              if (other.variant.role === 'real' || other.variant.name === part.baseline) continue;
              const otherRps = median(other.runs.map((r) => r.rps));
              summary[part.name]![`${other.variant.name}_rps`] = Math.round(otherRps);
              if (other.variant.role === 'baseline') {
                checks.push({ target: `${part.name}: vs ${other.variant.name} (info)`, figure: (rps / otherRps).toFixed(3), threshold: 'info', pass: null });
              }
            }
            if (part.minRatio !== undefined) {
              checks.push({
                target: `${part.name}: ${part.targetLabel}`,
                figure: ratio === undefined ? 'n/a' : ratio.toFixed(3),
                threshold: `≥ ${part.minRatio}`,
                pass: ratio !== undefined && ratio >= part.minRatio,
              });
            } else if (part.targetLabel && ratio !== undefined) {
              checks.push({ target: `${part.name}: ${part.targetLabel}`, figure: ratio.toFixed(3), threshold: 'info', pass: null });
            }
            const cpuVs = part.cpu && m.runs.find((r) => r.variant.name === part.cpu!.vs);
            if (part.cpu && cpuVs) {
              const cpuRatio = median(realOf.runs.map((r, i) => r.cpuUs / cpuVs.runs[i]!.cpuUs));
              summary[part.name]!.cpu_us = Math.round(median(realOf.runs.map((r) => r.cpuUs)));
              summary[part.name]![`${part.cpu.vs}_cpu_us`] = Math.round(median(cpuVs.runs.map((r) => r.cpuUs)));
              summary[part.name]!.cpu_ratio = round(cpuRatio, 3);
              // Issue 15 point 1 (bench15's report reads these): the ratio against the named variant and its verdict.
              summary[part.name]![`cpu_ratio_vs_${part.cpu.vs}`] = round(cpuRatio, 3);
              if (part.cpu.max !== undefined) summary[part.name]!.cpu_pass = cpuRatio <= part.cpu.max;
              checks.push({
                target: `${part.name}: ${part.cpu.label}`,
                figure: cpuRatio.toFixed(3),
                threshold: part.cpu.max === undefined ? 'info' : `≤ ${part.cpu.max}`,
                pass: part.cpu.max === undefined ? null : cpuRatio <= part.cpu.max,
              });
            }
            // Issue 15 point 5: the tail follows the host, so p99 ÷ p50 is held to the same figure of the
            // scenario's baseline in this run (the same work without our code: `tailBaseline`): at most
            // 10% worse.
            const tailName = part.tailBaseline ?? part.baseline;
            const ownTail = m.runs.find((r) => r.variant.name === tailName);
            const base = ownTail ? latency(ownTail) : baselineTail.get(tailName ?? '');
            const tail = p99 / p50;
            summary[part.name]!.tail = round(tail, 2);
            if (base) {
              const baseTail = base.p99 / base.p50;
              summary[part.name]!.baseline_tail = round(baseTail, 2);
              checks.push({
                target: `${part.name}: p99 ÷ p50 vs ${tailName}'s × 1.1 at -c ${options.connections}`,
                figure: `${p99.toFixed(1)} / ${p50.toFixed(1)} ms = ${tail.toFixed(2)}× (${tailName} ${baseTail.toFixed(2)}×)`,
                threshold: `≤ ${(baseTail * TAIL_SLACK).toFixed(2)}`,
                pass: tail <= baseTail * TAIL_SLACK,
              });
            }
          }
        }
      }
      const probeEnv: ProbeEnv = { server, auth: env.auth, dbEnv: db.env, kind: db.kind, statements: async () => {
          const c = await counters(server!);
          return { all: c.statements, apiClients: c.api_clients_statements };
        },
      };
      for (const probe of probes) {
        const resettable = resetPeak(server.pid);
        const result = await probe.run(probeEnv, log);
        peakOf(probe.name, resettable);
        summary[probe.name] = result.figures;
        notes.push(...result.notes);
      }
      if (summary.list_100_cached) {
        // Under load, every statement of a cached read would be the Bearer check's.
        const cached = measured.get('list_100_cached')!.runs.find((r) => r.variant.role === 'real')!;
        summary.list_100_cached.sql_under_load = round(median(cached.runs.map((r) => r.sqlPerRequest)), 4);
      }
      summary.memory = await memoryAfter(server, atStart, [...parts.map((p) => p.name), ...probes.map((p) => p.name)], peaks);
      notes.push(memoryNote(summary.memory));

      const l100 = summary.list_100;
      const l10 = summary.list_10;
      if (l100 && l10) {
        checks.push({
          target: 'list: SQL statements per request equal at per_page 10 and 100',
          figure: `${l10.sql} / ${l100.sql}`,
          threshold: 'equal',
          pass: l10.sql === l100.sql,
        });
      }
      if (summary.limiter) summary.limiter.store = store;
      notes.push(
        `SQL per request: counted at the ORM's connection (the Bearer check's client lookup included; the rate limiter's ` +
          `own ${store === 'postgresql' ? 'PostgreSQL pool' : store} is not). Rate-limit store: ${store}.`,
      );
      return { rows, summary, checks, notes };
    } finally {
      await server?.stop();
      await db.drop();
    }
  },
};

const MB = 1024 * 1024;

interface MemoryNow {
  rssMb: number;
  /** /proc/PID/smaps_rollup: anonymous memory (heap, malloc) and the rest (mapped files: node's own code). */
  anonMb: number;
  fileMb: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  spaces: Record<string, { size: number; used: number }>;
  response_cache: { bytes: number; entries: number; max: number } | null;
  pg_pool: { sessions: number } | null;
}

async function memoryNow(server: BenchServer): Promise<MemoryNow> {
  const m = (await (await fetch(`${server.url}/_bench/memory`)).json()) as Omit<MemoryNow, 'rssMb' | 'anonMb' | 'fileMb'>;
  const rollup = fs.readFileSync(`/proc/${server.pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
  return { ...m, rssMb: kb('Rss') / 1024, anonMb: kb('Anonymous') / 1024, fileMb: (kb('Rss') - kb('Anonymous')) / 1024 };
}

/**
 * Issue 15 point 6: the server's RSS high-water mark (VmHWM) and RSS once the parts have run, and where
 * the memory is (mapped files vs anonymous; process.memoryUsage(), V8's spaces, the response cache, the
 * pg pool), at start and at the end.
 */
async function memoryAfter(server: BenchServer, start: MemoryNow, ran: string[], peaks: Map<string, number>): Promise<Figures> {
  // With the mark reset before each part, the run's high-water mark is the largest of the parts' (and
  // of what came before the first reset).
  const hwm = Math.max(statusKb(server.pid, 'VmHWM') / 1024, ...peaks.values());
  const peakOf = [...peaks].map(([name, mb]) => `${name} ${Math.round(mb)}`).join(', ');
  const end = await memoryNow(server);
  const mb = (bytes: number) => round(bytes / MB, 1);
  const young = (m: MemoryNow) => mb((m.spaces.new_space?.size ?? 0) + (m.spaces.new_large_object_space?.size ?? 0));
  return {
    after: ran.join(','),
    start_rss_mb: round(start.rssMb, 1),
    start_file_mb: round(start.fileMb, 1),
    start_heap_total_mb: mb(start.heapTotal),
    start_heap_used_mb: mb(start.heapUsed),
    start_external_mb: mb(start.external),
    rss_hwm_mb: round(hwm, 1),
    peak_by_part_mb: peakOf,
    rss_mb: round(end.rssMb, 1),
    file_mb: round(end.fileMb, 1),
    anon_mb: round(end.anonMb, 1),
    heap_total_mb: mb(end.heapTotal),
    heap_used_mb: mb(end.heapUsed),
    young_space_mb: young(end),
    external_mb: mb(end.external),
    array_buffers_mb: mb(end.arrayBuffers),
    response_cache_mb: end.response_cache ? mb(end.response_cache.bytes) : null,
    response_cache_entries: end.response_cache?.entries ?? null,
    response_cache_max_mb: end.response_cache ? mb(end.response_cache.max) : null,
    pg_sessions: end.pg_pool?.sessions ?? null,
  };
}

function memoryNote(f: Figures): string {
  return (
    `memory: server RSS high-water ${f.rss_hwm_mb} MB (peak RSS MB per part: ${f.peak_by_part_mb}); at start RSS ${f.start_rss_mb} MB (mapped files ${f.start_file_mb} MB; V8 heap ${f.start_heap_used_mb} MB used of ` +
    `${f.start_heap_total_mb} MB, external ${f.start_external_mb} MB); at the end RSS ${f.rss_mb} MB: mapped files ${f.file_mb} MB, anonymous ${f.anon_mb} MB — ` +
    `V8 heap ${f.heap_used_mb} MB used of ${f.heap_total_mb} MB (young generation ${f.young_space_mb} MB), external ${f.external_mb} MB (array buffers ${f.array_buffers_mb} MB), ` +
    `response cache ${f.response_cache_mb ?? '–'} MB in ${f.response_cache_entries ?? '–'} entries (max ${f.response_cache_max_mb ?? '–'} MB); pg sessions ${f.pg_sessions ?? '–'}`
  );
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

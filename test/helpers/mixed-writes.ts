/**
 * A mixed write load over HTTP (RELIABILITY.md L8, issue 14 point 1): several connections create, move
 * and moderate suggestions, attach labels, support (feedback), comment and post status updates against
 * one shared set of records, so writers contend for the same suggestions, categories, labels and users.
 * Afterwards the stored counters are compared with a recount (services/counters.ts recountAll).
 */
import { sql } from 'kysely';
import type { AnyDb } from '../../src/resources/rows.ts';
import { recountAll } from '../../src/services/counters.ts';
import type { TestApp } from './app.ts';
import { api, type Api } from './factories.ts';
import { request } from './http.ts';

export interface LoadFigures {
  requests: number;
  /** Responses that were not 200 (each write here is valid, so every one is an error). */
  errors: number;
  /** status → count, and the first body of each failing status. */
  statuses: Record<string, number>;
  samples: Record<string, string>;
  /** Acknowledged creates (200) missing from the database afterwards. */
  lostWrites: number;
}

interface World {
  forums: number[];
  /** Categories per forum. */
  categories: Map<number, number[]>;
  statuses: number[];
  labels: number[];
  users: number[];
  /** Suggestion ids anyone may write to, with their forum (kept current by the workers that move them). */
  suggestions: Map<number, number>;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function buildWorld(a: Api): Promise<World> {
  const forums = [(await a.forum()).id as number, (await a.forum()).id as number];
  const categories = new Map<number, number[]>();
  for (const f of forums) categories.set(f, [(await a.category(f)).id, (await a.category(f)).id]);
  const statuses = [(await a.status({ is_open: true })).id, (await a.status({ is_open: false })).id];
  const labels = [(await a.label()).id, (await a.label()).id, (await a.label()).id];
  const users: number[] = [];
  for (let i = 0; i < 12; i++) users.push((await a.user()).id);
  const suggestions = new Map<number, number>();
  for (let i = 0; i < 12; i++) {
    const forum = forums[i % 2]!;
    suggestions.set((await a.suggestion(forum, { links: { category: categories.get(forum)![i % 2] } })).id, forum);
  }
  return { forums, categories, statuses, labels, users, suggestions };
}

type Op = (w: World, worker: Worker) => Promise<{ status: number; text: string; created?: [string, number] }>;

interface Worker {
  call(method: string, path: string, json?: unknown): Promise<{ status: number; text: string; body: any }>;
  feedback: number[];
  comments: number[];
}

const suggestionOf = (w: World) => pick([...w.suggestions.keys()]);

const OPS: [number, Op][] = [
  [12, async (w, k) => {
    const forum = pick(w.forums);
    const r = await k.call('POST', '/suggestions', { title: 'Load idea', links: { forum, category: pick(w.categories.get(forum)!) } });
    if (r.status === 200) w.suggestions.set(r.body.suggestions[0].id, forum);
    return { ...r, created: ['suggestions', r.status === 200 ? 1 : 0] };
  }],
  // The deadlock of issue 14: suggestions swapping categories (and sometimes forums).
  [14, async (w, k) => {
    const id = suggestionOf(w);
    const forum = Math.random() < 0.2 ? pick(w.forums) : w.suggestions.get(id)!;
    const r = await k.call('PUT', `/suggestions/${id}`, { links: { forum, category: pick(w.categories.get(forum)!) } });
    if (r.status === 200) w.suggestions.set(id, forum);
    return r;
  }],
  [6, (w, k) => k.call('PUT', `/suggestions/${suggestionOf(w)}`, { links: { status: Math.random() < 0.2 ? null : pick(w.statuses) } })],
  [4, (w, k) => k.call('PUT', `/suggestions/${suggestionOf(w)}/${pick(['approve', 'publish', 'spam', 'unremove'])}`)],
  [2, (w, k) => k.call('DELETE', `/suggestions/${suggestionOf(w)}`)],
  [8, (w, k) => k.call('POST', `/labels/${pick(['attach', 'detach'])}`, { links: { label: pick(w.labels), suggestion: suggestionOf(w) } })],
  [16, async (w, k) => {
    const r = await k.call('POST', '/feedback', { body: 'I want this', links: { suggestion: suggestionOf(w), user: pick(w.users) } });
    if (r.status === 200) k.feedback.push(r.body.feedback[0].id);
    return r;
  }],
  [4, async (_w, k) => {
    const id = k.feedback.shift();
    if (id === undefined) return { status: 200, text: '' };
    return k.call('DELETE', `/feedback/${id}`);
  }],
  [14, async (w, k) => {
    const r = await k.call('POST', '/comments', { body: 'A comment', links: { suggestion: suggestionOf(w), created_by: pick(w.users) } });
    if (r.status === 200) k.comments.push(r.body.comments[0].id);
    return { ...r, created: ['comments', r.status === 200 ? 1 : 0] };
  }],
  [5, async (_w, k) => {
    if (k.comments.length === 0) return { status: 200, text: '' };
    const action = pick(['approve', 'spam', 'unremove', 'delete']);
    return action === 'delete' ? k.call('DELETE', `/comments/${pick(k.comments)}`) : k.call('PUT', `/comments/${pick(k.comments)}/${action}`);
  }],
  [5, (w, k) => k.call('POST', '/status_updates', { body: 'Update', links: { suggestion: suggestionOf(w), status: pick(w.statuses) } })],
  [3, (w, k) => k.call('POST', '/notes', { body: 'Note', links: { suggestion: suggestionOf(w) } })],
  // A status opening or closing changes which suggestions count as open everywhere (a full recount),
  // racing the writers whose counter changes depend on it.
  [2, (w, k) => k.call('PUT', `/statuses/${pick(w.statuses)}`, { is_open: Math.random() < 0.5 })],
  // Merges of two fresh suggestions (always valid), which also move support between users' rows.
  [2, async (w, k) => {
    const forum = pick(w.forums);
    const made = [];
    for (let i = 0; i < 2; i++) {
      const r = await k.call('POST', '/suggestions', { title: 'To merge', links: { forum, category: pick(w.categories.get(forum)!) } });
      if (r.status !== 200) return r;
      made.push(r.body.suggestions[0].id as number);
      const f = await k.call('POST', '/feedback', { body: 'me too', links: { suggestion: made[i], user: pick(w.users) } });
      if (f.status !== 200) return f;
    }
    const r = await k.call('POST', '/suggestions/bulk/merge', { include_ids: [made[1]], action: { links: { to_suggestion: made[0] } } });
    if (r.status === 200) w.suggestions.set(made[0]!, forum);
    return r;
  }],
];

const TOTAL_WEIGHT = OPS.reduce((sum, [weight]) => sum + weight, 0);

function chooseOp(): Op {
  let n = Math.random() * TOTAL_WEIGHT;
  for (const [weight, op] of OPS) {
    n -= weight;
    if (n < 0) return op;
  }
  return OPS[0]![1];
}

/** Runs `connections` workers for `seconds`, each one request at a time; answers the figures. */
export async function runMixedWrites(app: TestApp, { connections, seconds }: { connections: number; seconds: number }): Promise<LoadFigures> {
  const a = await api(app);
  const token = await app.token();
  const world = await buildWorld(a);
  const db = app.server.db.orm.em.fork().getKysely() as unknown as AnyDb;
  const before = await rowCounts(db);
  const figures: LoadFigures = { requests: 0, errors: 0, statuses: {}, samples: {}, lostWrites: 0 };
  const created: Record<string, number> = { suggestions: 0, comments: 0 };
  const deadline = Date.now() + seconds * 1000;
  const worker = async () => {
    const k: Worker = {
      feedback: [],
      comments: [],
      async call(method, path, json) {
        const reply = await request(app.url, method, `/api/v2/admin${path}`, { token, ...(json === undefined ? {} : { json }) });
        figures.requests++;
        figures.statuses[reply.status] = (figures.statuses[reply.status] ?? 0) + 1;
        if (reply.status !== 200) {
          figures.errors++;
          figures.samples[reply.status] ??= `${method} ${path} → ${reply.text.slice(0, 300)}`;
        }
        return reply;
      },
    };
    while (Date.now() < deadline) {
      const result = await chooseOp()(world, k);
      if (result.created) created[result.created[0]] = (created[result.created[0]] ?? 0) + result.created[1];
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const after = await rowCounts(db);
  // Merges create suggestions outside the counted op; count only what the counted ops acknowledged.
  figures.lostWrites = Math.max(0, created.comments! - (after.comments - before.comments));
  return figures;
}

async function rowCounts(db: AnyDb): Promise<{ comments: number }> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from comments`.execute(db);
  return { comments: Number(rows[0]!.n) };
}

const COUNTERS: Record<string, string[]> = {
  forums: ['suggestions_count', 'open_suggestions_count'],
  categories: ['suggestions_count', 'open_suggestions_count'],
  labels: ['open_suggestions_count'],
  suggestions: [
    'comments_count', 'notes_count', 'supporters_count', 'votes_count', 'requests_count', 'first_support_at', 'last_status_update_id',
    'satisfaction_promoter_count', 'satisfaction_neutral_count', 'satisfaction_detractor_count',
  ],
  supporters: ['comments_count', 'feedback_count'],
  users: ['supported_suggestions_count', 'suggestion_votes'],
};

/** Every stored counter, by table and id. */
export async function storedCounters(db: AnyDb): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, columns] of Object.entries(COUNTERS)) {
    const { rows } = await sql<Record<string, unknown>>`select id, ${sql.join(columns.map((c) => sql.ref(c)))} from ${sql.table(table)} order by id`.execute(db);
    out[table] = rows.map((row) => JSON.stringify(row));
  }
  return out;
}

/** The counters as stored, and as recountAll computes them from the rows (left recounted). */
export async function countersAndRecount(app: TestApp): Promise<{ stored: Record<string, unknown[]>; recounted: Record<string, unknown[]> }> {
  const db = app.server.db.orm.em.fork().getKysely() as unknown as AnyDb;
  const stored = await storedCounters(db);
  await recountAll(db);
  return { stored, recounted: await storedCounters(db) };
}

/** One summary line for the test output. */
export function summary(name: string, f: LoadFigures, countersEqual: boolean): string {
  return `${name}: requests=${f.requests} errors=${f.errors} lost_writes=${f.lostWrites} counters_equal_recount=${countersEqual} statuses=${JSON.stringify(f.statuses)}`;
}

/**
 * Benchmark baselines under /_bench, mounted by the bench's own server entry (bench/server.ts). They run
 * in the same process, behind the same always-on middleware (request log, error renderer) as the real
 * routes, and answer with the same bytes, so the bench can compare like with like:
 *
 * - `GET /_bench/hello`: koa + router answering a tiny JSON object (the framework's ceiling).
 * - `PUT|GET /_bench/static/:name`: bytes the bench captured from a real response, served as they are
 *   with an ETag computed at capture (the ceiling for that very response).
 * - `GET /_bench/raw/suggestions?per_page=N`, `GET /_bench/raw/suggestions/:id`: the database floor —
 *   the rows of `GET /api/v2/admin/suggestions?includes=forums,users,categories,statuses,labels` (first
 *   page, default order) and of one suggestion with the same includes, fetched with hand-written SQL
 *   through the ORM's own connection and serialised by hand. The bench checks the bodies are
 *   byte-identical to the real ones before it compares speeds.
 * - `GET /_bench/raw/health`: `select 1` and GET /health's body; `POST /_bench/raw/token`: a client_credentials
 *   token by hand (client row, secret hash, the same signed claims) — the floors of `health` and `token`.
 * - `POST /_bench/raw/suggestions`: the floor for create — the same writes by hand in one transaction
 *   (check forum and category, INSERT … RETURNING, counters, the activity entry); `POST /_bench/raw/insert`: the INSERT alone.
 * - `POST /_bench/gc`: a full garbage collection (before each measured run).
 * - `GET /_bench/counters`: statements sent through the ORM's connection so far (pg pool or PGlite), so
 *   the bench can count statements per request, those naming api_clients (the Bearer check's), and this
 *   process's garbage-collection pauses.
 * - `GET /_bench/memory`: process.memoryUsage(), V8's heap spaces, the response cache's bytes and the pg
 *   pool's sessions (where the server's RSS goes).
 * - `/_bench/unlimited/api/v2/admin/…`: the admin API exactly as app.ts builds it (adminRouter), but without the
 *   per-client rate limiter, to measure the limiter's cost in the same process.
 * - `/_bench/uncached/api/v2/admin/…`: the same, with the limiter but without the response cache: every GET
 *   is rendered (the list and get parts measure rendering there; list_100_cached compares the two).
 * - `/_bench/legacy/api/v2/admin/…`: the uncached admin API with read routes building records as objects
 *   (the path before resources/render.ts), to measure both in the same process.
 *
 * The hand-written serialisers below mirror src/resources/{suggestions,forums,users,categories,statuses,
 * labels}.ts field by field. When a declaration changes, the byte comparison fails and names the first
 * difference: update the mirror here.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createHash, createSecretKey, randomUUID, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { PerformanceObserver } from 'node:perf_hooks';
import type Koa from 'koa';
import Router from '@koa/router';
import { CompiledQuery } from 'kysely';
import type { MikroORM } from '@mikro-orm/sql';
import type { AppDeps } from '../src/deps.ts';
import { BadRequestError, RecordNotFoundError } from '../src/errors.ts';
import type { AppContext, AppState } from '../src/http/state.ts';
import type { AnyDb } from '../src/resources/rows.ts';
import { etagOf } from '../src/http/etag.ts';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/auth/tokens.ts';

type Row = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------
// Statement counter

interface Counter {
  statements: number;
  /** Statements naming api_clients: the Bearer check's (its client read and its record of use). */
  apiClients: number;
}

/** The SQL text of a driver call's first argument (a string or a `{ text }` config). */
const sqlText = (arg: unknown): string => (typeof arg === 'string' ? arg : typeof (arg as { text?: unknown })?.text === 'string' ? (arg as { text: string }).text : '');
const API_CLIENTS = /\bapi_clients\b/;

/**
 * Counts statements at the driver: every pooled pg client's `query` (wrapped on first checkout), or
 * PGlite's `query` and `transaction` (BEGIN and COMMIT/ROLLBACK count as two). The rate limiter's own
 * pool (PostgreSQL store) is not counted.
 */
async function installCounter(orm: MikroORM): Promise<Counter> {
  const counter: Counter = { statements: 0, apiClients: 0 };
  const count = (arg: unknown) => {
    counter.statements++;
    if (API_CLIENTS.test(sqlText(arg))) counter.apiClients++;
  };
  const native = (await orm.em.getConnection().getNativeClient()) as Record<string, unknown>;
  if (typeof native.on === 'function' && 'totalCount' in native) {
    // pg.Pool
    const wrapped = new WeakSet<object>();
    const wrap = (client: { query: (...args: unknown[]) => unknown }) => {
      if (wrapped.has(client)) return;
      wrapped.add(client);
      const query = client.query;
      client.query = function (this: unknown, ...args: unknown[]) {
        count(args[0]);
        return query.apply(this, args);
      };
    };
    (native.on as (event: string, listener: (client: never) => void) => void).call(native, 'acquire', wrap);
  } else {
    // PGlite
    type Query = (...args: unknown[]) => Promise<unknown>;
    const pglite = native as { query: Query; transaction: (cb: (tx: { query: Query }) => Promise<unknown>) => Promise<unknown> };
    const query = pglite.query;
    const transaction = pglite.transaction;
    pglite.query = function (this: unknown, ...args: unknown[]) {
      count(args[0]);
      return query.apply(pglite, args);
    };
    pglite.transaction = function (callback) {
      counter.statements += 2;
      return transaction.call(pglite, (tx) => {
        const txQuery = tx.query;
        tx.query = (...args: unknown[]) => {
          count(args[0]);
          return txQuery.apply(tx, args);
        };
        return callback(tx);
      });
    };
  }
  return counter;
}

/**
 * Garbage-collection pauses of this process: every request in flight waits out each one, so they show
 * up directly in p99. `gc_max_ms` is the longest pause since the previous read.
 */
function watchGc() {
  let ms = 0;
  let maxMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      ms += entry.duration;
      maxMs = Math.max(maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    read() {
      const counters = { gc_ms: ms, gc_max_ms: maxMs };
      maxMs = 0;
      return counters;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The database floor: hand-written SQL, hand-written serialisation

const SUGGESTION_COLUMNS = `s.id, s.title, s.body, s.body_mime_type, s.state, s.channel, s.approved_at, s.closed_at, s.first_support_at,
  s.comments_count, s.notes_count, s.requests_count, s.votes_count, s.supporters_count,
  s.inappropriate_flags_count, s.recent_engagement, s.creator_user_agent, s.creator_referrer, s.creator_browser,
  s.creator_browser_version, s.creator_os, s.creator_mobile, s.unmergeable, s.created_at, s.updated_at, s.forum_id,
  s.category_id, s.created_by_id, s.status_id, s.last_status_update_id, s.parent_suggestion_id,
  s.internal_flags_count, s.all_internal_flags_count, s.last_internal_flag_at, s.importance_low_count, s.importance_medium_count,
  s.importance_high_count, s.last_internal_status_update_id`;
const LABEL_IDS = `(select coalesce(array_agg(sl.label_id order by sl.label_id), '{}') from suggestion_labels sl where sl.suggestion_id = s.id) as label_ids,
  (select coalesce(array_agg(fs.feature_id order by fs.feature_id), '{}') from feature_suggestions fs where fs.suggestion_id = s.id) as feature_ids`;
/** [accounts, MRR cents, LTV cents] of the suggestion's supporters' accounts, as resources/suggestions.ts computes them. */
const supporterAccounts = (s: string) => `(select array[count(*), coalesce(sum(a.mrr_cents), 0), coalesce(sum(a.ltv_cents), 0)] from external_accounts a
  where a.id in (select eu.external_account_id from supporters sp join external_users eu on eu.user_id = sp.user_id where sp.suggestion_id = ${s}.id)) as supporter_accounts`;
const SUPPORTER_ACCOUNTS = supporterAccounts('s');

const SQL = {
  client: `select id, secret_hash, generation, revoked_at from api_clients where key = $1`,
  page: `select ${SUGGESTION_COLUMNS}, ${LABEL_IDS}, ${SUPPORTER_ACCOUNTS} from suggestions s order by s.id desc limit $1`,
  count: `select count(*) as n from suggestions`,
  one: `select ${SUGGESTION_COLUMNS}, ${LABEL_IDS}, ${SUPPORTER_ACCOUNTS} from suggestions s where s.id = $1`,
  forums: `select id, name, welcome_message, welcome_message_mime_type, prompt, example, open_suggestions_count, suggestions_count,
    is_public, is_private, classic_voting, category_required, is_open, importance_enabled, moderation_enabled, created_at, updated_at,
    updated_by_id from forums where id = any($1)`,
  users: `select u.id, u.name, u.email_address, u.guid, u.job_title, u.avatar_url, u.last_ip, u.country, u.region, u.city, u.allowed_state,
    u.state, u.satisfaction_score, u.supported_suggestions_count, u.suggestion_votes, u.is_admin, u.is_owner, u.is_subscribed,
    u.email_confirmed, u.status_notifications, u.comment_notifications, u.last_login, u.support_created_at, u.created_at, u.updated_at,
    p.id as permission_id, p.state as permission_state, p.license_type, p.feedback, p.features, p.knowledgebase, p.settings, p.tickets,
    (select coalesce(array_agg(tm.team_id order by tm.team_id), '{}') from team_members tm where tm.user_id = u.id) as team_ids,
    (select coalesce(array_agg(eu.id order by eu.id), '{}') from external_users eu where eu.user_id = u.id) as external_user_ids,
    (select eu.external_account_id from external_users eu where eu.user_id = u.id and eu.external_account_id is not null order by eu.id limit 1) as crm_account_id
    from users u left join permissions p on p.user_id = u.id where u.id = any($1)`,
  categories: `select id, name, suggestions_count, open_suggestions_count, created_at, updated_at, forum_id from categories where id = any($1)`,
  statuses: `select id, name, hex_color, position, is_open, allow_comments, created_at, updated_at from statuses where id = any($1)`,
  labels: `select id, name, full_name, level, open_suggestions_count, created_at, updated_at, parent_id from labels where id = any($1)`,
  insert: `insert into suggestions (created_at, updated_at, title, body, state, approved_at, forum_id, category_id, created_by_id)
    values (now(), now(), $1, $2, 'approved', now(), $3, $4, $5) returning ${SUGGESTION_COLUMNS.replaceAll('s.', '')}, '{}'::int[] as label_ids, '{}'::int[] as feature_ids, ${supporterAccounts('suggestions')}`,
  /** The forum exists and the category (if any) belongs to it. */
  check: `select f.category_required, c.forum_id as category_forum_id from forums f left join categories c on c.id = $2 where f.id = $1`,
  countForum: `update forums set suggestions_count = suggestions_count + 1, open_suggestions_count = open_suggestions_count + 1, updated_at = now() where id = $1`,
  countCategory: `update categories set suggestions_count = suggestions_count + 1, open_suggestions_count = open_suggestions_count + 1, updated_at = now() where id = $1`,
  /** The create's activity entry (services/activity.ts). */
  activity: `insert into suggestion_activity_entries (kind, suggestion_id, created_by_id, new_title, new_body, new_state, new_forum_id, new_category_id, created_at, updated_at)
    values ('suggestion_created', $1, $2, $3, $4, 'approved', $5, $6, now(), now())`,
} as const;

/** `2025-03-15 11:54:05.678+00` (the driver hands timestamps over as text) → `2025-03-15T11:54:05Z`. */
function ts(value: unknown): string | null {
  if (value == null) return null;
  const text = String(value);
  if (text[10] === ' ' && text.endsWith('+00')) return `${text.slice(0, 10)}T${text.slice(11, 19)}Z`;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : `${date.toISOString().slice(0, 19)}Z`;
}

const num = (value: unknown) => (value == null ? null : Number(value));

/** resources/suggestions.ts importance(), written out. */
function importanceFigures(r: Row): Row {
  const [low, medium, high] = [Number(r.importance_low_count), Number(r.importance_medium_count), Number(r.importance_high_count)];
  const total = low + medium + high;
  const percent = (n: number) => (total === 0 ? 0 : Math.round((n * 10_000) / total) / 100);
  return {
    importance_total_count: total,
    importance_low_percent: percent(low),
    importance_medium_percent: percent(medium),
    importance_high_percent: percent(high),
    importance_score_average: total === 0 ? null : ((low + 2 * medium + 3 * high) / total).toFixed(2),
  };
}

function suggestionRecord(r: Row, base: string): Row {
  return {
    id: r.id,
    title: r.title,
    body: r.body,
    body_mime_type: r.body ? r.body_mime_type : '',
    state: r.state,
    channel: r.channel,
    portal_url: `${base}/forums/${r.forum_id}/suggestions/${r.id}`,
    admin_url: `${base}/admin/v3/suggestions/${r.id}`,
    redirect_url: null,
    approved_at: ts(r.approved_at),
    closed_at: ts(r.closed_at),
    first_support_at: ts(r.first_support_at),
    comments_count: r.comments_count,
    notes_count: r.notes_count,
    requests_count: r.requests_count,
    votes_count: r.votes_count,
    supporters_count: r.supporters_count,
    supporting_accounts_count: Number((r.supporter_accounts as unknown[])[0]),
    account_supporters_count: 0,
    inappropriate_flags_count: r.inappropriate_flags_count,
    recent_engagement: r.recent_engagement,
    satisfaction_detractor_count: 0,
    satisfaction_neutral_count: 0,
    satisfaction_promoter_count: 0,
    merge_candidates_count: 0,
    internal_flags_count: r.internal_flags_count,
    all_internal_flags_count: r.all_internal_flags_count,
    last_internal_flag_at: ts(r.last_internal_flag_at),
    jira_link_count: 0,
    vsts_link_count: 0,
    average_engagement: 0,
    engagement_trend: 0,
    supporter_mrr: Number((r.supporter_accounts as unknown[])[1]) / 100,
    supporter_revenue: Number((r.supporter_accounts as unknown[])[2]) / 100,
    supporter_satisfaction_score: 0,
    sentiment_score: null,
    total_sentiment_score: null,
    importance_low_count: r.importance_low_count,
    importance_medium_count: r.importance_medium_count,
    importance_high_count: r.importance_high_count,
    ...importanceFigures(r),
    is_blocker: null,
    creator_user_agent: r.creator_user_agent,
    creator_referrer: r.creator_referrer,
    creator_browser: r.creator_browser,
    creator_browser_version: r.creator_browser_version,
    creator_os: r.creator_os,
    creator_mobile: r.creator_mobile,
    unmergeable: r.unmergeable,
    created_at: ts(r.created_at),
    updated_at: ts(r.updated_at),
    links: {
      forum: r.forum_id,
      category: r.category_id,
      created_by: r.created_by_id,
      labels: r.label_ids,
      status: r.status_id,
      last_status_update: r.last_status_update_id,
      parent_suggestion: r.parent_suggestion_id,
      parent_suggestions: r.parent_suggestion_id == null ? [] : [r.parent_suggestion_id],
      ticket: null,
      captured_by: null,
      features: r.feature_ids,
      custom_fields: [],
      last_internal_status_update: r.last_internal_status_update_id,
    },
  };
}

function forumRecord(r: Row, base: string): Row {
  return {
    id: r.id,
    name: r.name,
    welcome_message: r.welcome_message,
    welcome_message_mime_type: r.welcome_message_mime_type,
    prompt: r.prompt,
    example: r.example,
    portal_url: `${base}/forums/${r.id}`,
    open_suggestions_count: r.open_suggestions_count,
    suggestions_count: r.suggestions_count,
    is_public: r.is_public,
    is_private: r.is_private,
    classic_voting: r.classic_voting,
    category_required: r.category_required,
    is_open: r.is_open,
    importance_enabled: r.importance_enabled,
    moderation_enabled: r.moderation_enabled,
    created_at: ts(r.created_at),
    updated_at: ts(r.updated_at),
    links: { updated_by: r.updated_by_id },
  };
}

function userRecord(r: Row): Row {
  const created = ts(r.created_at);
  return {
    id: r.id,
    name: r.name,
    email_address: r.email_address,
    guid: r.guid,
    job_title: r.job_title,
    avatar_url: r.avatar_url,
    last_ip: r.last_ip,
    country: r.country,
    region: r.region,
    city: r.city,
    allowed_state: r.allowed_state,
    state: r.state,
    satisfaction_score: r.satisfaction_score,
    supported_suggestions_count: r.supported_suggestions_count,
    suggestion_votes: r.suggestion_votes,
    is_admin: r.is_admin,
    is_owner: r.is_owner,
    is_validation_admin: false,
    is_subscribed: r.is_subscribed,
    email_confirmed: r.email_confirmed,
    status_notifications: r.status_notifications,
    comment_notifications: r.comment_notifications,
    last_login: ts(r.last_login),
    support_created_at: ts(r.support_created_at),
    permissions:
      r.permission_id === null
        ? null
        : {
            id: r.permission_id,
            state: r.permission_state,
            billing: r.is_owner ? 'manage' : 'none',
            features: r.features,
            knowledgebase: r.knowledgebase,
            license_type: r.license_type,
            settings: r.settings,
            suggestions: r.feedback,
            tickets: r.tickets,
          },
    traits: {
      id: String(r.id),
      email: r.email_address,
      name: r.name,
      type: r.is_admin ? 'admin' : 'user',
      ip: r.last_ip,
      created_at: created ? Date.parse(created) / 1000 : null,
      browser_name: null,
      os_name: null,
      location_city: r.city,
      location_region: r.region,
      location_country: r.country,
      account_id: null,
      account_internal_id: null,
      account_name: null,
      account_plan: null,
      account_created_at: null,
      account_ltv: null,
      account_monthly_rate: null,
    },
    created_at: created,
    updated_at: ts(r.updated_at),
    links: {
      current_nps_rating: null,
      previous_nps_rating: null,
      external_users: (r.external_user_ids as unknown[]).map(Number),
      teams: r.team_ids,
      supporter: null,
      crm_account: num(r.crm_account_id),
    },
  };
}

const categoryRecord = (r: Row): Row => ({
  id: r.id,
  name: r.name,
  suggestions_count: r.suggestions_count,
  open_suggestions_count: r.open_suggestions_count,
  created_at: ts(r.created_at),
  updated_at: ts(r.updated_at),
  links: { forum: r.forum_id },
});

const statusRecord = (r: Row): Row => ({
  id: r.id,
  name: r.name,
  hex_color: r.hex_color,
  position: r.position,
  is_open: r.is_open,
  allow_comments: r.allow_comments,
  created_at: ts(r.created_at),
  updated_at: ts(r.updated_at),
  links: {},
});

const labelRecord = (r: Row): Row => ({
  id: r.id,
  name: r.name,
  full_name: r.full_name,
  level: r.level,
  open_suggestions_count: r.open_suggestions_count,
  created_at: ts(r.created_at),
  updated_at: ts(r.updated_at),
  links: { parent: r.parent_id },
});

const t = (type: string) => ({ type });
/** The top-level `links` entries each collection contributes. */
const LINKS: Record<string, Row> = {
  suggestions: {
    'suggestions.forum': t('forums'),
    'suggestions.category': t('categories'),
    'suggestions.created_by': t('users'),
    'suggestions.labels': t('labels'),
    'suggestions.status': t('statuses'),
    'suggestions.last_status_update': t('status_updates'),
    'suggestions.parent_suggestion': t('suggestions'),
    'suggestions.parent_suggestions': t('suggestions'),
    'suggestions.ticket': t('tickets'),
    'suggestions.captured_by': t('users'),
    'suggestions.features': t('features'),
    'suggestions.custom_fields': t('custom_fields'),
    'suggestions.last_internal_status_update': t('internal_status_updates'),
  },
  forums: { 'forums.updated_by': t('users') },
  users: {
    'users.current_nps_rating': t('nps_ratings'),
    'users.previous_nps_rating': t('nps_ratings'),
    'users.external_users': t('external_users'),
    'users.teams': t('teams'),
    'users.supporter': t('supporters'),
    'users.crm_account': t('crm_accounts'),
  },
  categories: { 'categories.forum': t('forums') },
  statuses: {},
  labels: { 'labels.parent': t('labels') },
};

/** The side-loaded types, in the order the real route is asked for them. */
const INCLUDED = ['forums', 'users', 'categories', 'statuses', 'labels'] as const;
type Included = (typeof INCLUDED)[number];

/** Which included types a row of each type points at (column → type). */
const REFS: Record<string, Array<[string, Included]>> = {
  suggestions: [['forum_id', 'forums'], ['category_id', 'categories'], ['created_by_id', 'users'], ['label_ids', 'labels'], ['status_id', 'statuses']],
  forums: [['updated_by_id', 'users']],
  users: [],
  categories: [['forum_id', 'forums']],
  statuses: [],
  labels: [['parent_id', 'labels']],
};

type Query = (text: string, params: unknown[]) => Promise<Row[]>;

/**
 * `{suggestions, <included>…, links[, list_meta, pagination]}` for these suggestion rows with
 * includes=forums,users,categories,statuses,labels: rounds of one `= any($1)` query per type (run
 * together) until nothing new is referenced, then hand-built records.
 */
async function document(query: Query, rows: Row[], base: string): Promise<Row> {
  const loaded = new Map<Included, Map<number, Row>>();
  let frontier: Array<[string, Row[]]> = [['suggestions', rows]];
  while (frontier.length > 0) {
    const wanted = new Map<Included, Set<number>>();
    for (const [type, list] of frontier) {
      for (const [column, target] of REFS[type]!) {
        for (const row of list) {
          const value = row[column];
          if (value == null || (Array.isArray(value) && value.length === 0)) continue;
          let ids = wanted.get(target);
          if (!ids) wanted.set(target, (ids = new Set()));
          if (Array.isArray(value)) for (const id of value) ids.add(id as number);
          else ids.add(value as number);
        }
      }
    }
    const fetches: Array<Promise<[Included, Row[]]>> = [];
    for (const type of INCLUDED) {
      const ids = wanted.get(type);
      if (!ids) continue;
      let have = loaded.get(type);
      if (!have) loaded.set(type, (have = new Map()));
      const missing = [...ids].filter((id) => !have.has(id));
      if (missing.length > 0) fetches.push(query(SQL[type], [missing]).then((found) => [type, found]));
    }
    frontier = await Promise.all(fetches);
    for (const [type, found] of frontier) for (const row of found) loaded.get(type as Included)!.set(row.id as number, row);
  }
  const doc: Row = { suggestions: rows.map((r) => suggestionRecord(r, base)) };
  const links: Row = { ...LINKS.suggestions };
  const byId = (a: Row, b: Row) => (a.id as number) - (b.id as number);
  for (const [type, have] of loaded) {
    const list = [...have.values()].sort(byId);
    doc[type] =
      type === 'forums' ? list.map((r) => forumRecord(r, base))
      : type === 'users' ? list.map(userRecord)
      : type === 'categories' ? list.map(categoryRecord)
      : type === 'statuses' ? list.map(statusRecord)
      : list.map(labelRecord);
    Object.assign(links, LINKS[type]);
  }
  // Requested types nothing referenced: an empty array (every one of them is linked from suggestions).
  for (const type of INCLUDED) {
    if (doc[type] === undefined) {
      doc[type] = [];
      Object.assign(links, LINKS[type]);
    }
  }
  doc.links = links;
  return doc;
}

// ---------------------------------------------------------------------------------------------------
// Router

export function benchRoutes(deps: AppDeps, unlimitedAdmin: Router<AppState>, uncachedAdmin: Router<AppState>, legacyAdmin: Router<AppState>): Koa.Middleware<AppState> {
  const router = new Router<AppState>({ prefix: '/_bench' });
  const counting = installCounter(deps.orm);
  const gc = watchGc();
  const captured = new Map<string, { body: Buffer; etag: string }>();
  const db = () => deps.orm.em.getKysely() as AnyDb;

  router.get('/hello', (ctx) => {
    ctx.body = { hello: 'world' };
  });

  // A full collection, so that a run starts without garbage another variant left in the old generation
  // (the bench calls it before every run; bench/scenarios/api.ts). V8 gives `gc` to code made after
  // --expose-gc is set, so the server needs no flag of its own.
  let collect: (() => void) | undefined;
  router.post('/gc', (ctx) => {
    if (!collect) {
      v8.setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
    const started = performance.now();
    collect();
    ctx.body = { ms: performance.now() - started };
  });

  router.get('/counters', async (ctx) => {
    const { statements, apiClients } = await counting;
    ctx.body = { statements, api_clients_statements: apiClients, ...gc.read() };
  });

  // Where the server's memory is (issue 15 point 6): V8's heap by space, memory outside it, the
  // response cache's bytes and the pg pool's sessions. With `?gc=1`, after a full collection (the
  // server runs with --expose-gc only when the bench asks for it; otherwise no collection is forced).
  router.get('/memory', async (ctx) => {
    const collect = (globalThis as { gc?: () => void }).gc;
    const collected = ctx.query.gc === '1' && typeof collect === 'function';
    if (collected) collect();
    const native = (await deps.orm.em.getConnection().getNativeClient()) as { totalCount?: number; idleCount?: number };
    ctx.body = {
      collected,
      ...process.memoryUsage(),
      spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }])),
      heap_limit: v8.getHeapStatistics().heap_size_limit,
      response_cache: deps.cache?.responses ? { bytes: deps.cache.responses.bytes, entries: deps.cache.responses.size, max: deps.cache.responses.maxBytes } : null,
      pg_pool: typeof native.totalCount === 'number' ? { sessions: native.totalCount, idle: native.idleCount } : null,
    };
  });

  // The ETag is computed once, at capture, like the response cache's: otherwise the app's etag
  // middleware would hash the constant bytes on every request, and the ceiling would do more work than
  // a cache hit.
  router.put('/static/:name', async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    captured.set(ctx.params.name!, { body, etag: etagOf(body) });
    ctx.status = 204;
  });
  router.get('/static/:name', (ctx) => {
    const entry = captured.get(ctx.params.name!);
    if (!entry) throw new RecordNotFoundError();
    ctx.type = 'application/json; charset=utf-8';
    ctx.set('ETag', entry.etag);
    ctx.body = entry.body;
  });

  const query: Query = async (text, params) => (await db().executeQuery(CompiledQuery.raw(text, params))).rows as Row[];
  const base = deps.env.publicUrl;

  /** The health floor: one `select 1` through the same pool, and the same body. */
  router.get('/raw/health', async (ctx) => {
    await query('select 1', []);
    ctx.body = { status: 'ok' };
  });

  router.get('/raw/suggestions', async (ctx) => {
    const perPage = Math.min(100, Math.max(1, Number(ctx.query.per_page) || 20));
    const [rows, counted] = await Promise.all([query(SQL.page, [perPage]), query(SQL.count, [])]);
    const doc = await document(query, rows, base);
    const total = Number(counted[0]!.n);
    const totalPages = Math.ceil(total / perPage);
    const pagination: Row = { page: 1, per_page: perPage, total_pages: totalPages, total_records: total };
    if (rows.length > 0 && totalPages > 1) {
      pagination.cursor = Buffer.from(JSON.stringify(['-id', null, rows.at(-1)!.id, 2])).toString('base64url');
      pagination.page_token = pagination.cursor;
    }
    doc.list_meta = null;
    doc.pagination = pagination;
    ctx.body = doc;
  });

  router.get('/raw/suggestions/:id', async (ctx) => {
    const rows = await query(SQL.one, [Number(ctx.params.id)]);
    if (rows.length === 0) throw new RecordNotFoundError();
    ctx.body = await document(query, rows, base);
  });

  /**
   * The token floor: what POST /oauth/token does for a client_credentials grant, by hand — read the form
   * body, fetch the client by key, compare the secret's SHA-256 in constant time, sign the same claims with
   * the same key — without the brute-force guard, the body parser, the client store or the audit log.
   */
  const signingKey = createSecretKey(Buffer.from(deps.signingKey, 'utf8'));
  router.post('/raw/token', async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const [client] = await query(SQL.client, [form.get('client_id') ?? '']);
    const secret = form.get('client_secret') ?? '';
    const presented = createHash('sha256').update(secret, 'utf8').digest();
    const stored = client ? Buffer.from(client.secret_hash as string, 'hex') : Buffer.alloc(0);
    if (form.get('grant_type') !== 'client_credentials' || !client || client.revoked_at !== null || stored.length !== presented.length || !timingSafeEqual(stored, presented)) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_client' };
      return;
    }
    const ttl = deps.config.tokenTtl;
    const token = jwt.sign({ iat: Math.floor(deps.clock() / 1000), gen: client.generation }, signingKey, {
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: 'at+jwt' },
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      subject: `client:${client.id}`,
      expiresIn: ttl,
      jwtid: randomUUID(),
    });
    ctx.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    ctx.body = { access_token: token, token_type: 'bearer', expires_in: ttl };
  });

  /** `{"title", "body", "links": {"forum", "category"}}` from a JSON body, checked by hand. */
  const createInput = async (ctx: AppContext) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    let body: { title?: unknown; body?: unknown; links?: { forum?: unknown; category?: unknown } };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new BadRequestError('The request body is not JSON');
    }
    const { title, links } = body;
    if (typeof title !== 'string' || !title.trim() || title.length > 255 || typeof links?.forum !== 'number') {
      throw new BadRequestError('title and links.forum are required');
    }
    const category = typeof links.category === 'number' ? links.category : null;
    return { title, body: typeof body.body === 'string' ? body.body : null, forum: links.forum, category, createdBy: num(ctx.query.created_by) };
  };
  const created = (row: Row): Row => ({ suggestions: [suggestionRecord(row, base)], links: { ...LINKS.suggestions } });

  /**
   * The create floor: the writes POST /admin/suggestions makes, by hand, in one transaction — check the
   * forum and category, INSERT … RETURNING, move the forum's and category's counters — and the record
   * from the RETURNING row. `created_by` comes from the query string (no token here).
   */
  router.post('/raw/suggestions', async (ctx) => {
    const input = await createInput(ctx);
    ctx.body = await db()
      .transaction()
      .execute(async (tx) => {
        const run = async (text: string, params: unknown[]) => (await tx.executeQuery(CompiledQuery.raw(text, params))).rows as Row[];
        const [check] = await run(SQL.check, [input.forum, input.category]);
        if (!check || (input.category !== null && check.category_forum_id !== input.forum) || (check.category_required && input.category === null)) {
          throw new BadRequestError('links.forum or links.category is not valid');
        }
        const [row] = await run(SQL.insert, [input.title, input.body, input.forum, input.category, input.createdBy]);
        await run(SQL.countForum, [input.forum]);
        if (input.category !== null) await run(SQL.countCategory, [input.category]);
        await run(SQL.activity, [row!.id, input.createdBy, input.title, input.body, input.forum, input.category]);
        return created(row!);
      });
  });

  /** The bare INSERT alone (no checks, no counters, no transaction): what one write costs at least. */
  router.post('/raw/insert', async (ctx) => {
    const input = await createInput(ctx);
    const [row] = await query(SQL.insert, [input.title, input.body, input.forum, input.category, input.createdBy]);
    ctx.body = created(row!);
  });

  // `/_bench/unlimited/api/v2/admin/…`: app.ts's adminRouter — same chain, same routes — built
  // without the per-client rate limiter, so the bench measures the limiter's cost in one process.
  const unlimited = new Router<AppState>({ prefix: '/_bench/unlimited/api/v2' });
  unlimited.use(unlimitedAdmin.routes());
  const uncached = new Router<AppState>({ prefix: '/_bench/uncached/api/v2' });
  uncached.use(uncachedAdmin.routes());

  // `/_bench/legacy/api/v2/admin/…`: the uncached admin API (limiter on), with read routes building
  // records as JS objects — the path before PostgreSQL rendered them (issue 15's "today").
  const legacy = new Router<AppState>({ prefix: '/_bench/legacy/api/v2' });
  legacy.use((ctx, next) => {
    ctx.state.render = 'js';
    return next();
  });
  legacy.use(legacyAdmin.routes());

  // Chosen by prefix, each admin API on its own: koa-router copies a nested router's routes into its
  // parent, so one router holding the three would make every request here try the routes of all three,
  // where the API's own requests try one set (the limiter's `off` answered ~30% slower than `on` so).
  const own = router.routes() as unknown as Koa.Middleware<AppState>;
  const byPrefix = [unlimited, uncached, legacy].map((r) => [`${r.opts.prefix}/`, r.routes() as unknown as Koa.Middleware<AppState>] as const);
  return (ctx, next) => {
    for (const [prefix, routes] of byPrefix) if (ctx.path.startsWith(prefix)) return routes(ctx, next);
    return own(ctx, next);
  };
}

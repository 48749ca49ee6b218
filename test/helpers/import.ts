/**
 * Helpers for the `cli import uservoice` tests (test/import/): the "live UserVoice" (our own server on the
 * enlarged demo data), a proxy in front of it that the test controls (faults, delays, rewritten bodies),
 * the importer run as a child process, and whole-record snapshots of both instances through the API.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { createClient } from '../../src/auth/clients.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { registry } from '../../src/resources/registry.ts';
import type { AnyDb } from '../../src/resources/rows.ts';
import { seedDemo } from '../../src/seed.ts';
import { startServer } from '../../src/server.ts';
import { localStore } from '../../src/storage/local.ts';
import { NOT_WALKED, STEP_NAMES } from '../../src/import/plan.ts';
import { startTestApp, TEST_TOKEN_SECRET, type TestApp } from './app.ts';
import { request } from './http.ts';
import { enlargeDemo, type LargeAccountCounts } from './large-account.ts';
import { runCli, type ChildDatabase, type CliResult } from './process.ts';

export interface SourceAccount {
  app: TestApp;
  token: string;
  /** Credentials the importer uses. */
  creds: { client_id: string; client_secret: string };
  counts: LargeAccountCounts;
}

/** The source: a server of ours on the demo data enlarged to a few thousand records. */
export async function startSourceAccount(scale = 1): Promise<SourceAccount> {
  const app = await startTestApp();
  const em = app.server.db.orm.em.fork();
  const store = localStore(app.config.uploadsDir);
  await seedDemo(em, store);
  const counts = await enlargeDemo(em.getKysely(), store, { scale });
  return { app, token: await app.token(), creds: await app.createClient('importer'), counts };
}

/** What the proxy does with one request: pass it on, answer it itself, or drop the connection. */
export type ProxyVerdict = 'pass' | 'drop' | { status: number; headers?: Record<string, string>; body?: string };

export interface ProxyControl {
  url: string;
  /** Every request seen, in order (method and path with query), faults included. */
  log: string[];
  /** Decides each request's fate; `n` counts every request the proxy has seen (1-based). */
  decide: (n: number, path: string) => ProxyVerdict;
  /** Rewrites a passed JSON list answer (e.g. to make one record invalid). */
  rewrite?: (path: string, body: Record<string, unknown>) => void;
  /** Headers to set on a passed answer (e.g. an exhausted X-Rate-Limit-Remaining). */
  headers?: (n: number, path: string) => Record<string, string> | undefined;
  /** Delays every passed request this long (so a kill lands mid-run). */
  delayMs: number;
  close(): Promise<void>;
}

/** A proxy in front of `upstream` that the test controls. */
export async function startProxy(upstream: string): Promise<ProxyControl> {
  const control: ProxyControl = { url: '', log: [], decide: () => 'pass', delayMs: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    control.log.push(`${req.method} ${path}`);
    const n = control.log.length;
    const verdict = control.decide(n, path);
    if (verdict === 'drop') {
      req.socket.destroy();
      return;
    }
    if (verdict !== 'pass') {
      res.writeHead(verdict.status, { 'Content-Type': 'application/json', ...verdict.headers }).end(verdict.body ?? '{"errors":{"error":"injected"}}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (control.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, control.delayMs));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      try {
        const answer = await fetch(`${upstream}${path}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        let body = Buffer.from(await answer.arrayBuffer());
        if (control.rewrite && answer.status === 200 && path.startsWith('/api/v2/admin/')) {
          const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
          control.rewrite(path, json);
          body = Buffer.from(JSON.stringify(json));
        }
        const out: Record<string, string> = {};
        answer.headers.forEach((v, k) => {
          if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
        });
        res.writeHead(answer.status, { ...out, ...control.headers?.(n, path) }).end(body);
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  control.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  control.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return control;
}

export interface ImportSummary {
  complete: boolean;
  dryRun: boolean;
  resources: {
    resource: string;
    fetched: number;
    created: number;
    updated: number;
    unchanged: number;
    skippedCount: number;
    skipped: { id: unknown; reason: string }[];
    missingCount: number;
    missing: number[];
  }[];
  unresolved: unknown[];
  nextSince: string | null;
  requests: number;
  retries: number;
}

/** The command line; `--name=value`, as a secret may begin with `-` (a separate argument would read as an option). */
export const importArgs = (url: string, creds: SourceAccount['creds'], ...extra: string[]) => [
  'import', 'uservoice', '--url', url,
  `--client-id=${creds.client_id}`, `--client-secret=${creds.client_secret}`, '--json', ...extra,
];

/** Runs the importer into `target` (a child process, as a person would run it). */
export function runImport(target: ChildDatabase, url: string, creds: SourceAccount['creds'], extra: string[] = [], timeoutMs = 150_000): Promise<CliResult> {
  return runCli(importArgs(url, creds, ...extra), { ...target.env, LOG_LEVEL: 'warn' }, timeoutMs);
}

export const summaryOf = (result: CliResult): ImportSummary => {
  try {
    return JSON.parse(result.stdout) as ImportSummary;
  } catch {
    throw new Error(`no JSON summary (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
};

/** Per resource: [fetched, created, updated, skipped], for compact whole-table assertions. */
export const tallies = (s: ImportSummary) => Object.fromEntries(s.resources.map((r) => [r.resource, [r.fetched, r.created, r.updated, r.skippedCount]]));

/** Every collection the server serves (the importer's plan plus the aliases of the same rows). */
export const SERVED = [...registry.keys()].sort();

/** Lists each server keeps about itself (the audit log of its own API keys): never equal between two servers, so not compared. */
const OWN_LOGS = new Set(['audit_events']);
/** What snapshot() compares by default: every served list but the servers' own logs. */
export const COMPARED = SERVED.filter((type) => !OWN_LOGS.has(type));

export type Snapshot = Record<string, Record<string, unknown>[]>;

/**
 * Every list of a server, whole records in id order. Two things legitimately differ between two servers
 * and are normalised: the server's own address inside URLs (portal_url, admin_url: each instance builds
 * them from its PUBLIC_URL; replaced by HOST) and an attachment's `url`/`thumb_url` (signed with each
 * server's own key and expiry time: removed here; the bytes behind them are compared separately).
 */
export async function snapshot(url: string, token: string, types: readonly string[] = COMPARED): Promise<Snapshot> {
  const lists: Snapshot = {};
  for (const type of types) {
    const records: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    do {
      const reply = await request(url, 'GET', `/api/v2/admin/${type}?per_page=100&sort=id${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
      if (reply.status !== 200) throw new Error(`GET ${type}: ${reply.status} ${reply.text.slice(0, 300)}`);
      records.push(...(reply.body[type] as Record<string, unknown>[]));
      cursor = reply.body.pagination.cursor;
    } while (cursor);
    lists[type] = JSON.parse(JSON.stringify(records).replaceAll(url, 'HOST'), function (this: Record<string, unknown>, key, value) {
      return type === 'attachments' && (key === 'url' || key === 'thumb_url') && 'file_name' in this ? undefined : value;
    }) as Record<string, unknown>[];
  }
  return lists;
}

/** sha256 of every attachment's bytes, by id, downloaded through its signed `url`. */
export async function attachmentDigests(url: string, token: string): Promise<Record<number, string>> {
  const out: Record<number, string> = {};
  let cursor: string | undefined;
  do {
    const reply = await request(url, 'GET', `/api/v2/admin/attachments?per_page=100&sort=id${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    for (const a of reply.body.attachments as { id: number; url: string }[]) {
      const file = await fetch(a.url);
      if (file.status !== 200) throw new Error(`attachment ${a.id}: HTTP ${file.status}`);
      out[a.id] = createHash('sha256').update(Buffer.from(await file.arrayBuffer())).digest('hex');
    }
    cursor = reply.body.pagination.cursor;
  } while (cursor);
  return out;
}

/** The tables the importer writes (its plan's tables and pivots). */
export const IMPORTED_TABLES = [
  'users', 'forums', 'categories', 'statuses', 'labels', 'external_accounts', 'external_users', 'teams', 'team_members', 'permissions', 'custom_fields',
  'segments', 'segmented_values', 'product_areas', 'feature_statuses', 'internal_statuses', 'importance_responses', 'suggestions', 'suggestion_labels',
  'features', 'feature_suggestions', 'internal_status_updates', 'internal_flags', 'importance_scores', 'status_updates', 'comments', 'notes', 'supporters', 'feedback',
  'supporter_messages', 'forum_invitations', 'suggested_merges', 'suggestion_activity_entries', 'nps_ratings', 'attachments',
];

/**
 * Per table: its row count and a digest of every row *version* (the row's text and its xmin, the
 * transaction that last wrote it). Equal digests mean no row was inserted, deleted or rewritten, not even
 * with the same values.
 */
export async function rowVersions(db: AnyDb): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of IMPORTED_TABLES) {
    const r = await sql<{ n: string; digest: string | null }>`select count(*) as n, md5(string_agg(t::text || '@' || t.xmin::text, '|' order by t::text)) as digest
      from ${sql.table(table)} t`.execute(db);
    out[table] = `${r.rows[0]!.n} ${r.rows[0]!.digest}`;
  }
  return out;
}

export interface TargetView {
  url: string;
  token: string;
  db: AnyDb;
}

/**
 * Opens the target database in this process as a server for the duration of `fn` (PGlite admits one
 * process per directory, so the importer must not be running), with a client of its own.
 */
export async function withTarget<T>(target: ChildDatabase, fn: (view: TargetView) => Promise<T>): Promise<T> {
  const config = loadConfig({ ...target.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TOKEN_SECRET: TEST_TOKEN_SECRET, RATE_LIMIT_PER_MINUTE: '1000000' });
  const server = await startServer(config, { log: createLogger('silent') });
  try {
    const c = await createClient(server.db.orm.em.fork(), 'compare', config.ownerEmail);
    const token = await request(server.url, 'POST', '/api/v2/oauth/token', { form: `grant_type=client_credentials&client_id=${c.client_id}&client_secret=${c.client_secret}` });
    return await fn({ url: server.url, token: token.body.access_token as string, db: server.db.orm.em.fork().getKysely() });
  } finally {
    await server.shutdown();
  }
}

/** Asserts-friendly differences of two snapshots: per type, ids only on one side and the first differing records. */
export function differences(expected: Snapshot, actual: Snapshot, limit = 3): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const type of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const a = new Map((expected[type] ?? []).map((r) => [r.id as number, r]));
    const b = new Map((actual[type] ?? []).map((r) => [r.id as number, r]));
    const onlySource = [...a.keys()].filter((id) => !b.has(id));
    const onlyTarget = [...b.keys()].filter((id) => !a.has(id));
    const changed = [...a.keys()].filter((id) => b.has(id) && JSON.stringify(a.get(id)) !== JSON.stringify(b.get(id)));
    if (onlySource.length || onlyTarget.length || changed.length) {
      out[type] = {
        onlySource: onlySource.slice(0, 10),
        onlyTarget: onlyTarget.slice(0, 10),
        changed: changed.length,
        first: changed.slice(0, limit).map((id) => ({ source: a.get(id), target: b.get(id) })),
      };
    }
  }
  return out;
}

export { NOT_WALKED, STEP_NAMES };

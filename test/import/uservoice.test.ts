/**
 * `cli import uservoice` against our own server as the source (same wire format), seeded with the demo
 * data plus enough suggestions for several pages, behind a fault-injecting proxy (429 + Retry-After, a 500,
 * a dropped connection, a 401 that forces a token refresh, one invalid record). The target is an empty
 * database of a CLI child process; it is then served by a second server and compared list by list.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startServer } from '../../src/server.ts';
import { createClient } from '../../src/auth/clients.ts';
import { seedDemo } from '../../src/seed.ts';
import { localStore } from '../../src/storage/local.ts';
import { STEP_NAMES } from '../../src/import/plan.ts';
import { startTestApp, TEST_TOKEN_SECRET, type TestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';
import { spawn } from 'node:child_process';
import { childDatabase, childEnv, killAllChildren, REPO_ROOT, runCli, withTimeout, type ChildDatabase } from '../helpers/process.ts';

const TIMEOUT = 240_000;

let source: TestApp;
let sourceToken: string;
let target: ChildDatabase;
let proxy: http.Server;
let proxyUrl: string;
let creds: { client_id: string; client_secret: string };

/** Faults the proxy injects, each once, by request number (counted over every request it forwards). */
const faults = { rateLimitAt: 2, serverErrorAt: 4, dropAt: 6, unauthorizedAt: 8 };
const seen = { requests: 0, tokens: 0, rateLimited: 0, errors: 0, dropped: 0, unauthorized: 0 };
/** While set, this nps rating's `rating` is sent as text: a record that fails validation. */
let invalidRatingId: number | undefined;
/** While set, list answers are delayed this long (so a kill lands mid-run). */
let delayMs = 0;

function startProxy(upstream: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    seen.requests += 1;
    const n = seen.requests;
    if (req.url?.startsWith('/api/v2/oauth/token')) seen.tokens += 1;
    else if (n >= faults.rateLimitAt && seen.rateLimited === 0) {
      seen.rateLimited += 1;
      res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' }).end('{"errors":{"message":"slow down"}}');
      return;
    } else if (n >= faults.serverErrorAt && seen.errors === 0) {
      seen.errors += 1;
      res.writeHead(500).end('boom');
      return;
    } else if (n >= faults.dropAt && seen.dropped === 0) {
      seen.dropped += 1;
      req.socket.destroy();
      return;
    } else if (n >= faults.unauthorizedAt && seen.unauthorized === 0) {
      seen.unauthorized += 1;
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"errors":{"message":"token expired"}}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      const upstreamResponse = await fetch(`${upstream}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      let body = Buffer.from(await upstreamResponse.arrayBuffer());
      if (invalidRatingId !== undefined && req.url?.startsWith('/api/v2/admin/nps_ratings')) {
        const json = JSON.parse(body.toString('utf8')) as { nps_ratings: { id: number; rating: unknown }[] };
        for (const r of json.nps_ratings) if (r.id === invalidRatingId) r.rating = 'ten';
        body = Buffer.from(JSON.stringify(json));
      }
      const out: Record<string, string> = {};
      upstreamResponse.headers.forEach((v, k) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
      });
      res.writeHead(upstreamResponse.status, out).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const importArgs = (...extra: string[]) => ['import', 'uservoice', '--url', proxyUrl, '--client-id', creds.client_id, '--client-secret', creds.client_secret, '--per-page', '3', '--json', ...extra];
const importCli = (...extra: string[]) => runCli(importArgs(...extra), { ...target.env, LOG_LEVEL: 'warn' }, TIMEOUT);

interface Summary {
  complete: boolean;
  resources: { resource: string; fetched: number; created: number; updated: number; unchanged: number; skippedCount: number; skipped: { id: unknown; reason: string }[] }[];
}
const summaryOf = (stdout: string) => JSON.parse(stdout) as Summary;

/** Every list of a server, record by record; signed download URLs and the host differ and are dropped. */
async function snapshot(url: string, token: string): Promise<Record<string, unknown[]>> {
  const lists: Record<string, unknown[]> = {};
  for (const type of STEP_NAMES) {
    const records: unknown[] = [];
    let cursor: string | undefined;
    do {
      const reply = await request(url, 'GET', `/api/v2/admin/${type}?per_page=100&sort=id${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(reply.status, `${type} list`).toBe(200);
      records.push(...(reply.body[type] as unknown[]));
      cursor = reply.body.pagination.cursor;
    } while (cursor);
    lists[type] = JSON.parse(JSON.stringify(records).replaceAll(url, 'HOST'), (key, value) => (key === 'url' || key === 'thumb_url' ? undefined : value));
  }
  return lists;
}

/** Starts a server on the target database, snapshots it, stops it (PGlite: the CLI needs the lock back). */
async function targetSnapshot(): Promise<Record<string, unknown[]>> {
  const config = loadConfig({ ...target.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TOKEN_SECRET: TEST_TOKEN_SECRET, RATE_LIMIT_PER_MINUTE: '1000000' });
  const server = await startServer(config, { log: createLogger('silent') });
  try {
    const c = await createClient(server.db.orm.em.fork(), 'compare', config.ownerEmail);
    const token = await request(server.url, 'POST', '/api/v2/oauth/token', { form: `grant_type=client_credentials&client_id=${c.client_id}&client_secret=${c.client_secret}` });
    return await snapshot(server.url, token.body.access_token as string);
  } finally {
    await server.shutdown();
  }
}

beforeAll(async () => {
  source = await startTestApp();
  await seedDemo(source.server.db.orm.em.fork(), localStore(source.config.uploadsDir));
  sourceToken = await source.token();
  // A few more suggestions so lists take several pages.
  const forum = (await request(source.url, 'GET', '/api/v2/admin/forums', { token: sourceToken })).body.forums[0].id as number;
  for (let i = 0; i < 7; i += 1) {
    const r = await request(source.url, 'POST', '/api/v2/admin/suggestions', { token: sourceToken, json: { suggestion: { title: `Extra idea ${i}`, links: { forum } } } });
    expect(r.status).toBe(200);
  }
  creds = await source.createClient('importer');
  proxy = await startProxy(source.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  target = await childDatabase();
}, TIMEOUT);

afterAll(async () => {
  await killAllChildren();
  proxy?.close();
  await target?.cleanup();
  await source?.close();
});

describe('import uservoice', () => {
  it('copies every list through faults, resumes after a stop, skips an invalid record, reruns as a no-op, and picks up --since', { timeout: TIMEOUT }, async () => {
    const ratings = (await request(source.url, 'GET', '/api/v2/admin/nps_ratings?sort=id', { token: sourceToken })).body.nps_ratings as { id: number }[];
    invalidRatingId = ratings[0]!.id;

    // 1. Stopped after 4 pages (as a crash would leave it): exit 1, progress kept.
    const first = await importCli('--stop-after-pages', '4');
    expect(first.code, first.stderr).toBe(1);
    expect(summaryOf(first.stdout).complete).toBe(false);

    // 2. The rerun continues and finishes; the faults were met and survived.
    const second = await importCli();
    expect(second.code, second.stderr).toBe(0);
    const s2 = summaryOf(second.stdout);
    expect(s2.complete).toBe(true);
    expect(seen).toMatchObject({ rateLimited: 1, errors: 1, dropped: 1, unauthorized: 1 });
    expect(seen.tokens).toBeGreaterThanOrEqual(3); // one per run, one more after the 401
    expect(first.stderr + second.stderr).toMatch(/waiting \d+\.\ds: rate limited \(429\)/);
    const npsRow = s2.resources.find((r) => r.resource === 'nps_ratings')!;
    expect(npsRow.skipped).toEqual([{ id: invalidRatingId, reason: 'rating is not an integer' }]);
    // Nothing fetched twice across the stop: each record counted once.
    const users = s2.resources.find((r) => r.resource === 'users')!;
    expect(users.created + users.updated + users.unchanged).toBe(users.fetched);

    const expected = await snapshot(source.url, sourceToken);
    let copied = await targetSnapshot();
    const withoutInvalid: Record<string, unknown[]> = { ...expected, nps_ratings: expected.nps_ratings!.filter((r) => (r as { id: number }).id !== invalidRatingId) };
    for (const type of STEP_NAMES) expect(copied[type], type).toEqual(withoutInvalid[type]);

    // 3. The record is valid again: the next run adds it and changes nothing else.
    invalidRatingId = undefined;
    const third = await importCli();
    expect(third.code, third.stderr).toBe(0);
    const s3 = summaryOf(third.stdout);
    for (const r of s3.resources) {
      expect({ resource: r.resource, created: r.created, updated: r.updated, skipped: r.skippedCount }).toEqual({
        resource: r.resource,
        created: r.resource === 'nps_ratings' ? 1 : 0,
        updated: 0,
        skipped: 0,
      });
    }
    copied = await targetSnapshot();
    for (const type of STEP_NAMES) expect(copied[type], type).toEqual(expected[type]);

    // 4. Nothing new: a rerun writes nothing.
    const fourth = await importCli();
    expect(fourth.code, fourth.stderr).toBe(0);
    for (const r of summaryOf(fourth.stdout).resources) expect([r.resource, r.created, r.updated]).toEqual([r.resource, 0, 0]);

    // 5. --since: only what changed after the date is fetched.
    // Everything so far is older than `since`; the source's clock then moves past it (no sleeping).
    const since = new Date(Date.now() + 1000).toISOString();
    source.clock.offsetMs += 3000;
    const forum = (expected.forums![0] as { id: number }).id;
    const created = await request(source.url, 'POST', '/api/v2/admin/suggestions', { token: sourceToken, json: { suggestion: { title: 'Newer idea', links: { forum } } } });
    expect(created.status).toBe(200);
    const fifth = await importCli('--since', since, '--only', 'forums,suggestions');
    expect(fifth.code, fifth.stderr).toBe(0);
    const s5 = summaryOf(fifth.stdout);
    expect(s5.resources.map((r) => [r.resource, r.fetched, r.created])).toEqual([
      ['forums', 1, 0], // its counters moved
      ['suggestions', 1, 1],
    ]);
    const after = await snapshot(source.url, sourceToken);
    copied = await targetSnapshot();
    for (const type of ['forums', 'suggestions']) expect(copied[type], type).toEqual(after[type]);
  });

  it('resumes after a SIGKILL mid-run with nothing duplicated', { timeout: TIMEOUT }, async () => {
    await target.cleanup();
    target = await childDatabase();
    // A dry run checks everything and writes nothing (the killed run below starts from the beginning).
    const dry = await importCli('--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    const drySummary = summaryOf(dry.stdout) as Summary & { dryRun: boolean };
    expect(drySummary.dryRun).toBe(true);
    for (const r of drySummary.resources) expect([r.resource, r.skippedCount, r.created]).toEqual([r.resource, 0, r.fetched]);
    delayMs = 150;
    const child = spawn(process.execPath, ['src/cli.ts', ...importArgs()], { cwd: REPO_ROOT, env: childEnv({ ...target.env, LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
    const midway = new Promise<void>((resolve) =>
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (/^suggestions: 6\//m.test(stderr)) resolve();
      }),
    );
    await withTimeout(midway, TIMEOUT / 2, `the import never reached suggestions page 2:\n${stderr}`);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    delayMs = 0;

    expect(stderr).not.toMatch(/already imported/);
    const rerun = await importCli();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/^users: already imported/m);
    const expected = await snapshot(source.url, sourceToken);
    const copied = await targetSnapshot();
    for (const type of STEP_NAMES) expect(copied[type], type).toEqual(expected[type]);
  });
});

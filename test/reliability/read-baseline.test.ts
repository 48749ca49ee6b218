/**
 * RELIABILITY.md L1, read baseline: autocannon, 50 connections, `GET /api/v2/admin/suggestions?per_page=20`
 * through haproxy (deploy/haproxy.cfg) to two server processes on one PostgreSQL, with a client whose
 * limit is out of reach. 0 socket errors and 0 non-2xx; req/s and p99 are recorded in the suite's
 * summary and compared with test/reliability/baselines/L1.json.
 *
 * Why the comparison is relative: this machine has two cores shared with other work, and the same code
 * measured minutes apart varies by more than the 30 % the catalogue allows, so "70 % of a req/s figure
 * stored last week" would fail on noise (or pass a real regression on a quiet day). The run therefore
 * measures its own reference under the same conditions: the same route on one of the two processes
 * directly, with the legs interleaved (direct, haproxy, direct, haproxy) so a burst of outside load hits
 * both. What is enforced:
 *   1. haproxy→2 processes ÷ direct single process ≥ 70 % of the stored ratio — catches the deployment
 *      path going wrong (balancer config, keep-alive, a per-request cost that grows with replicas);
 *   2. absolute req/s ≥ 70 % of the stored `floor_rps`, a generous figure (about half of what this
 *      machine class measured when idle), so only a gross slowdown of the endpoint itself fails here;
 *      finer per-endpoint figures are `npm run bench`'s job.
 * L1_WRITE_BASELINE=1 rewrites the file from this run (floor_rps = half the measured req/s; the
 * ratio enforced is capped at 1). p99 is recorded, not enforced: the catalogue's 250 ms assumes an
 * idle machine.
 * Bounded: 4 legs × 5 s plus 2 × 2 s of warm-up, 24 s of load; 127.0.0.1 only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { load, percentiles, type LoadResult } from '../../bench/lib/load.ts';
import { freePort, startHaproxy, type Haproxy } from '../helpers/haproxy.ts';
import { request } from '../helpers/http.ts';
import { POSTGRES_MODE, childDatabase, killAllChildren, startServer, type ChildDatabase, type ServerProcess } from '../helpers/process.ts';
import { clientCredentials, tokenFor } from './child-server.ts';
import { report, type Figures } from './figures.ts';

const BASELINE_FILE = path.join(import.meta.dirname, 'baselines/L1.json');
const ROUTE = '/api/v2/admin/suggestions?per_page=20';
const CONNECTIONS = 50;
const LEG_SECONDS = 5;
const WARMUP_SECONDS = 2;

interface Baseline {
  measured: string;
  machine: string;
  direct_rps: number;
  proxied_rps: number;
  proxied_p99_ms: number;
  /** proxied_rps / direct_rps in the same run. */
  ratio: number;
  /** What is enforced (70 % of it): the measured ratio, but at most 1 — on a contended machine two
   * processes get a larger share of the CPU than one, which inflates the ratio (1.43 when this file
   * was written, load average 28 on two cores). Two replicas behind haproxy must reach at least 70 %
   * of one process alone. */
  ratio_floor: number;
  /** A generous absolute floor for proxied req/s: half the measured figure (see the file comment). */
  floor_rps: number;
}

let db: ChildDatabase | undefined;
let haproxy: Haproxy | undefined;
const servers: ServerProcess[] = [];
afterAll(async () => {
  await haproxy?.stop();
  await killAllChildren();
  await db?.cleanup();
});

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// Two processes on one database: PGlite admits one process per data directory.
describe.skipIf(!POSTGRES_MODE)('L1 read baseline (PostgreSQL, haproxy → 2 processes)', () => {
  it('0 socket errors, 0 non-2xx; req/s within 70 % of the baseline (relative to a direct run measured alongside)', async () => {
    db = await childDatabase();
    const creds = await clientCredentials(db, 'L1 high limit');
    const port = await freePort();
    const env = {
      ...db.env,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TRUST_PROXY: '1',
      RATE_LIMIT_PER_MINUTE: '100000000',
      LOG_LEVEL: 'warn',
    };
    for (let i = 0; i < 2; i++) servers.push(await startServer({ env }));
    haproxy = await startHaproxy(
      port,
      servers.map((s) => `127.0.0.1:${s.port}`),
    );
    const token = await tokenFor(haproxy.url, creds);
    // Data for the page: one forum, 40 suggestions (two full pages).
    const forum = (await request(haproxy.url, 'POST', '/api/v2/admin/forums', { token, json: { name: 'L1' } })).body.forums[0].id;
    for (let i = 0; i < 40; i++) {
      const reply = await request(haproxy.url, 'POST', '/api/v2/admin/suggestions', { token, json: { title: `L1 suggestion ${i}`, links: { forum } } });
      expect(reply.status).toBe(200);
    }
    const page = await request(haproxy.url, 'GET', ROUTE, { token });
    expect(page.status).toBe(200);
    expect(page.body.suggestions).toHaveLength(20);

    const headers = { Authorization: `Bearer ${token}` };
    const direct = `${servers[0]!.url}${ROUTE}`;
    const proxied = `${haproxy.url}${ROUTE}`;
    await load(direct, { connections: CONNECTIONS, duration: WARMUP_SECONDS, headers });
    await load(proxied, { connections: CONNECTIONS, duration: WARMUP_SECONDS, headers });
    const legs: { direct: LoadResult[]; proxied: LoadResult[] } = { direct: [], proxied: [] };
    for (let i = 0; i < 2; i++) {
      legs.direct.push(await load(direct, { connections: CONNECTIONS, duration: LEG_SECONDS, headers }));
      legs.proxied.push(await load(proxied, { connections: CONNECTIONS, duration: LEG_SECONDS, headers }));
    }
    const total = (runs: LoadResult[]) => ({
      rps: runs.reduce((n, r) => n + r.rps, 0) / runs.length,
      requests: runs.reduce((n, r) => n + r.requests, 0),
      failures: runs.reduce((n, r) => n + r.failures, 0),
      statuses: runs.reduce<Record<string, number>>((all, r) => {
        for (const [code, n] of Object.entries(r.statuses)) all[code] = (all[code] ?? 0) + n;
        return all;
      }, {}),
      ...percentiles(runs.map((r) => r.latencies)),
    });
    const d = total(legs.direct);
    const p = total(legs.proxied);
    const ratio = p.rps / d.rps;

    const baseline = fs.existsSync(BASELINE_FILE) ? (JSON.parse(fs.readFileSync(BASELINE_FILE, 'utf8')) as Baseline) : undefined;
    const f: Figures = { requests: p.requests + d.requests, errors: p.failures + d.failures, lostWrites: 0, statuses: p.statuses };
    report(
      'L1',
      `read baseline (-c ${CONNECTIONS}, haproxy → 2 processes, ${ROUTE})`,
      f,
      {
        p50_ms: round(p.p50),
        direct_req_per_sec: round(d.rps),
        direct_p99_ms: round(d.p99),
        ratio: round(ratio, 2),
        baseline_ratio_floor: baseline?.ratio_floor ?? null,
        baseline_floor_rps: baseline?.floor_rps ?? null,
      },
      { req_per_sec: round(p.rps), p99_ms: round(p.p99) },
    );

    if (process.env.L1_WRITE_BASELINE === '1') {
      const fresh: Baseline = {
        measured: new Date().toISOString().slice(0, 10),
        machine: `${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GB`,
        direct_rps: round(d.rps),
        proxied_rps: round(p.rps),
        proxied_p99_ms: round(p.p99),
        ratio: round(ratio, 2),
        ratio_floor: Math.min(1, round(ratio, 2)),
        floor_rps: Math.floor(p.rps / 2),
      };
      fs.writeFileSync(BASELINE_FILE, `${JSON.stringify(fresh, null, 2)}\n`);
    }

    expect(p.statuses).toEqual({ 200: p.requests });
    expect(d.statuses).toEqual({ 200: d.requests });
    expect(p.failures + d.failures).toBe(0);
    expect(baseline, `no ${BASELINE_FILE}: run once with L1_WRITE_BASELINE=1`).toBeDefined();
    expect(ratio).toBeGreaterThanOrEqual(0.7 * baseline!.ratio_floor);
    expect(p.rps).toBeGreaterThanOrEqual(0.7 * baseline!.floor_rps);
  }, 180_000);
});

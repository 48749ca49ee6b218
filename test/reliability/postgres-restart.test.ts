/**
 * RELIABILITY.md F5, PostgreSQL restart under load: a fixed rate of up to 100 requests/s (30 % creates,
 * 70 % list reads; capped at half of what the machine serves right now, see below) for 36 s (the
 * catalogue's 60 s, shortened to keep the suite bounded); at t = 10 s the database restarts
 * (`pg_ctl restart -m fast`). The server must not crash (same pid), fail only between
 * the restart and 5 s after PostgreSQL accepts sessions again, answer each failure with a JSON 503 within
 * 5 s, serve the rest of the run (≥ 15 s) without a failure, and keep every acknowledged write.
 *
 * The restarted PostgreSQL is a private cluster the test starts (private-postgres.ts): the machine's
 * shared cluster is never restarted. Runs wherever PostgreSQL's server binaries are installed, with or
 * without DATABASE_URL; 127.0.0.1 only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { killAllChildren, runCli, sleep, startServer, type ServerProcess } from '../helpers/process.ts';
import { isErrorEnvelope, tokenFor } from './child-server.ts';
import { count, newFigures, report } from './figures.ts';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

const RATE = 100;
const SECONDS = 36;
const RESTART_AT_MS = 10_000;
const WRITE_SHARE = 0.3;
const CALIBRATION_MS = 4_000;
const CALIBRATION_CONNECTIONS = 8;
const MIN_RATE = 10;
/** The catalogue's bounds: failures end 5 s after PostgreSQL is back, each is answered within 5 s. */
const RECOVERY_MS = 5_000;
const ANSWER_MS = 5_000;
/** The failure-free part at the end must be at least this long for the run to mean something. */
const MIN_CLEAN_TAIL_MS = 15_000;
/** A request still unanswered after this is a failure of its own (a hang). */
const CLIENT_TIMEOUT_MS = 20_000;

interface Outcome {
  write: boolean;
  title?: string;
  started: number;
  answered: number;
  status: number | 'timeout' | 'network';
  text: string;
  headers?: Headers;
}

const unavailable = privatePostgresUnavailable();
let database: PrivatePostgres | undefined;
let server: ServerProcess | undefined;
let uploads: string | undefined;
afterAll(async () => {
  await server?.stop().catch(() => undefined);
  await killAllChildren();
  await database?.destroy();
  if (uploads) fs.rmSync(uploads, { recursive: true, force: true });
});

describe.skipIf(unavailable)(`F5 PostgreSQL restart under load${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it(`up to ${RATE} req/s for ${SECONDS} s, ${WRITE_SHARE * 100} % writes, restart at ${RESTART_AT_MS / 1000} s: same pid, only 503s in the window, clean tail, no lost write`, async () => {
    database = await startPrivatePostgres();
    uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-f5-uploads-'));
    const env = { DATABASE_URL: database.url, UPLOADS_DIR: uploads, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000' };
    server = await startServer({ env });
    const created = await runCli(['clients', 'create', '--name', 'F5', '--json'], { ...env, LOG_LEVEL: 'warn' });
    expect(created.code).toBe(0);
    const token = await tokenFor(server.url, JSON.parse(created.stdout));
    const pid = server.pid;
    const url = server.url;
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const forumReply = await fetch(`${url}/api/v2/admin/forums`, { method: 'POST', headers, body: JSON.stringify({ name: 'F5 forum' }) });
    expect(forumReply.status).toBe(200);
    const forum = ((await forumReply.json()) as { forums: Array<{ id: number }> }).forums[0]!.id;

    const send = async (i: number): Promise<Outcome> => {
      // Every third or so request (3 of each 10) is a create with a title of its own.
      const write = Math.abs(i) % 10 < WRITE_SHARE * 10;
      const title = write ? `F5 ${i}` : undefined;
      const started = Date.now();
      try {
        const response = await fetch(
          write ? `${url}/api/v2/admin/suggestions` : `${url}/api/v2/admin/suggestions?per_page=20`,
          write
            ? { method: 'POST', headers, body: JSON.stringify({ title, links: { forum } }), signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) }
            : { headers, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) },
        );
        const text = await response.text();
        return { write, title, started, answered: Date.now(), status: response.status, text, headers: response.headers };
      } catch (error) {
        const status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
        return { write, title, started, answered: Date.now(), status, text: String(error) };
      }
    };

    // The catalogue's 100 req/s presumes a machine with room for it. A shared, loaded one may not have
    // it, and an open-loop load above capacity queues without bound: every request then fails on its
    // own, restart or not. So the rate is 100 req/s or half the throughput this machine shows for the
    // same mix right now (closed loop, CALIBRATION_CONNECTIONS connections), whichever is lower.
    let calibrated = 0;
    const calibrationEnd = Date.now() + CALIBRATION_MS;
    await Promise.all(
      Array.from({ length: CALIBRATION_CONNECTIONS }, async (_, c) => {
        for (let i = c; Date.now() < calibrationEnd; i += CALIBRATION_CONNECTIONS) if ((await send(-1 - i)).status === 200) calibrated++;
      }),
    );
    const capacity = calibrated / (CALIBRATION_MS / 1000);
    const rate = Math.max(MIN_RATE, Math.min(RATE, Math.floor(capacity / 2)));

    // Open loop: requests go out on schedule whether or not earlier ones were answered (autocannon -R).
    const t0 = Date.now();
    const pending: Promise<Outcome>[] = [];
    let restart: Promise<{ began: number; accepting: number }> | undefined;
    for (let i = 0; i < rate * SECONDS; i++) {
      const due = t0 + (i * 1000) / rate;
      if (Date.now() < due) await sleep(due - Date.now());
      if (!restart && Date.now() - t0 >= RESTART_AT_MS) restart = database.restart();
      pending.push(send(i));
    }
    const outcomes = await Promise.all(pending);
    const { began, accepting } = await restart!;
    const windowEnd = accepting + RECOVERY_MS;

    const failed = outcomes.filter((o) => o.status !== 200);
    const outsideWindow = failed.filter((o) => o.answered < began || o.started > windowEnd);
    const notJson503 = failed.filter((o) => !(o.headers && isErrorEnvelope({ status: o.status as number, text: o.text, headers: o.headers }, [503]) && Number(o.headers.get('retry-after')) >= 1));
    const slow = failed.filter((o) => o.answered - o.started > ANSWER_MS);
    const tail = outcomes.filter((o) => o.started > windowEnd);
    const tailMs = t0 + SECONDS * 1000 - windowEnd;

    // Every acknowledged create is in the database, with its title.
    const acknowledged = outcomes.filter((o) => o.write && o.status === 200).map((o) => o.title!);
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    const { rows } = await sql.query<{ title: string }>(`select title from suggestions where title like 'F5 %'`);
    await sql.end();
    const stored = new Set(rows.map((r) => r.title));
    const lost = acknowledged.filter((title) => !stored.has(title));

    const f = newFigures();
    for (const o of outcomes) count(f, o.status, o.status !== 200);
    f.lostWrites = lost.length;
    const alive = server.child.exitCode === null && server.child.signalCode === null;
    const describeFailure = (o: Outcome) => `${o.write ? 'POST' : 'GET'} at +${o.started - t0} ms → ${o.status} after ${o.answered - o.started} ms: ${o.text.slice(0, 160)}`;
    report('F5', `PostgreSQL restart under load (${rate} req/s, ${SECONDS} s, restart at ${RESTART_AT_MS / 1000} s)`, f, {
      rate,
      capacity_now: Math.round(capacity),
      restart_ms: accepting - began,
      failures_from_restart_ms: failed.length ? Math.min(...failed.map((o) => o.answered)) - began : null,
      last_failure_started_after_accepting_ms: failed.length ? Math.max(...failed.map((o) => o.started)) - accepting : null,
      slowest_failure_ms: failed.length ? Math.max(...failed.map((o) => o.answered - o.started)) : null,
      tail: `${tail.filter((o) => o.status === 200).length}/${tail.length} in ${Math.round(tailMs / 1000)} s`,
      acknowledged_writes: acknowledged.length,
      same_pid: alive && server.pid === pid,
    });

    expect(alive).toBe(true);
    expect(server.pid).toBe(pid);
    expect(server.stderr() + server.stdout()).not.toMatch(/uncaughtException|unhandledRejection|unhandled error/i);
    expect(outsideWindow.map(describeFailure)).toEqual([]);
    expect(notJson503.map(describeFailure)).toEqual([]);
    expect(slow.map(describeFailure)).toEqual([]);
    expect(tailMs).toBeGreaterThanOrEqual(MIN_CLEAN_TAIL_MS);
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.filter((o) => o.status !== 200).map(describeFailure)).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(lost).toEqual([]);
  }, 240_000);
});

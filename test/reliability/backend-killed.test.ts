/**
 * RELIABILITY.md F7, backend killed mid-query: during a read load (4 connections, ~10 s) the test
 * terminates the app's busy PostgreSQL backends 20 times (pg_terminate_backend, found by datname in
 * pg_stat_activity). The server process stays up (same pid, no uncaughtException), failed requests are
 * at most the backends killed, each a JSON 503/500 envelope, and service is normal afterwards.
 * PostgreSQL only; 127.0.0.1 only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { POSTGRES_MODE, killAllChildren, sleep } from '../helpers/process.ts';
import { isErrorEnvelope, startChildServer, type ChildServer } from './child-server.ts';
import { count, newFigures, report } from './figures.ts';

const KILLS = 20;
const CONNECTIONS = 4;

let child: ChildServer | undefined;
afterAll(async () => {
  await child?.close();
  await killAllChildren();
});

// Skipped without DATABASE_URL: PGlite has no backends to terminate.
describe.skipIf(!POSTGRES_MODE)('F7 backend killed mid-query (PostgreSQL)', () => {
  it(`${KILLS}× pg_terminate_backend under read load: no crash, failures ≤ kills, JSON errors, normal service after`, async () => {
    child = await startChildServer();
    const { server, token, sql, datname } = child;
    const pid = server.pid;
    const api = (path: string) => request(server.url, 'GET', `/api/v2/admin${path}`, { token });
    const forum = await request(server.url, 'POST', '/api/v2/admin/forums', { token, json: { name: 'F7 forum' } });
    expect(forum.status).toBe(200);
    for (let i = 0; i < 30; i++) {
      const r = await request(server.url, 'POST', '/api/v2/admin/suggestions', { token, json: { title: `F7 ${i}`, links: { forum: forum.body.forums[0].id } } });
      expect(r.status).toBe(200);
    }

    const f = newFigures();
    const bad: string[] = [];
    let stop = false;
    const load = Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (!stop) {
          const r = await api('/suggestions?per_page=20&includes=forums,categories');
          const failed = r.status !== 200;
          count(f, r.status, failed);
          if (failed && !isErrorEnvelope(r, [500, 503])) bad.push(`${r.status} ${r.text.slice(0, 200)}`);
        }
      }),
    );
    let killed = 0;
    let idleKilled = 0;
    const deadline = Date.now() + 20_000;
    while (killed < KILLS && Date.now() < deadline) {
      await sleep(300);
      // Busy backends first; when the load is between queries, an idle pooled one (it dies under the pool).
      let rows: { pid: number; state: string }[] = [];
      for (let poll = 0; poll < 30 && rows[0]?.state !== 'active'; poll++) {
        ({ rows } = await sql.query<{ pid: number; state: string }>(
          `select pid, state from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend' order by (state = 'active') desc limit 1`,
          [datname],
        ));
      }
      if (rows.length === 0) continue;
      const { rows: done } = await sql.query<{ ok: boolean }>('select pg_terminate_backend($1) as ok', [rows[0]!.pid]);
      if (done[0]!.ok) {
        killed++;
        if (rows[0]!.state !== 'active') idleKilled++;
      }
    }
    await sleep(500);
    stop = true;
    await load;

    // Afterwards: normal service.
    let after = 0;
    for (let i = 0; i < 20; i++) {
      const r = await api('/suggestions?per_page=20');
      if (r.status === 200) after++;
    }
    const alive = server.child.exitCode === null && server.child.signalCode === null;
    report('F7', `backend killed mid-query (${CONNECTIONS} connections)`, f, { killed, idle_killed: idleKilled, ok_after: `${after}/20`, same_pid: alive });

    expect(killed).toBe(KILLS);
    expect(alive).toBe(true);
    expect(server.pid).toBe(pid);
    expect(server.stderr() + server.stdout()).not.toMatch(/uncaughtException|unhandledRejection/i);
    expect(bad).toEqual([]);
    expect(f.errors).toBeLessThanOrEqual(killed);
    expect(after).toBe(20);
  }, 90_000);
});

/**
 * Correctness probes of the api scenario (issue 15 points 3 and 4), run on its server after the measured
 * parts. They measure no throughput; each returns figures for the JSON line and the issue-15 targets.
 *
 * - `fresh`: a write acknowledged through the API, then the same list through the response cache: the
 *   cached route must answer the new body at once, byte-identical to the uncached route (twice: the
 *   write, then the write that restores the title).
 * - `revoke`: the Bearer check's SQL statements per request while the client's copy is current (a
 *   response-cache hit on `users/current`, so any statement is the Bearer check's; the uncached route is
 *   shown beside it), and how long after the CLI's revocation of a client (another process's connection,
 *   announced by NOTIFY) the server refuses its token. Requests run back to back from before the
 *   revocation; PostgreSQL only (the embedded database admits one process, so no CLI beside the server).
 */
import { openDatabase } from '../../src/db/index.ts';
import { run as cli } from '../../src/cli.ts';
import type { Figures } from '../index.ts';
import type { BenchServer } from '../lib/server.ts';

export interface ProbeEnv {
  server: BenchServer;
  auth: Record<string, string>;
  /** The database's environment (DATABASE_URL or DATA_DIR), for the CLI. */
  dbEnv: Record<string, string>;
  kind: 'pglite' | 'postgresql';
  /** Statements sent through the server's ORM connection so far, and those naming api_clients (/_bench/counters). */
  statements(): Promise<{ all: number; apiClients: number }>;
}

export interface ProbeResult {
  figures: Figures;
  notes: string[];
}

export interface Probe {
  name: string;
  run(env: ProbeEnv, log: (line: string) => void): Promise<ProbeResult>;
}

const LIST = '/api/v2/admin/suggestions?per_page=100&includes=forums,users,categories,statuses,labels';
const UNCACHED = '/_bench/uncached';

async function get(env: ProbeEnv, path: string, headers = env.auth): Promise<{ status: number; body: string }> {
  const response = await fetch(`${env.server.url}${path}`, { headers });
  return { status: response.status, body: await response.text() };
}

const fresh: Probe = {
  name: 'fresh',
  async run(env) {
    const before = await get(env, LIST);
    if (before.status !== 200) throw new Error(`fresh: the list answered ${before.status}`);
    // A hit first, so a stale answer would be possible.
    const hit = await get(env, LIST);
    const record = (JSON.parse(before.body) as { suggestions: Array<{ id: number; title: string }> }).suggestions[0]!;
    const failures: string[] = [];
    let writes = 0;
    for (const title of [`${record.title} (edited by the bench)`, record.title]) {
      const put = await fetch(`${env.server.url}/api/v2/admin/suggestions/${record.id}`, {
        method: 'PUT',
        headers: { ...env.auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title }),
      });
      await put.arrayBuffer();
      if (put.status !== 200) throw new Error(`fresh: PUT answered ${put.status}`);
      writes++;
      const cached = await get(env, LIST);
      const rendered = await get(env, `${UNCACHED}${LIST}`);
      const first = (JSON.parse(cached.body) as { suggestions: Array<{ title: string }> }).suggestions[0]!;
      if (first.title !== title) failures.push(`after write ${writes} the cached list showed ${JSON.stringify(first.title)}`);
      else if (cached.body !== rendered.body) failures.push(`after write ${writes} the cached and uncached lists differ`);
    }
    const ok = failures.length === 0 && hit.body === before.body;
    return {
      figures: { fresh_after_write: ok, writes },
      notes: [
        ok
          ? `fresh: after each of ${writes} acknowledged writes the cached list_100 answered the new body at once, byte-identical to the uncached route`
          : `fresh: STALE — ${failures.join('; ') || 'two reads before the write differed'}`,
      ],
    };
  },
};

const CURRENT = '/api/v2/admin/users/current';
const SQL_REQUESTS = 200;

/** The CLI in this process on the bench's database; `closing` is when its command has committed. */
async function runCli(env: ProbeEnv, argv: string[]): Promise<{ code: number; stdout: string; closing: number }> {
  let stdout = '';
  let stderr = '';
  let closing = 0;
  const code = await cli(argv, {
    env: { ...env.dbEnv, LOG_LEVEL: 'warn' },
    stdin: (async function* () {})(),
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    async open(config) {
      const db = await openDatabase(config);
      const close = db.close.bind(db);
      return Object.assign(db, {
        close: () => {
          closing = performance.now();
          return close();
        },
      });
    },
  });
  if (code !== 0) throw new Error(`cli ${argv.join(' ')} exited ${code}: ${stderr}`);
  return { code, stdout, closing };
}

const revoke: Probe = {
  name: 'revoke',
  async run(env, log) {
    const figures: Figures = {};
    const notes: string[] = [];
    // Statements per request while the client's copy is current, counted at the driver: those naming
    // api_clients are the Bearer check's (background jobs — webhook poller, row-count folds — send
    // others on the same pool meanwhile). It records a client's use once a minute (a write, and the
    // re-read of the row that write announces).
    const sqlOver = async (path: string) => {
      for (let i = 0; i < 3; i++) await get(env, path);
      const started = performance.now();
      let requests = 0;
      const first = await env.statements();
      let before = first;
      for (let i = 0; i < SQL_REQUESTS; i++) {
        const { status } = await get(env, path);
        if (status !== 200) throw new Error(`revoke: ${path} answered ${status}`);
        const after = await env.statements();
        if (after.apiClients > before.apiClients) requests++;
        before = after;
      }
      const bearer = before.apiClients - first.apiClients;
      return { bearer, all: (before.all - first.all) / SQL_REQUESTS, requests, minutes: (performance.now() - started) / 60_000 };
    };
    const cached = await sqlOver(CURRENT);
    const uncached = await sqlOver(`${UNCACHED}${CURRENT}`);
    figures.bearer_sql_per_request = cached.bearer / SQL_REQUESTS;
    figures.bearer_sql_requests = cached.requests;
    // Allowed: the once-a-minute record of use (the write and the re-read it announces) per minute begun.
    figures.bearer_sql_allowed = 2 * Math.ceil(cached.minutes);
    figures.bearer_sql_total = cached.bearer;
    figures.all_sql_per_request = cached.all;
    figures.uncached_sql_per_request = uncached.all;
    notes.push(
      `revoke: users/current (a response-cache hit), ${SQL_REQUESTS} requests one at a time: ${cached.bearer} statements naming api_clients (the Bearer check's) ` +
        `on ${cached.requests} of them; all statements on the pool ${cached.all} per request (background jobs included); through the uncached route ${uncached.all} per request (rendering the user)`,
    );
    if (env.kind !== 'postgresql') {
      figures.revocation_ms = null;
      notes.push('revoke: revocation not measured (the embedded database admits one process: no CLI beside the server)');
      return { figures, notes };
    }
    const created = JSON.parse((await runCli(env, ['clients', 'create', '--name', 'bench revoke', '--json'])).stdout) as { client_id: string; client_secret: string };
    const token = await fetch(`${env.server.url}/api/v2/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${created.client_id}&client_secret=${created.client_secret}`,
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const headers = { Authorization: `Bearer ${access_token}` };
    // The counter does see the Bearer check: a client's first request reads its row (and records its use).
    const beforeFirst = await env.statements();
    await get(env, CURRENT, headers);
    figures.first_use_bearer_sql = (await env.statements()).apiClients - beforeFirst.apiClients;
    notes.push(`revoke: a new client's first request sent ${figures.first_use_bearer_sql} statements naming api_clients (its row read; its use recorded)`);
    // Back-to-back requests with the doomed token, from before the revocation until two are refused.
    const answers: Array<{ start: number; end: number; status: number }> = [];
    let stop = false;
    const poller = (async () => {
      while (!stop) {
        const start = performance.now();
        const { status } = await get(env, CURRENT, headers);
        answers.push({ start, end: performance.now(), status });
        if (answers.filter((a) => a.status === 401).length >= 2 || performance.now() - start > 10_000) break;
      }
    })();
    while (answers.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    const { closing } = await runCli(env, ['clients', 'revoke', created.client_id]);
    const deadline = performance.now() + 5_000;
    while (!answers.some((a) => a.status === 401) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    stop = true;
    await poller;
    const refused = answers.find((a) => a.status === 401);
    // Answered 200 although the request started after the revocation had committed: a stale copy.
    const staleAfter = answers.filter((a) => a.start > closing && a.status === 200).length;
    figures.revocation_ms = refused ? Math.max(0, Math.round((refused.end - closing) * 10) / 10) : null;
    figures.accepted_after_revocation = staleAfter;
    const line =
      `revoke: the CLI revoked a client while its token was in use (${answers.length} requests back to back); the first refusal ` +
      (refused ? `answered ${figures.revocation_ms} ms after the revocation committed` : 'never came (5 s)') +
      `; ${staleAfter} requests started after the commit were still accepted`;
    log(line);
    notes.push(line);
    return { figures, notes };
  },
};

export const PROBES: Probe[] = [fresh, revoke];

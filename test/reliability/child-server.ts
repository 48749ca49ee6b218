/** A real server process (src/main.ts) on its own PostgreSQL database, with a token and a SQL session. */
import pg from 'pg';
import { request } from '../helpers/http.ts';
import { childDatabase, runCli, startServer, type ChildDatabase, type Env, type ServerProcess } from '../helpers/process.ts';

export interface ChildServer {
  server: ServerProcess;
  database: ChildDatabase;
  /** The database's name (for pg_stat_activity). */
  datname: string;
  token: string;
  /** A session of the test's own on the same database (not one of the app's). */
  sql: pg.Client;
  close(): Promise<void>;
}

export async function clientCredentials(database: ChildDatabase, name = 'reliability'): Promise<{ client_id: string; client_secret: string }> {
  const result = await runCli(['clients', 'create', '--name', name, '--json'], { ...database.env, LOG_LEVEL: 'warn' });
  if (result.code !== 0) throw new Error(`clients create failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

export async function tokenFor(url: string, creds: { client_id: string; client_secret: string }): Promise<string> {
  const reply = await request(url, 'POST', '/api/v2/oauth/token', {
    form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
  });
  if (reply.status !== 200) throw new Error(`token: ${reply.status} ${reply.text}`);
  return reply.body.access_token as string;
}

export async function startChildServer(env: Env = {}, database?: ChildDatabase): Promise<ChildServer> {
  const db = database ?? (await childDatabase());
  const creds = await clientCredentials(db);
  const server = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', ...env } });
  const token = await tokenFor(server.url, creds);
  const sql = new pg.Client({ connectionString: db.env.DATABASE_URL });
  sql.on('error', () => undefined);
  await sql.connect();
  const datname = decodeURIComponent(new URL(db.env.DATABASE_URL!).pathname.slice(1));
  return {
    server,
    database: db,
    datname,
    token,
    sql,
    async close() {
      await sql.end().catch(() => undefined);
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop().catch(() => undefined);
      if (!database) await db.cleanup();
    },
  };
}

/** A JSON error envelope `{"errors":{"error":"…"}}` with the given statuses allowed. */
export function isErrorEnvelope(reply: { status: number; text: string; headers: Headers }, statuses: number[]): boolean {
  if (!statuses.includes(reply.status)) return false;
  if (!/^application\/json/.test(reply.headers.get('content-type') ?? '')) return false;
  try {
    return typeof JSON.parse(reply.text)?.errors?.error === 'string';
  } catch {
    return false;
  }
}

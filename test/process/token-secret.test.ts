/**
 * Replicas must sign tokens with one key (issue 18 item 5): the database records a fingerprint of the
 * signing key (never the key), and a server whose key has another fingerprint refuses to start with one
 * line and exit 4, until `cli token-secret reset` after a deliberate change.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { childDatabase, killAllChildren, runCli, runServerToExit, startServer, type ChildDatabase, type CliResult } from '../helpers/process.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import type { DB } from '../../src/db/schema.ts';

const TIMEOUT = 180_000;
const SECRET_A = 'replica-secret-A-0123456789abcdef0123456789';
const SECRET_B = 'replica-secret-B-0123456789abcdef0123456789';
const EXIT_CONFIG = 4;

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await killAllChildren();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function expectOneLine(result: CliResult, code: number, pattern: RegExp): void {
  const detail = `exit ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
  expect(result.code, detail).toBe(code);
  expect(result.stderr.slice(0, -1).split('\n'), detail).toHaveLength(1);
  expect(result.stderr, detail).toMatch(pattern);
  expect(result.stderr, detail).not.toMatch(/\bat .*:\d+:\d+|node:internal/);
}

async function upAndDown(env: Record<string, string>): Promise<void> {
  const server = await startServer({ env: { ...env, LOG_LEVEL: 'warn' } });
  expect((await request(server.url, 'GET', '/health')).status).toBe(200);
  expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
}

async function settings(db: ChildDatabase): Promise<Record<string, string>> {
  const database = await openDatabase(loadConfig({ ...db.env }));
  try {
    const rows = await database.orm.em.getKysely<DB>().selectFrom('settings').select(['key', 'value']).execute();
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  } finally {
    await database.close();
  }
}

describe('a TOKEN_SECRET that differs from the one recorded in the database', () => {
  it(
    'refuses to start (one line, exit 4), with or without TOKEN_SECRET, until token-secret reset',
    async () => {
      const db = await childDatabase();
      cleanups.push(() => db.cleanup());
      await upAndDown({ ...db.env, TOKEN_SECRET: SECRET_A });

      const pattern = /^configuration error: the token signing key differs from the one this database's servers use \(fingerprint [0-9a-f]{12}, this server's [0-9a-f]{12}\)/;
      const other = await runServerToExit({ ...db.env, TOKEN_SECRET: SECRET_B });
      expectOneLine(other, EXIT_CONFIG, pattern);
      expect(other.stderr + other.stdout).not.toContain(SECRET_A);
      expect(other.stderr + other.stdout).not.toContain(SECRET_B);
      // No TOKEN_SECRET: the generated key is not the recorded one either.
      expectOneLine(await runServerToExit({ ...db.env }), EXIT_CONFIG, pattern);
      // The same secret still starts.
      await upAndDown({ ...db.env, TOKEN_SECRET: SECRET_A });

      // The database holds a fingerprint, never the secret.
      const stored = await settings(db);
      expect(stored.token_key_fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(stored)).not.toContain(SECRET_A);

      const reset = await runCli(['token-secret', 'reset', '--json'], db.env);
      expect(reset.code, reset.stderr).toBe(0);
      expect(JSON.parse(reset.stdout)).toEqual({ reset: true });
      await upAndDown({ ...db.env, TOKEN_SECRET: SECRET_B });
      expectOneLine(await runServerToExit({ ...db.env, TOKEN_SECRET: SECRET_A }), EXIT_CONFIG, pattern);
    },
    TIMEOUT,
  );
});

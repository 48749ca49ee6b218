import pg from 'pg';
import { afterAll } from 'vitest';
import { onServer } from '../setup/databases.ts';
import type { TestApp } from './app.ts';
import { type Api, useTestApp } from './factories.ts';

/**
 * useTestApp() on a PostgreSQL database whose transactions default to SERIALIZABLE (only in a block that
 * runs with DATABASE_URL), and `client()`: a connection of its own to that database, with a 2 s
 * lock_timeout so a transaction waiting for another's row lock fails fast instead of hanging the test.
 * The clients are closed after the block.
 */
export function useSerializableApp(): { app: TestApp; a: Api; client: () => Promise<pg.Client> } {
  let url: string | undefined;
  const clients: pg.Client[] = [];
  const { app, a } = useTestApp({
    beforeStart: async (database) => {
      url = database.databaseUrl!;
      const name = decodeURIComponent(new URL(url).pathname.slice(1));
      await onServer(url, (c) => c.query(`alter database "${name}" set default_transaction_isolation = 'serializable'`));
    },
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
  });
  const client = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    clients.push(c);
    await c.query(`set lock_timeout = '2s'`);
    return c;
  };
  return { app, a, client };
}

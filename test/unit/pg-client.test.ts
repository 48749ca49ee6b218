import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Cursor from 'pg-cursor';
import { PgClient } from '../../src/db/pg-client.ts';
import { POSTGRES_MODE } from '../helpers/process.ts';

// Skipped without DATABASE_URL: PgClient is node-postgres's client, which needs a PostgreSQL server
// (PGlite, the default database, is not reached through it). Nothing here writes.
describe.skipIf(!POSTGRES_MODE)('PgClient (node-postgres queries through the callback form)', () => {
  let client: PgClient;
  beforeAll(async () => {
    client = new PgClient({ connectionString: process.env.DATABASE_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });

  it('answers a query without a callback with a promise of the result, as node-postgres does', async () => {
    const result = await client.query('select $1::int as n, $2::text as t', [7, 'seven']);
    expect(result.rows).toEqual([{ n: 7, t: 'seven' }]);
    expect(result.rowCount).toBe(1);
    expect(result.fields.map((f) => f.name)).toEqual(['n', 't']);
  });

  it('runs a named (prepared) statement given as a config object, twice', async () => {
    const config = { name: 'pg_client_test_double', text: 'select $1::int * 2 as doubled' };
    expect((await client.query(config, [21])).rows).toEqual([{ doubled: 42 }]);
    expect((await client.query(config, [5])).rows).toEqual([{ doubled: 10 }]);
  });

  it('rejects with PostgreSQL’s error, and the session serves the next query', async () => {
    const failed = client.query('select from_nothing(');
    await expect(failed).rejects.toMatchObject({ code: '42601' });
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('still calls a callback, and passes submittables (a cursor) through', async () => {
    const viaCallback = await new Promise((resolve, reject) => {
      client.query('select 3 as three', (error, result) => (error ? reject(error) : resolve(result.rows)));
    });
    expect(viaCallback).toEqual([{ three: 3 }]);
    const cursor = client.query(new Cursor('select generate_series(1, 3) as n'));
    const rows = await cursor.read(10);
    await cursor.close();
    expect(rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});

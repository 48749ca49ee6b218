import pg from 'pg';

type Query = pg.Client['query'];
type Callback = (error: Error | null, result?: unknown) => void;

const callbackQuery = pg.Client.prototype.query as (this: pg.Client, config: unknown, values?: unknown, callback?: Callback) => unknown;

/**
 * node-postgres's Client, except that a query without a callback (what Kysely, and so the ORM, sends)
 * runs through node-postgres's callback form, wrapped in a promise here.
 *
 * Measured on this machine kind (node 24, pg 8.23, `--trace-gc-nvp`): ten loops of `select 1`, one
 * client each, promise form — every scavenge kept ~280 KB alive (~100 bytes per query) and promoted
 * nearly all of it, 1.2–1.5 ms per scavenge; the same loops through the callback form, or through this
 * class — 16 KB kept, 5 KB promoted, 0.35 ms. In the server, `GET /health` under `autocannon -c10`
 * scavenged in 2.3–2.8 ms (~960 KB kept each time, a full collection every ~1.5 s) against 0.3–0.4 ms for
 * a route without a query: each of those pauses stalls every request in flight, so they were the
 * routes' p99 (issue 15 point 5). Which reference keeps the promise form's objects alive was not found
 * (no allocation-site pretenuring involved: the same with it off); the remedy was measured, not derived.
 */
export class PgClient extends pg.Client {}

PgClient.prototype.query = function query(this: pg.Client, config: unknown, values?: unknown, callback?: Callback) {
  const submittable = typeof (config as { submit?: unknown } | null)?.submit === 'function';
  if (callback !== undefined || typeof values === 'function' || submittable) return callbackQuery.call(this, config, values, callback);
  return new Promise((resolve, reject) => {
    callbackQuery.call(this, config, values, (error, result) => (error ? reject(error) : resolve(result)));
  });
} as Query;

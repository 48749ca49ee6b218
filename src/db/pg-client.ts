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
 * class — 16 KB kept, 5 KB promoted, 0.35 ms. Through the ORM (`execute('select 1')`, ten at a time, in
 * one process): scavenges of 0.96–1.55 ms and three full collections per 5 s before, 0.57–0.60 ms and at
 * most one after. Each pause stalls every request in flight, so such pauses were the routes' p99 (issue
 * 15 point 5; src/http/drain.ts had the larger share). Which reference keeps the promise form's objects
 * alive was not found (allocation-site pretenuring off changed nothing): the remedy is measured, not
 * derived.
 */
export class PgClient extends pg.Client {}

PgClient.prototype.query = function query(this: pg.Client, config: unknown, values?: unknown, callback?: Callback) {
  const submittable = typeof (config as { submit?: unknown } | null)?.submit === 'function';
  if (callback !== undefined || typeof values === 'function' || submittable) return callbackQuery.call(this, config, values, callback);
  return new Promise((resolve, reject) => {
    callbackQuery.call(this, config, values, (error, result) => (error ? reject(error) : resolve(result)));
  });
} as Query;

import { sql } from 'kysely';

/**
 * The application's clock (AppDeps.clock), reachable from any EntityManager: entity timestamps
 * (entities/base.ts), services and SQL read the time here, so a test that moves the injected clock
 * moves every `created_at`/`updated_at` too, instead of sleeping.
 */

/** Keyed by the ORM's configuration object, which every fork of its EntityManager shares. */
const clocks = new WeakMap<object, () => number>();

export function setClock(orm: { config: object }, clock: () => number): void {
  clocks.set(orm.config, clock);
}

/** The current time on `em`'s ORM clock (the system clock when none was set). */
export function nowOf(em: { config: object }): Date {
  return new Date((clocks.get(em.config) ?? Date.now)());
}

/** Custom setting writeTransaction sets to the clock's time at the start of each write transaction. */
export const NOW_SETTING = 'uv.now';

/**
 * `now()` for SQL that stamps rows: the write transaction's clock time, or the database's `now()` outside
 * one (the importer, the CLI). An unset custom setting reads as '' after a transaction that set it ended.
 */
export const sqlNow = sql<Date>`coalesce(nullif(current_setting(${sql.lit(NOW_SETTING)}, true), '')::timestamptz, now())`;

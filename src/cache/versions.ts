import type pg from 'pg';
import { PgClient } from '../db/pg-client.ts';
import type { MikroORM } from '@mikro-orm/sql';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../log.ts';

/** The channel the `uv_announce_change` trigger (migration change_notifications) notifies, payload = table. */
export const CHANNEL = 'uv_table_changes';
/** A sync round trip that takes longer than this counts as failed: the caller renders instead of waiting. */
const SYNC_TIMEOUT_MS = 2_000;
/** How often an idle listening session is pinged, so a dead one is noticed and replaced. */
const HEARTBEAT_MS = 250;
const RECONNECT_MS = 1_000;
/** Sessions a process holds outside its pools for this: the one LISTENing (PostgreSQL only). */
export const LISTENER_SESSIONS = 1;

/**
 * What this process knows about changes to the database's tables, counted from the commit-time
 * announcements of the `uv_announce_change` triggers (one per statement that changed a table, delivered
 * by PostgreSQL when and only when its transaction commits, in commit order, to every listening session).
 *
 * A table's version is the number of announcements this process has received for it; `epoch` moves
 * whenever announcements may have been missed (the listening session dropped), which outdates every
 * version taken before. Readers take `snapshot()` before they read, and trust what they read later only
 * while the versions of every table it came from are unchanged.
 */
export interface TableVersions {
  /** false while announcements may be missed: nothing read may then be cached or trusted. */
  readonly live: boolean;
  readonly epoch: number;
  /** Tables the triggers announce; a read of any other table of the schema must not be cached. */
  readonly announced: ReadonlySet<string>;
  /** Every table of the schema (announced or not), to recognise table names in SQL text. */
  readonly tables: ReadonlySet<string>;
  version(table: string): number;
  /** A copy of every table's version now (tables not yet changed are absent: version 0). */
  snapshot(): Versions;
  /**
   * Resolves true once every change committed before the call has been counted — PostgreSQL: a round
   * trip on the listening session that starts after the call (PostgreSQL sends a session its pending
   * notifications before it answers; concurrent callers share one round trip); PGlite: at once, the
   * announcements arrive before the writing statement returns. false when that cannot be known (the
   * session is down or slow).
   */
  sync(): Promise<boolean>;
  close(): Promise<void>;
}

export interface Versions {
  epoch: number;
  of: ReadonlyMap<string, number>;
}

class Counter {
  live = false;
  epoch = 0;
  announced: Set<string> = new Set();
  tables: Set<string> = new Set();
  private readonly counts = new Map<string, number>();

  bump(table: string): void {
    this.counts.set(table, (this.counts.get(table) ?? 0) + 1);
  }
  /** Announcements may have been missed: everything read before is outdated. */
  lost(): void {
    this.epoch++;
    this.counts.clear();
  }
  version(table: string): number {
    return this.counts.get(table) ?? 0;
  }
  snapshot(): Versions {
    return { epoch: this.epoch, of: new Map(this.counts) };
  }
}

/** The counter's read side, plus how a driver syncs and closes. */
function facade(counter: Counter, driver: Pick<TableVersions, 'sync' | 'close'>): TableVersions {
  return {
    get live() {
      return counter.live;
    },
    get epoch() {
      return counter.epoch;
    },
    announced: counter.announced,
    tables: counter.tables,
    version: (table) => counter.version(table),
    snapshot: () => counter.snapshot(),
    ...driver,
  };
}

/** Reads which tables exist and which of them announce their changes. */
async function schemaTables(orm: MikroORM): Promise<{ tables: Set<string>; announced: Set<string> }> {
  const rows = (await orm.em.getConnection().execute(
    `select c.relname as name, exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'uv_announce_change') as announced
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p')`,
  )) as Array<{ name: string; announced: boolean }>;
  return { tables: new Set(rows.map((r) => r.name)), announced: new Set(rows.filter((r) => r.announced).map((r) => r.name)) };
}

/**
 * PostgreSQL: one dedicated session (outside the pool) LISTENs; it is pinged every HEARTBEAT_MS and
 * reconnected after RECONNECT_MS when it drops, which moves the epoch (changes during the gap are unknown).
 */
async function listenPostgres(orm: MikroORM, databaseUrl: string, log: Logger): Promise<TableVersions> {
  const counter = new Counter();
  Object.assign(counter, await schemaTables(orm));
  let client: pg.Client | undefined;
  let closed = false;
  let reconnect: NodeJS.Timeout | undefined;
  let inFlight: Promise<boolean> | undefined;
  let queued: Promise<boolean> | undefined;

  const drop = (target: pg.Client) => {
    if (client !== target) return;
    client = undefined;
    counter.live = false;
    counter.lost();
    target.removeAllListeners('notification');
    target.end().catch(() => undefined);
    if (!closed) reconnect = setTimeout(connect, RECONNECT_MS).unref();
  };
  const connect = async () => {
    const next = new PgClient({ connectionString: databaseUrl, connectionTimeoutMillis: SYNC_TIMEOUT_MS, keepAlive: true });
    next.on('error', (error) => {
      log.warn('change listener failed; caches bypassed until it reconnects', { error: error.message });
      drop(next);
    });
    next.on('end', () => drop(next));
    next.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) counter.bump(message.payload);
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      if (client !== next || closed) return;
      counter.lost();
      counter.live = true;
    } catch (error) {
      if (client === next) {
        log.warn('change listener could not connect; caches bypassed until it does', { error: String(error) });
        drop(next);
      }
    }
  };

  const ping = async (): Promise<boolean> => {
    const target = client;
    if (!target || !counter.live) return false;
    const epoch = counter.epoch;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), SYNC_TIMEOUT_MS)));
      if ((await Promise.race([target.query('select 1'), timeout])) === 'timeout') {
        drop(target);
        return false;
      }
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
    return counter.epoch === epoch && counter.live;
  };
  // A caller may only use a round trip that started after it called: one in flight is waited out, and
  // everyone who arrives meanwhile shares the next one.
  const sync = (): Promise<boolean> => {
    if (!inFlight) {
      inFlight = ping().finally(() => (inFlight = undefined));
      return inFlight;
    }
    queued ??= inFlight.then(() => {
      queued = undefined;
      return sync();
    });
    return queued;
  };

  await connect();
  const heartbeat = setInterval(() => void sync(), HEARTBEAT_MS).unref();
  return facade(counter, {
    sync,
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(reconnect);
      const target = client;
      client = undefined;
      counter.live = false;
      await target?.end().catch(() => undefined);
    },
  });
}

/** PGlite (one process, one session): the announcements of a commit arrive before the COMMIT returns. */
async function listenPglite(orm: MikroORM): Promise<TableVersions> {
  const counter = new Counter();
  Object.assign(counter, await schemaTables(orm));
  const connection = orm.em.getConnection() as unknown as { getNativeClient(): Promise<PGlite> };
  const pglite = await connection.getNativeClient();
  const unlisten = await pglite.listen(CHANNEL, (table) => counter.bump(table));
  counter.live = true;
  return facade(counter, {
    sync: async () => counter.live,
    async close() {
      counter.live = false;
      if (!pglite.closed) await unlisten().catch(() => undefined);
    },
  });
}

export function watchTables(orm: MikroORM, databaseUrl: string | undefined, log: Logger): Promise<TableVersions> {
  return databaseUrl ? listenPostgres(orm, databaseUrl, log) : listenPglite(orm);
}

import { sql } from 'kysely';
import type { EntityManager, MikroORM } from '@mikro-orm/sql';
import type { DB } from './schema.ts';

/** How long a key and its answer are kept. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** A running request's claim lapses this long after its last renewal (its process may have died). */
export const LEASE_MS = 30_000;

export interface StoredAnswer {
  bodyHash: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface KeyRow {
  requestHash: string;
  bodyHash: string | null;
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
  lockedUntil: Date | null;
  committedAt: Date | null;
}

export interface IdempotencyKeys {
  /**
   * Claims `key` for a new request, or returns the row that holds it. A key is free when it is new, has
   * expired, or was held by a request for the same method, path and query whose lease lapsed before its
   * write committed (its process died): that request never took effect, so this one runs instead.
   */
  claim(clientId: number, key: string, requestHash: string, now: number): Promise<{ claimed: true } | { claimed: false; row: KeyRow }>;
  /** Extends the running request's lease. */
  renew(clientId: number, key: string, now: number): Promise<void>;
  /** Inside the request's write transaction: its write is in the database from this commit on. */
  markCommitted(tx: EntityManager, clientId: number, key: string, now: number): Promise<void>;
  /** Keeps the answer for retries. */
  save(clientId: number, key: string, answer: StoredAnswer): Promise<void>;
  /**
   * The request ends without an answer to keep: the key is freed if its write never committed (a retry
   * may run it), else its lease lapses now and retries learn that the outcome is unknown.
   */
  finish(clientId: number, key: string, now: number): Promise<void>;
  /** Removes expired keys; returns how many. */
  sweep(now: number): Promise<number>;
}

export function idempotencyKeys(orm: MikroORM): IdempotencyKeys {
  const db = () => orm.em.getKysely<DB>();
  const row = (clientId: number, key: string) => ({ client_id: clientId, key });
  return {
    async claim(clientId, key, requestHash, now) {
      const at = new Date(now);
      const claimed = await db()
        .insertInto('idempotency_keys')
        .values({
          ...row(clientId, key),
          request_hash: requestHash,
          created_at: at,
          expires_at: new Date(now + IDEMPOTENCY_TTL_MS),
          locked_until: new Date(now + LEASE_MS),
        })
        .onConflict((oc) =>
          oc
            .columns(['client_id', 'key'])
            .doUpdateSet({
              request_hash: (eb) => eb.ref('excluded.request_hash'),
              body_hash: null,
              status: null,
              headers: null,
              body: null,
              created_at: (eb) => eb.ref('excluded.created_at'),
              expires_at: (eb) => eb.ref('excluded.expires_at'),
              locked_until: (eb) => eb.ref('excluded.locked_until'),
              committed_at: null,
            })
            .where((eb) =>
              eb.or([
                eb('idempotency_keys.expires_at', '<=', at),
                eb.and([
                  eb('idempotency_keys.status', 'is', null),
                  eb('idempotency_keys.committed_at', 'is', null),
                  eb('idempotency_keys.locked_until', '<', at),
                  eb('idempotency_keys.request_hash', '=', requestHash),
                ]),
              ]),
            ),
        )
        .returning('client_id')
        .executeTakeFirst();
      if (claimed) return { claimed: true };
      const found = await db()
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'body_hash', 'status', 'headers', 'body', 'locked_until', 'committed_at'])
        .where('client_id', '=', clientId)
        .where('key', '=', key)
        .executeTakeFirst();
      // Swept between the two statements: claim again.
      if (!found) return this.claim(clientId, key, requestHash, now);
      return {
        claimed: false,
        row: {
          requestHash: found.request_hash,
          bodyHash: found.body_hash ?? null,
          status: found.status ?? null,
          headers: (typeof found.headers === 'string' ? JSON.parse(found.headers) : found.headers) ?? null,
          body: found.body ?? null,
          lockedUntil: found.locked_until ? new Date(found.locked_until) : null,
          committedAt: found.committed_at ? new Date(found.committed_at) : null,
        },
      };
    },
    async renew(clientId, key, now) {
      await db()
        .updateTable('idempotency_keys')
        .set({ locked_until: new Date(now + LEASE_MS) })
        .where('client_id', '=', clientId)
        .where('key', '=', key)
        .where('status', 'is', null)
        .execute();
    },
    async markCommitted(tx, clientId, key, now) {
      await tx.execute('update "idempotency_keys" set "committed_at" = coalesce("committed_at", ?) where "client_id" = ? and "key" = ?', [
        new Date(now),
        clientId,
        key,
      ]);
    },
    async save(clientId, key, answer) {
      await db()
        .updateTable('idempotency_keys')
        .set({
          body_hash: answer.bodyHash,
          status: answer.status,
          headers: sql`${JSON.stringify(answer.headers)}::jsonb`,
          body: answer.body,
          locked_until: null,
        })
        .where('client_id', '=', clientId)
        .where('key', '=', key)
        .execute();
    },
    async finish(clientId, key, now) {
      await db()
        .deleteFrom('idempotency_keys')
        .where('client_id', '=', clientId)
        .where('key', '=', key)
        .where('status', 'is', null)
        .where('committed_at', 'is', null)
        .execute();
      await db()
        .updateTable('idempotency_keys')
        .set({ locked_until: new Date(now) })
        .where('client_id', '=', clientId)
        .where('key', '=', key)
        .where('status', 'is', null)
        .execute();
    },
    async sweep(now) {
      const result = await db().deleteFrom('idempotency_keys').where('expires_at', '<=', new Date(now)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

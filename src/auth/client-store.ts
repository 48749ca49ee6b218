import type { MikroORM } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { storedScopes, type Scope } from './scopes.ts';

export interface StoredClient {
  id: number;
  key: string;
  secretHash: string;
  generation: number;
  revoked: boolean;
  userId: number;
  scopes: Scope[];
  publishable: boolean;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

const COLUMNS = ['id', 'key', 'secret_hash', 'generation', 'revoked_at', 'user_id', 'scopes', 'publishable', 'expires_at', 'last_used_at'] as const;

const asDate = (value: unknown): Date | null => (value == null ? null : value instanceof Date ? value : new Date(String(value)));

/**
 * Plain-row reads of API clients for the token endpoint and the Bearer check (hot paths: no hydration).
 * One statement per request reads everything the checks need (scopes, expiry, last use included).
 */
export function createClientStore(orm: MikroORM) {
  const db = () => orm.em.getKysely<DB>();
  const query = () => db().selectFrom('api_clients').select(COLUMNS);
  const toClient = (row: Awaited<ReturnType<ReturnType<typeof query>['executeTakeFirstOrThrow']>>): StoredClient => ({
    id: row.id,
    key: row.key,
    secretHash: row.secret_hash,
    generation: row.generation,
    revoked: row.revoked_at != null,
    userId: row.user_id,
    scopes: storedScopes(row.scopes),
    publishable: row.publishable,
    expiresAt: asDate(row.expires_at),
    lastUsedAt: asDate(row.last_used_at),
  });
  return {
    async byKey(key: string): Promise<StoredClient | undefined> {
      const row = await query().where('key', '=', key).executeTakeFirst();
      return row && toClient(row);
    },
    /**
     * The client for a Bearer check, recording the use in the same statement: a data-modifying CTE sets
     * last_used_at when the client is live (not revoked, not expired, same generation as the token) and
     * its last_used_at is over a minute old (or unset). So auth stays one statement per request, and the
     * row is written at most once a minute per client, whatever the number of requests or replicas.
     * The row returned is read before that update (last_used_at as it was).
     */
    async forRequest(id: number, generation: number, at: Date): Promise<StoredClient | undefined> {
      const stale = new Date(at.getTime() - LAST_USED_RESOLUTION_MS);
      const row = await db()
        .with('touched', (qb) =>
          qb
            .updateTable('api_clients')
            .set({ last_used_at: at })
            .where('id', '=', id)
            .where('generation', '=', generation)
            .where('revoked_at', 'is', null)
            .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
            .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', stale)]))
            .returning('id'),
        )
        .selectFrom('api_clients')
        .select(COLUMNS)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toClient(row);
    },
  };
}

/** last_used_at is kept to the minute: one write per client per minute, not one per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** True when the client is past its expiry at `now` (ms since the epoch). */
export const isExpired = (client: Pick<StoredClient, 'expiresAt'>, now: number) => client.expiresAt !== null && client.expiresAt.getTime() <= now;

export type ClientStore = ReturnType<typeof createClientStore>;

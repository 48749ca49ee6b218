import type { MikroORM } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import type { TableVersions } from '../cache/versions.ts';
import { storedScopes, type Scope } from './scopes.ts';
import { originsOf } from './origins.ts';

const MAX_CACHED_CLIENTS = 10_000;

export interface StoredClient {
  id: number;
  key: string;
  secretHash: string;
  generation: number;
  revoked: boolean;
  userId: number;
  scopes: Scope[];
  publishable: boolean;
  /** A publishable key's allowed browser origins; null: any. */
  origins: string[] | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

const COLUMNS = ['id', 'key', 'secret_hash', 'generation', 'revoked_at', 'user_id', 'scopes', 'publishable', 'allowed_origins', 'expires_at', 'last_used_at'] as const;

const asDate = (value: unknown): Date | null => (value == null ? null : value instanceof Date ? value : new Date(String(value)));

/**
 * Plain-row reads of API clients for the token endpoint and the Bearer check (hot paths: no hydration).
 * With `versions`, `current(id)` (the Bearer check) answers from a per-process copy while no change to
 * api_clients has been announced since it was read (src/cache/versions.ts), counted after catching up
 * with every change committed before the request (`sync`, shared with the response cache through
 * `memo`); otherwise it reads the row. A revocation acknowledged by any process is therefore seen by
 * every process's next request. The row carries everything the checks need (scopes, expiry, last use).
 */
export function createClientStore(orm: MikroORM, versions?: TableVersions) {
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
    origins: originsOf(row.allowed_origins),
    expiresAt: asDate(row.expires_at),
    lastUsedAt: asDate(row.last_used_at),
  });
  const copies = new Map<number, { client: StoredClient | undefined; epoch: number; version: number }>();
  return {
    async byKey(key: string): Promise<StoredClient | undefined> {
      const row = await query().where('key', '=', key).executeTakeFirst();
      return row && toClient(row);
    },
    async byId(id: number): Promise<StoredClient | undefined> {
      const row = await query().where('id', '=', id).executeTakeFirst();
      return row && toClient(row);
    },
    async current(id: number, memo: { synced?: Promise<boolean> }): Promise<StoredClient | undefined> {
      if (!versions) return this.byId(id);
      const cached = copies.get(id);
      // The round trip on the listening session is shared with concurrent requests and uses no pooled
      // connection: cheaper than the row.
      if (cached && (await (memo.synced ??= versions.sync()))) {
        if (cached.epoch === versions.epoch && cached.version === versions.version('api_clients')) return cached.client;
      }
      const { epoch } = versions;
      const version = versions.version('api_clients');
      const live = versions.live;
      const client = await this.byId(id);
      if (live) {
        if (copies.size >= MAX_CACHED_CLIENTS) copies.clear();
        copies.set(id, { client, epoch, version });
      } else copies.delete(id);
      return client;
    },
    /**
     * Records a use of a live client (same generation, not revoked, not expired) whose last_used_at is
     * over a minute old or unset. The caller only asks when its copy says so, and the condition is
     * checked again in the row: one write per client per minute, whatever the number of requests or
     * replicas (the write announces api_clients, so every process re-reads the row once).
     * Bookkeeping, never a reason to fail the request: concurrent first uses of one client race for the
     * row, and under SERIALIZABLE (or REPEATABLE READ) the loser's update is a serialization failure —
     * the winner has recorded the use. Any other failure shows again in the request's own statements.
     */
    async touch(id: number, generation: number, at: Date): Promise<void> {
      const stale = new Date(at.getTime() - LAST_USED_RESOLUTION_MS);
      await db()
        .updateTable('api_clients')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where('generation', '=', generation)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', stale)]))
        .execute()
        .catch(() => undefined);
    },
  };
}

/** last_used_at is kept to the minute: one write per client per minute, not one per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** True when the client is past its expiry at `now` (ms since the epoch). */
export const isExpired = (client: Pick<StoredClient, 'expiresAt'>, now: number) => client.expiresAt !== null && client.expiresAt.getTime() <= now;

/** True when a use at `now` should be recorded (see touch). */
export const useIsUnrecorded = (client: Pick<StoredClient, 'lastUsedAt'>, now: number) =>
  client.lastUsedAt === null || now - client.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;

export type ClientStore = ReturnType<typeof createClientStore>;

import type { MikroORM } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import type { TableVersions } from '../cache/versions.ts';

const MAX_CACHED_CLIENTS = 10_000;

export interface StoredClient {
  id: number;
  key: string;
  secretHash: string;
  generation: number;
  revoked: boolean;
  userId: number;
}

/**
 * Plain-row reads of API clients for the token endpoint and the Bearer check (hot paths: no hydration).
 * With `versions`, `current(id)` (the Bearer check) answers from a per-process copy while no change to
 * api_clients has been announced since it was read (src/cache/versions.ts), counted after catching up
 * with every change committed before the request (`sync`, shared with the response cache through
 * `memo`); otherwise it reads the row. A revocation acknowledged by any process is therefore seen by
 * every process's next request.
 */
export function createClientStore(orm: MikroORM, versions?: TableVersions) {
  const query = () =>
    orm.em
      .getKysely<DB>()
      .selectFrom('api_clients')
      .select(['id', 'key', 'secret_hash', 'generation', 'revoked_at', 'user_id']);
  const toClient = (row: Awaited<ReturnType<ReturnType<typeof query>['executeTakeFirstOrThrow']>>): StoredClient => ({
    id: row.id,
    key: row.key,
    secretHash: row.secret_hash,
    generation: row.generation,
    revoked: row.revoked_at != null,
    userId: row.user_id,
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
  };
}

export type ClientStore = ReturnType<typeof createClientStore>;

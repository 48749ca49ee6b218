import type { MikroORM } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';

export interface StoredClient {
  id: number;
  key: string;
  secretHash: string;
  generation: number;
  revoked: boolean;
  userId: number;
}

/** Plain-row reads of API clients for the token endpoint and the Bearer check (hot paths: no hydration). */
export function createClientStore(orm: MikroORM) {
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
  return {
    async byKey(key: string): Promise<StoredClient | undefined> {
      const row = await query().where('key', '=', key).executeTakeFirst();
      return row && toClient(row);
    },
    async byId(id: number): Promise<StoredClient | undefined> {
      const row = await query().where('id', '=', id).executeTakeFirst();
      return row && toClient(row);
    },
  };
}

export type ClientStore = ReturnType<typeof createClientStore>;

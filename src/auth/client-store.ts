import type { MikroORM } from '@mikro-orm/sql';
import type { InferKyselyDB } from '@mikro-orm/sql';
import type { ApiClientSchema } from '../entities/api-client.ts';

type DB = InferKyselyDB<typeof ApiClientSchema>;

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
  const db = () => orm.em.getKysely<DB>();
  const columns = ['id', 'key', 'secret_hash', 'generation', 'revoked_at', 'user_id'] as const;
  const toClient = (row: { id: number; key: string; secret_hash: string; generation: number; revoked_at: Date | null; user_id: number }): StoredClient => ({
    id: row.id,
    key: row.key,
    secretHash: row.secret_hash,
    generation: row.generation,
    revoked: row.revoked_at !== null,
    userId: row.user_id,
  });
  return {
    async byKey(key: string): Promise<StoredClient | undefined> {
      const row = await db().selectFrom('api_clients').select(columns).where('key', '=', key).executeTakeFirst();
      return row && toClient(row);
    },
    async byId(id: number): Promise<StoredClient | undefined> {
      const row = await db().selectFrom('api_clients').select(columns).where('id', '=', id).executeTakeFirst();
      return row && toClient(row);
    },
  };
}

export type ClientStore = ReturnType<typeof createClientStore>;

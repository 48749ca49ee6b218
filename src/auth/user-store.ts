import type { MikroORM } from '@mikro-orm/sql';
import { sql } from 'kysely';
import type { DB } from '../db/schema.ts';

export interface StoredUser {
  id: number;
  passwordHash: string | null;
  passwordGeneration: number;
  blocked: boolean;
  isAdmin: boolean;
}

/** Plain-row reads of users for the password grant and the Bearer check of password-grant tokens. */
export function createUserStore(orm: MikroORM) {
  const db = () => orm.em.getKysely<DB>();
  const query = () => db().selectFrom('users').select(['id', 'password_hash', 'password_generation', 'allowed_state', 'is_admin']);
  const toUser = (row: Awaited<ReturnType<ReturnType<typeof query>['executeTakeFirstOrThrow']>>): StoredUser => ({
    id: row.id,
    passwordHash: row.password_hash ?? null,
    passwordGeneration: row.password_generation,
    blocked: row.allowed_state === 'blocked',
    isAdmin: row.is_admin,
  });
  return {
    /** Email addresses are stored lower-cased; the username a client sends may not be. */
    async byEmail(email: string): Promise<StoredUser | undefined> {
      const row = await query().where(sql<boolean>`lower(email_address) = ${email.trim().toLowerCase()}`).executeTakeFirst();
      return row && toUser(row);
    },
    async byId(id: number): Promise<StoredUser | undefined> {
      const row = await query().where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },
    async recordLogin(id: number, at: Date): Promise<void> {
      await db().updateTable('users').set({ last_login: at }).where('id', '=', id).execute();
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;

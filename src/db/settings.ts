import type { MikroORM } from '@mikro-orm/sql';
import { nowOf } from './clock.ts';
import type { DB } from './schema.ts';

/**
 * A deployment-wide value kept in `settings` (the token signing key, the rate-limit namespace): made by
 * `make` on first need and stored, so restarts and every replica agree. Concurrent first starts race
 * on the insert; everyone reads back the winner.
 */
export async function settingOnce(orm: MikroORM, key: string, make: () => string): Promise<string> {
  const db = orm.em.getKysely<DB>();
  await db
    .insertInto('settings')
    .values({ key, value: make(), created_at: nowOf(orm.em) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

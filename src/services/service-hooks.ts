import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { nowOf } from '../db/clock.ts';
import { writeTransaction } from '../db/transaction.ts';
import { RecordNotFoundError } from '../errors.ts';
import type { serviceHooks } from '../resources/service-hooks.ts';
import type { WriteInput } from '../schema/write.ts';
import { hookTargetProblem } from './hook-targets.ts';

/** A secret for a hook created without one: 32 random bytes, prefixed so it is recognisable in a vault. */
export const newHookSecret = () => `whsec_${randomBytes(32).toString('hex')}`;

/**
 * Creates (id undefined) or updates a hook; answers its id and, on create, its secret (shown once).
 * Unless `allowPrivate`, a URL whose host is or resolves to a private address is a 422 (hook-targets.ts).
 */
export async function saveServiceHook(
  em: EntityManager,
  id: number | undefined,
  input: WriteInput<typeof serviceHooks>,
  allowPrivate: boolean,
): Promise<{ id: number; secret?: string }> {
  const url = input.get('url');
  const problem = !allowPrivate && typeof url === 'string' ? await hookTargetProblem(url) : undefined;
  input.check(problem ? { url: [problem] } : {});
  return writeTransaction(em, async (tx) => {
    const db = tx.getKysely<DB>();
    const now = nowOf(tx);
    const events = input.get('events');
    if (id === undefined) {
      const secret = input.get('secret') ?? newHookSecret();
      const row = await db
        .insertInto('service_hooks')
        .values({
          url: input.get('url')!,
          events: sql<string[]>`${JSON.stringify(events)}::jsonb`,
          secret,
          active: input.get('active') ?? true,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: row.id, secret };
    }
    const [url, secret, active] = [input.get('url'), input.get('secret'), input.get('active')];
    const changes = {
      ...(url !== undefined ? { url } : {}),
      ...(events ? { events: sql<string[]>`${JSON.stringify(events)}::jsonb` } : {}),
      ...(secret !== undefined ? { secret } : {}),
      ...(typeof active === 'boolean' ? { active } : {}),
    };
    const updated = await db.updateTable('service_hooks').set({ ...changes, updated_at: now }).where('id', '=', id).returning('id').executeTakeFirst();
    if (!updated) throw new RecordNotFoundError();
    return { id };
  });
}

/** Deleting a hook drops its deliveries still to be sent; its delivery log stays. */
export async function deleteServiceHook(em: EntityManager, id: number): Promise<void> {
  await writeTransaction(em, async (tx) => {
    const db = tx.getKysely<DB>();
    const deleted = await db.deleteFrom('service_hooks').where('id', '=', id).returning('id').executeTakeFirst();
    if (!deleted) throw new RecordNotFoundError();
    await db.deleteFrom('service_hook_deliveries').where('hook_id', '=', id).execute();
  });
}

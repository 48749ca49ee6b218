import type { EntityManager } from '@mikro-orm/sql';
import { Category, Forum, Status } from '../entities/index.ts';
import { RecordNotFoundError } from '../errors.ts';
import type { categories } from '../resources/categories.ts';
import type { statuses } from '../resources/statuses.ts';
import type { WriteInput } from '../schema/write.ts';
import type { DB } from '../db/schema.ts';
import { assignScalars } from './assign.ts';
import { recountListings } from './counters.ts';
import { writeTransaction } from '../db/transaction.ts';
import { sqlNow } from '../db/clock.ts';

/** Categories and statuses: the structure suggestions are filed under (forums: services/crud.ts). */

async function found<T extends object>(promise: Promise<T | null>): Promise<T> {
  const entity = await promise;
  if (!entity) throw new RecordNotFoundError();
  return entity;
}

/**
 * Suggestions a catalog change rewrites (a foreign key set to null), locked in id order before anything
 * else is written: the order suggestion writes lock them in.
 */
async function lockFiledUnder(tx: EntityManager, column: 'category_id' | 'status_id', id: number): Promise<void> {
  await tx.getKysely<DB>().selectFrom('suggestions').select('id').where(column, '=', id).orderBy('id').forNoKeyUpdate().execute();
}

async function forumFor(tx: EntityManager, input: WriteInput<typeof categories>): Promise<Forum | undefined> {
  const forum = input.has('links.forum') ? await tx.findOne(Forum, input.get('links.forum')!) : undefined;
  input.check(forum === null ? { 'links.forum': ['does not exist'] } : {});
  return forum ?? undefined;
}

export async function saveCategory(em: EntityManager, id: number | undefined, input: WriteInput<typeof categories>): Promise<number> {
  return writeTransaction(em, async (tx) => {
    const forum = await forumFor(tx, input);
    const category =
      id === undefined ? tx.create(Category, { name: input.get('name')!, forum: forum! }) : await found(tx.findOne(Category, id));
    const movedForum = id !== undefined && forum && forum.id !== category.forum.id;
    if (movedForum) await lockFiledUnder(tx, 'category_id', category.id);
    assignScalars(category, input);
    if (forum) category.forum = forum;
    await tx.flush();
    if (movedForum) {
      // Suggestions stay in their forum; a category of another forum no longer applies to them.
      await tx.getKysely<DB>().updateTable('suggestions').set({ category_id: null, updated_at: sqlNow }).where('category_id', '=', category.id).execute();
      await recountListings(tx.getKysely());
    }
    return category.id;
  });
}

export async function deleteCategory(em: EntityManager, id: number): Promise<void> {
  await writeTransaction(em, async (tx) => {
    const category = await found(tx.findOne(Category, id));
    await lockFiledUnder(tx, 'category_id', id);
    tx.remove(category);
    await tx.flush();
  });
}

/** Whether a status is open decides which suggestions count as open, so changing it recounts. */
export async function saveStatus(em: EntityManager, id: number | undefined, input: WriteInput<typeof statuses>): Promise<number> {
  input.check();
  return writeTransaction(em, async (tx) => {
    const status = id === undefined ? tx.create(Status, { name: input.get('name')! }) : await found(tx.findOne(Status, id));
    const wasOpen = id === undefined ? undefined : status.isOpen;
    assignScalars(status, input);
    await tx.flush();
    if (wasOpen !== undefined && wasOpen !== status.isOpen) await recountListings(tx.getKysely());
    return status.id;
  });
}

export async function deleteStatus(em: EntityManager, id: number): Promise<void> {
  await writeTransaction(em, async (tx) => {
    const status = await found(tx.findOne(Status, id));
    await lockFiledUnder(tx, 'status_id', id);
    tx.remove(status);
    await tx.flush();
    await recountListings(tx.getKysely());
  });
}

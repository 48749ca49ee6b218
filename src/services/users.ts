import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { User } from '../entities/index.ts';
import { RecordNotFoundError } from '../http/errors.ts';
import type { Input } from '../http/input.ts';
import { writeTransaction } from '../db/transaction.ts';

/** POST /admin/users/find_or_create: by email (case-insensitive); a concurrent create of the same email wins once. */
export async function findOrCreateUser(em: EntityManager, input: Input): Promise<number> {
  const email = input.check().get('email') as string;
  const existing = await em.findOne(User, { emailAddress: email });
  if (existing) return existing.id;
  try {
    return await writeTransaction(em, async (tx) => {
      const user = tx.create(User, { emailAddress: email, name: (input.get('name') as string | null | undefined) ?? null });
      await tx.flush();
      return user.id;
    });
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    const winner = await em.fork().findOne(User, { emailAddress: email });
    if (!winner) throw error;
    return winner.id;
  }
}

export async function setUserBlocked(em: EntityManager, id: number, blocked: boolean): Promise<number> {
  return writeTransaction(em, async (tx) => {
    const user = await tx.findOne(User, id);
    if (!user) throw new RecordNotFoundError();
    user.allowedState = blocked ? 'blocked' : 'allowed';
    await tx.flush();
    return user.id;
  });
}

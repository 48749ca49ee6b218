import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { User } from '../entities/index.ts';
import { hashPassword, passwordProblem } from '../auth/passwords.ts';
import { RecordNotFoundError, ValidationError } from '../errors.ts';
import type { users } from '../resources/users.ts';
import type { InputOf, WriteInput } from '../schema/write.ts';
import { Input } from '../schema/input.ts';
import { writeTransaction } from '../db/transaction.ts';
import type { DB } from '../db/schema.ts';

/** POST /admin/users/find_or_create: by email (case-insensitive); a concurrent create of the same email wins once. */
export async function findOrCreateUser(em: EntityManager, input: WriteInput<typeof users>): Promise<number> {
  const email = input.check().get('email')!;
  const existing = await em.findOne(User, { emailAddress: email });
  if (existing) return existing.id;
  try {
    return await writeTransaction(em, async (tx) => {
      const user = tx.create(User, { emailAddress: email, name: input.get('name') ?? null });
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

/**
 * The end user a publishable key's feedback comes from (UserVoice's widget identifies its visitor by
 * email): found by address, or created with no rights. Undefined when the address is someone a public
 * key must not act as: an admin or the owner, a user with a permission grant, or a blocked user.
 */
export async function publicSubmitter(em: EntityManager, email: string, name: string | null): Promise<number | undefined> {
  const id = await findOrCreateUser(em, new Input([['email', email], ['name', name]]));
  const user = await em
    .getKysely<DB>()
    .selectFrom('users')
    .leftJoin('permissions', 'permissions.user_id', 'users.id')
    .select(['users.is_admin', 'users.is_owner', 'users.allowed_state', 'permissions.id as permission'])
    .where('users.id', '=', id)
    .executeTakeFirst();
  const elevated = !user || user.is_admin || user.is_owner || user.allowed_state === 'blocked' || user.permission != null;
  return elevated ? undefined : id;
}

export async function setUserBlocked(em: EntityManager, id: number, blocked: boolean): Promise<number> {
  return writeTransaction(em, async (tx) => {
    const user = await tx.findOne(User, id);
    if (!user) throw new RecordNotFoundError();
    user.allowedState = blocked ? 'blocked' : 'allowed';
    // Blocking ends the user's password-grant tokens for good; unblocking does not revive them.
    if (blocked) user.passwordGeneration += 1;
    await tx.flush();
    return user.id;
  });
}

/** `password` of a users write: a new hash (null clears it), or the field's Rails-style error. */
async function passwordChange(input: WriteInput<typeof users>): Promise<{ hash?: string | null; errors: Record<string, string[]> }> {
  if (!input.has('password')) return { errors: {} };
  const password = input.get('password')!;
  if (password === null) return { hash: null, errors: {} };
  const problem = passwordProblem(password);
  if (problem) return { errors: { password: [problem] } };
  // Hashed before any transaction: the slow part must not hold a connection (PGlite has one).
  return { hash: await hashPassword(password), errors: {} };
}

async function emailTaken(em: EntityManager, email: string, except?: number): Promise<boolean> {
  const other = await em.findOne(User, { emailAddress: email }, { fields: ['id'] });
  return other !== null && other.id !== except;
}

/**
 * POST /admin/users (name, email, password) and PUT /admin/users/{id}. A new password (or null, which
 * removes it) bumps the user's password generation, so their password-grant tokens stop working.
 */
export async function saveUser(em: EntityManager, id: number | undefined, input: WriteInput<typeof users>): Promise<number> {
  const password = input.errors.password ? { errors: {} } : await passwordChange(input);
  const errors: Record<string, string[]> = { ...password.errors };
  const email = input.get('email');
  if (email !== undefined && !input.errors.email && (await emailTaken(em, email, id))) errors.email = ['has already been taken'];
  input.check(errors);
  try {
    return await writeTransaction(em, async (tx) => {
      const user = id === undefined ? tx.create(User, { emailAddress: email! }) : await tx.findOne(User, id);
      if (!user) throw new RecordNotFoundError();
      if (email !== undefined) user.emailAddress = email;
      if (input.has('name')) user.name = input.get('name')!;
      if (password.hash !== undefined) {
        user.passwordHash = password.hash;
        if (id !== undefined) user.passwordGeneration += 1;
      }
      await tx.flush();
      return user.id;
    });
  } catch (error) {
    // Two writes of one new address at once: the unique index decides, as the check above would have.
    if (error instanceof UniqueConstraintViolationException) throw new ValidationError({ email: ['has already been taken'] });
    throw error;
  }
}

export class UserNotFoundError extends Error {
  constructor(email: string) {
    super(`No user with the email address "${email}"`);
  }
}

/** The CLI's `users set-password EMAIL`: throws UserNotFoundError, or ValidationError for a bad password. */
export async function setPasswordByEmail(em: EntityManager, email: string, password: string): Promise<number> {
  const user = await em.findOne(User, { emailAddress: email.trim().toLowerCase() }, { fields: ['id'] });
  if (!user) throw new UserNotFoundError(email);
  const input = new Input<InputOf<typeof users>>([['password', password]]);
  return saveUser(em, user.id, input);
}

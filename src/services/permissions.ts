import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { writeTransaction } from '../db/transaction.ts';
import type { EntityManager } from '@mikro-orm/sql';
import { Permission, User } from '../entities/index.ts';
import { ValidationError } from '../errors.ts';
import type { permissions, permissionUpdates } from '../resources/permissions.ts';
import type { WriteInput } from '../schema/write.ts';
import { found } from './found.ts';
import { nowOf } from '../db/clock.ts';

/** What existing admins were migrated to, and what the account owner gets (plus `settings: manage_account`). */
export const FULL_ACCESS = {
  licenseType: 'fullaccess_admin',
  feedback: 'manage',
  features: 'manage',
  knowledgebase: 'manage',
  settings: 'manage',
  tickets: 'manage',
} as const;

/** The owner's record, created with the owner (auth/clients.ts) and by the demo data. */
export function ownerPermission(em: EntityManager, owner: User): Permission {
  return em.create(Permission, { ...FULL_ACCESS, settings: 'manage_account', user: owner });
}

const LEVELS = [
  ['license_type', 'licenseType'],
  ['feedback', 'feedback'],
  ['features', 'features'],
  ['knowledgebase', 'knowledgebase'],
  ['settings', 'settings'],
  ['tickets', 'tickets'],
  ['reply_to', 'replyTo'],
] as const;

/** Copies the levels sent; answers whether any changed. */
function assignLevels(permission: Permission, input: WriteInput<typeof permissionUpdates>): boolean {
  const record = permission as unknown as Record<string, unknown>;
  let changed = false;
  for (const [wire, prop] of LEVELS) {
    if (!input.has(wire) || record[prop] === input.get(wire)) continue;
    record[prop] = input.get(wire);
    changed = true;
  }
  return changed;
}

const ALREADY = { email: ['already has a permission record; change it with PUT /admin/permissions/{id}'] };

/**
 * POST /admin/permissions: the user with this email (created if there is none) becomes an admin with
 * this license. Levels not sent take UserVoice's documented defaults (entities/permission.ts).
 */
export async function createPermission(em: EntityManager, input: WriteInput<typeof permissions>): Promise<number> {
  input.check();
  const email = input.get('email')!;
  try {
    return await writeTransaction(em, async (tx) => {
      const user = (await tx.findOne(User, { emailAddress: email })) ?? tx.create(User, { emailAddress: email });
      if (user.id !== undefined && (await tx.count(Permission, { user })) > 0) throw new ValidationError(ALREADY);
      user.isAdmin = true;
      // The user's `permissions` and `is_admin` change with this record.
      user.updatedAt = nowOf(tx);
      const permission = tx.create(Permission, { licenseType: input.get('license_type')!, user });
      assignLevels(permission, input);
      await tx.flush();
      return permission.id;
    });
  } catch (error) {
    // The same address made an admin (or a user) by two requests at once.
    if (error instanceof UniqueConstraintViolationException) throw new ValidationError(ALREADY);
    throw error;
  }
}

/** PUT /admin/permissions/{id}: changes the license and levels; the user's record shows them at once. */
export async function updatePermission(em: EntityManager, id: number, input: WriteInput<typeof permissionUpdates>): Promise<number> {
  input.check();
  return writeTransaction(em, async (tx) => {
    const permission = await found(tx.findOne(Permission, id, { populate: ['user'] }));
    if (assignLevels(permission, input)) permission.user.updatedAt = nowOf(tx);
    await tx.flush();
    return permission.id;
  });
}

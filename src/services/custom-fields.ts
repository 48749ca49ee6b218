import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { writeTransaction } from '../db/transaction.ts';
import type { EntityManager } from '@mikro-orm/sql';
import { CustomField } from '../entities/index.ts';
import { ValidationError } from '../errors.ts';
import type { customFields } from '../resources/custom-fields.ts';
import type { WriteInput } from '../schema/write.ts';
import { CUSTOM_FIELD_KEY } from '../resources/custom-fields.ts';
import { assignScalars } from './assign.ts';
import { found } from './found.ts';

const KEY_TAKEN = { key: ['has already been taken'] };

/** Creates (name, key, field_type, object_type) or updates (name, key); a key is unique per object type. */
export async function saveCustomField(em: EntityManager, id: number | undefined, input: WriteInput<typeof customFields>): Promise<number> {
  const key = input.get('key');
  input.check(typeof key === 'string' && !CUSTOM_FIELD_KEY.test(key) ? { key: ['may contain only letters, digits and underscores'] } : {});
  try {
    return await writeTransaction(em, async (tx) => {
      const existing = id === undefined ? undefined : await found(tx.findOne(CustomField, id));
      // Checked before anything is created or changed: a query would flush pending changes first.
      const objectType = existing?.objectType ?? (input.get('object_type')!);
      const newKey = key ?? existing!.key;
      if (await tx.findOne(CustomField, { objectType, key: newKey, ...(id === undefined ? {} : { id: { $ne: id } }) })) throw new ValidationError(KEY_TAKEN);
      const field =
        existing ??
        tx.create(CustomField, {
          name: input.get('name')!,
          key: newKey,
          fieldType: input.get('field_type')!,
          objectType,
        });
      assignScalars(field, input);
      await tx.flush();
      return field.id;
    });
  } catch (error) {
    // Two requests creating the same key at once: the loser learns it the Rails way.
    if (error instanceof UniqueConstraintViolationException) throw new ValidationError(KEY_TAKEN);
    throw error;
  }
}

export async function deleteCustomField(em: EntityManager, id: number): Promise<void> {
  await writeTransaction(em, async (tx) => {
    tx.remove(await found(tx.findOne(CustomField, id)));
    await tx.flush();
  });
}

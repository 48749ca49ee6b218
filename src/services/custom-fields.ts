import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { CustomField } from '../entities/index.ts';
import { ValidationError } from '../http/errors.ts';
import type { Input } from '../http/input.ts';
import { CUSTOM_FIELD_KEY } from '../resources/custom-fields.ts';
import { assignScalars } from './assign.ts';
import { found } from './found.ts';

const KEY_TAKEN = { key: ['has already been taken'] };

/** Creates (name, key, field_type, object_type) or updates (name, key); a key is unique per object type. */
export async function saveCustomField(em: EntityManager, id: number | undefined, input: Input): Promise<number> {
  const key = input.get('key');
  input.check(typeof key === 'string' && !CUSTOM_FIELD_KEY.test(key) ? { key: ['may contain only letters, digits and underscores'] } : {});
  try {
    return await em.transactional(async (tx) => {
      const field =
        id === undefined
          ? tx.create(CustomField, {
              name: input.get('name') as string,
              key: key as string,
              fieldType: input.get('field_type') as string,
              objectType: input.get('object_type') as string,
            })
          : await found(tx.findOne(CustomField, id));
      assignScalars(field, input);
      const clash = await tx.findOne(CustomField, { objectType: field.objectType, key: field.key, ...(id === undefined ? {} : { id: { $ne: id } }) });
      if (clash) throw new ValidationError(KEY_TAKEN);
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
  await em.transactional(async (tx) => {
    tx.remove(await found(tx.findOne(CustomField, id)));
    await tx.flush();
  });
}

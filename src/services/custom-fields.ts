import type { EntityManager } from '@mikro-orm/sql';
import { CustomField } from '../entities/index.ts';
import { ValidationError } from '../errors.ts';
import { CUSTOM_FIELD_KEY, type customFields } from '../resources/custom-fields.ts';
import type { CrudRules } from './crud.ts';

const KEY_TAKEN = { key: ['has already been taken'] };

/**
 * Custom fields are written by the generic service (services/crud.ts): created with name, key,
 * field_type and object_type, updated in name and key; a key is unique per object type. Two requests
 * creating the same key at once: the loser learns it the Rails way (`taken`).
 */
export const customFieldRules: CrudRules<typeof customFields, CustomField> = {
  check(input): Record<string, string[]> {
    const key = input.get('key');
    return typeof key === 'string' && !CUSTOM_FIELD_KEY.test(key) ? { key: ['may contain only letters, digits and underscores'] } : {};
  },
  async prepare(tx: EntityManager, input, existing) {
    const key = input.get('key');
    // A create has both (required); an update keeps the object type and may keep the key.
    const objectType = existing?.objectType ?? input.get('object_type')!;
    const newKey = key ?? existing!.key;
    if (await tx.findOne(CustomField, { objectType, key: newKey, ...(existing ? { id: { $ne: existing.id } } : {}) })) throw new ValidationError(KEY_TAKEN);
  },
  taken: KEY_TAKEN,
};

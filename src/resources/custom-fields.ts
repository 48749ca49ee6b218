import { nameAndKeySorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';
import { oneOf } from './writable.ts';

export const CUSTOM_FIELD_TYPES = ['boolean', 'timestamp', 'string', 'text', 'number'] as const;
export const CUSTOM_FIELD_OBJECTS = ['external_users', 'external_accounts', 'features'] as const;
/** Keys become value names (`cf_<key>`), so they are kept to letters, digits and underscores. */
export const CUSTOM_FIELD_KEY = /^[A-Za-z0-9_]+$/;

export const customFields = defineResource({
  type: 'custom_fields',
  singular: 'custom_field',
  table: 'custom_fields',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'key', type: 'string' },
    { name: 'field_type', type: 'string' },
    { name: 'object_type', type: 'string' },
    // Airbyte's schema lists it without a value; UserVoice's field types are not combined with anything
    // we hold, so it repeats field_type (README).
    { name: 'combined_type', type: 'string', value: (row) => row.field_type, uses: ['field_type'] },
    ...timestamps,
  ],
  links: [],
  filters: {
    object_type: { kind: 'values', column: 'object_type', values: CUSTOM_FIELD_OBJECTS },
    key: { kind: 'values', column: 'key' },
  },
  sorts: nameAndKeySorts,
  writable: {
    name: { type: 'string', max: 255, required: true },
    key: { type: 'string', max: 100, required: true },
    field_type: oneOf(CUSTOM_FIELD_TYPES, { required: true }),
    object_type: oneOf(CUSTOM_FIELD_OBJECTS, { required: true }),
  },
});

/** PUT changes the name and key only (UserVoice's update takes no types). (A variant, not a served resource: no defineResource.) */
export const customFieldUpdates = {
  ...customFields,
  writable: { name: customFields.writable!.name, key: customFields.writable!.key },
};

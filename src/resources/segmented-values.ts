import { nameAndKeySorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';
import { oneOf } from './writable.ts';

export const SEGMENTED_COLUMN_TYPES = ['users_count', 'accounts_count', 'mrr'] as const;
/** Features carry `cv_<segment key>.<column type>` values (Airbyte's features and suggestions schemas). */
export const SEGMENTED_OBJECT_TYPES = ['features', 'suggestions'] as const;

/** `/admin/segmented_values` (the tap's and Airbyte's name for the 2018 SDK's filtered_columns). */
export const segmentedValues = defineResource({
  type: 'segmented_values',
  singular: 'segmented_value',
  table: 'segmented_values',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'key', type: 'string' },
    { name: 'object_type', type: 'string' },
    { name: 'column_type', type: 'string' },
    ...timestamps,
  ],
  links: [
    { name: 'segment', type: 'segments', column: 'segment_id' },
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'updated_by', type: 'users', column: 'updated_by_id' },
  ],
  filters: {
    segment: { kind: 'ids', column: 'segment_id' },
    object_type: { kind: 'values', column: 'object_type', values: SEGMENTED_OBJECT_TYPES },
    key: { kind: 'values', column: 'key' },
    column_type: { kind: 'values', column: 'column_type', values: SEGMENTED_COLUMN_TYPES },
  },
  sorts: nameAndKeySorts,
  writable: {
    name: { type: 'string', max: 255, required: true },
    // Unique per object type; `<segment key>.<column_type>` when absent, so example bodies send one.
    key: { type: 'string', max: 255, example: 'example_key' },
    object_type: oneOf(SEGMENTED_OBJECT_TYPES),
    column_type: oneOf(SEGMENTED_COLUMN_TYPES, { required: true }),
    // The SDK's request model names it `segment_id`; the envelope convention is `links.segment`.
    // One of the two is needed on create (services/segments.ts); example bodies send this one.
    'links.segment': { type: 'ref', example: 1 },
    segment_id: { type: 'ref' },
  },
});

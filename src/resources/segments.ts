import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';
import { expressionRule } from './writable.ts';

export const segments = defineResource({
  type: 'segments',
  singular: 'segment',
  table: 'segments',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'key', type: 'string' },
    { name: 'filters', type: 'object' },
    ...timestamps,
  ],
  links: [
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'updated_by', type: 'users', column: 'updated_by_id' },
  ],
  filters: {
    created_by: { kind: 'ids', column: 'created_by_id' },
  },
  sorts: {
    ...baseSorts,
    name: { column: 'name', type: 'string' },
    key: { column: 'key', type: 'string' },
  },
  // The SDK's one list that defaults to ascending ids.
  defaultSort: 'id',
  writable: {
    name: { type: 'string', max: 255, required: true },
    filters: expressionRule(),
  },
});

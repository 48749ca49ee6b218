import { statusFields, nameAndPositionSorts, statusWritable, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const statuses = defineResource({
  type: 'statuses',
  singular: 'status',
  table: 'statuses',
  fields: [
    ...statusFields,
    { name: 'is_open', type: 'boolean' },
    { name: 'allow_comments', type: 'boolean' },
    ...timestamps,
  ],
  links: [],
  sorts: nameAndPositionSorts,
  writable: {
    ...statusWritable,
    is_open: { type: 'boolean' },
    allow_comments: { type: 'boolean' },
  },
});

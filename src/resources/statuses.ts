import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const statuses = defineResource({
  type: 'statuses',
  singular: 'status',
  table: 'statuses',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'hex_color', type: 'string' },
    { name: 'position', type: 'integer' },
    { name: 'is_open', type: 'boolean' },
    { name: 'allow_comments', type: 'boolean' },
    ...timestamps,
  ],
  links: [],
  sorts: {
    ...baseSorts,
    name: { column: 'name', type: 'string' },
    position: { column: 'position', type: 'integer' },
  },
  writable: {
    name: { type: 'string', max: 255, required: true },
    hex_color: { type: 'color' },
    position: { type: 'integer' },
    is_open: { type: 'boolean' },
    allow_comments: { type: 'boolean' },
  },
});

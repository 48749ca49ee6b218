import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** UserVoice serves product areas read-only (`name`, links `created_by`, `updated_by`); writes are our extension. */
export const productAreas = defineResource({
  type: 'product_areas',
  singular: 'product_area',
  table: 'product_areas',
  fields: [{ name: 'name', type: 'string' }, ...timestamps],
  links: [
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'updated_by', type: 'users', column: 'updated_by_id' },
  ],
  sorts: { ...baseSorts, name: { column: 'name', type: 'string' } },
  writable: {
    name: { type: 'string', max: 255, required: true },
  },
});

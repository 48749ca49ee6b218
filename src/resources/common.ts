import type { SortDef } from './define.ts';

/** Sorts every collection offers. */
export const baseSorts: Record<string, SortDef> = {
  created_at: { column: 'created_at', type: 'timestamp' },
  updated_at: { column: 'updated_at', type: 'timestamp' },
};

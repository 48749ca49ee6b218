import type { FieldDef, SortDef } from './define.ts';

/** Sorts every collection offers. */
export const baseSorts: Record<string, SortDef> = {
  created_at: { column: 'created_at', type: 'timestamp' },
  updated_at: { column: 'updated_at', type: 'timestamp' },
};

/** Every record's timestamps, the last fields on the wire (UserVoice's order). */
export const timestamps: FieldDef[] = [
  { name: 'created_at', type: 'timestamp' },
  { name: 'updated_at', type: 'timestamp' },
];

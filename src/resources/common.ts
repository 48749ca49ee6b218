import type { FieldDef, LinkDef, ResourceDef, SortDef } from './define.ts';

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

/**
 * A status of any kind (suggestion, internal, feature): a name, a colour and a place in the order, sorted
 * by either; the fields come first on the wire, the kind's own flags after them.
 */
export const statusFields: FieldDef[] = [
  { name: 'name', type: 'string' },
  { name: 'hex_color', type: 'string' },
  { name: 'position', type: 'integer' },
];
/** Sorts of anything kept in an order by hand (statuses, features). */
export const nameAndPositionSorts: Record<string, SortDef> = {
  ...baseSorts,
  name: { column: 'name', type: 'string' },
  position: { column: 'position', type: 'integer' },
};
export const statusWritable = {
  name: { type: 'string', max: 255, required: true },
  hex_color: { type: 'color' },
  position: { type: 'integer' },
} as const satisfies ResourceDef['writable'];

/** Sorts of records named by people and keyed for machines (custom fields, segmented values). */
export const nameAndKeySorts: Record<string, SortDef> = {
  ...baseSorts,
  name: { column: 'name', type: 'string' },
  key: { column: 'key', type: 'string' },
};

const zero = () => 0;
/**
 * The mail counters of what the team sends a suggestion's supporters (status updates, supporter messages).
 * No mail transport here: nothing is ever sent, so nothing is opened or clicked either.
 */
export const mailCounters: FieldDef[] = [
  { name: 'mail_sent_count', type: 'integer', value: zero },
  { name: 'mail_opened_count', type: 'integer', value: zero },
  { name: 'mail_clicked_count', type: 'integer', value: zero },
];

/** What a team member writes on a suggestion (comments, notes, supporter messages): its text and author. */
export const postFields: FieldDef[] = [
  { name: 'body', type: 'string' },
  { name: 'body_mime_type', type: 'string' },
];
export const postLinks: LinkDef[] = [
  { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
  { name: 'created_by', type: 'users', column: 'created_by_id' },
];
export const postWritable = {
  body: { type: 'text', max: 65_535, required: true },
  body_mime_type: { type: 'mime' },
  'links.suggestion': { type: 'ref', required: true },
} as const satisfies ResourceDef['writable'];

/** `links` and, for each link with a column of its own, an `ids` filter named after it (`?user=1,2` for `links.user`). */
export function linksFiltered(links: LinkDef[]): Pick<ResourceDef, 'links' | 'filters'> {
  return { links, filters: Object.fromEntries(links.flatMap((link) => (link.column ? [[link.name, { kind: 'ids', column: link.column } as const]] : []))) };
}

import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { writeTransaction } from '../db/transaction.ts';
import type { EntityManager } from '@mikro-orm/sql';
import { Segment, SegmentedValue, User } from '../entities/index.ts';
import { ValidationError } from '../errors.ts';
import type { segmentedValues } from '../resources/segmented-values.ts';
import type { segments } from '../resources/segments.ts';
import type { WriteInput } from '../schema/write.ts';
import type { CrudRules } from './crud.ts';
import { found } from './found.ts';

const MAX_KEY = 64;

/** `Enterprise customers (EU)` → `enterprise_customers_eu`: the segment's key, made once from its first name. */
export function keyOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_KEY)
    .replace(/_+$/, '');
  return slug || 'segment';
}

/** `key`, or `key_2`, `key_3`, … whichever no segment has yet. */
async function freeKey(tx: EntityManager, base: string): Promise<string> {
  const taken = new Set((await tx.find(Segment, { key: { $like: `${base.replace(/[\\%_]/g, (c) => `\\${c}`)}%` } }, { fields: ['key'] })).map((s) => s.key));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
}

/**
 * Segments are written by the generic service (services/crud.ts), stamped with the token's user: created
 * with name and filters (the key is made from the first name), updated in name and filters. A segment with
 * segmented values cannot be deleted (they would lose what they count); 422 instead.
 */
export const segmentRules: CrudRules<typeof segments, Segment> = {
  prepare: async (tx, input, existing) => (existing ? {} : { key: await freeKey(tx, keyOf(input.get('name')!)) }),
  async deleting(tx, segment) {
    if ((await tx.count(SegmentedValue, { segment })) > 0) throw new ValidationError({ segment: ['has segmented values; delete them first'] });
  },
  taken: { name: ['makes a key another segment took at the same time; try again'] },
};

const VALUE_KEY_TAKEN = { key: ['has already been taken'] };

/**
 * Creates or updates a segmented value. The segment comes as `links.segment` or `segment_id`; the key,
 * unless given, is `<segment key>.<column_type>` (the name features carry it under: `cv_<key>`).
 */
export async function saveSegmentedValue(em: EntityManager, id: number | undefined, input: WriteInput<typeof segmentedValues>, userId: number): Promise<number> {
  const segmentId = input.get('links.segment') ?? input.get('segment_id');
  try {
    return await writeTransaction(em, async (tx) => {
      const segment = segmentId === undefined ? undefined : await tx.findOne(Segment, segmentId);
      const more: Record<string, string[]> = {};
      if (segment === null) more['links.segment'] = ['does not exist'];
      else if (id === undefined && segment === undefined) more['links.segment'] = ["can't be blank"];
      input.check(more);
      const existing = id === undefined ? undefined : await found(tx.findOne(SegmentedValue, id, { populate: ['segment'] }));
      const target = segment ?? existing!.segment;
      const objectType = input.get('object_type') ?? existing?.objectType ?? 'features';
      const columnType = input.get('column_type') ?? existing!.columnType;
      const sent = input.get('key');
      const key = typeof sent === 'string' ? sent.trim() : existing && sent === undefined ? existing.key : `${target.key}.${columnType}`;
      // Checked before anything is created or changed: a query would flush pending changes first.
      if (await tx.findOne(SegmentedValue, { objectType, key, ...(id === undefined ? {} : { id: { $ne: id } }) })) throw new ValidationError(VALUE_KEY_TAKEN);
      const user = tx.getReference(User, userId);
      const value = existing ?? tx.create(SegmentedValue, { name: input.get('name')!, key, columnType, segment: target, createdBy: user });
      if (input.has('name')) value.name = input.get('name')!;
      Object.assign(value, { objectType, columnType, key, segment: target, updatedBy: user });
      await tx.flush();
      return value.id;
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw new ValidationError(VALUE_KEY_TAKEN);
    throw error;
  }
}

export async function deleteSegmentedValue(em: EntityManager, id: number): Promise<void> {
  await writeTransaction(em, async (tx) => {
    tx.remove(await found(tx.findOne(SegmentedValue, id)));
    await tx.flush();
  });
}

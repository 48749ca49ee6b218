import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Segment } from './segment.ts';
import { User } from './user.ts';

/** A per-segment aggregate column on features or suggestions (users_count, accounts_count or mrr of that segment). */
export const SegmentedValueSchema = defineEntity({
  name: 'SegmentedValue',
  tableName: 'segmented_values',
  uniques: [{ properties: ['objectType', 'key'] }],
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    key: p.string().length(255),
    objectType: p.string().length(32).default('features'),
    /** users_count | accounts_count | mrr */
    columnType: p.string().length(32),
    segment: () => p.manyToOne(Segment).deleteRule('cascade').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    updatedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});

export class SegmentedValue extends SegmentedValueSchema.class {}
SegmentedValueSchema.setClass(SegmentedValue);

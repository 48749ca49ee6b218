import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { User } from './user.ts';

/** A saved filter expression over users/accounts (UserVoice's segments); `key` is made from the name once. */
export const SegmentSchema = defineEntity({
  name: 'Segment',
  tableName: 'segments',
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    key: p.string().length(100).unique(),
    /** The expression tree `{column, operator, operand: {val}, unit, expressions: [...]}`, validated on write. */
    filters: p.json<Record<string, unknown>>().columnType('json').nullable(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    updatedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});

export class Segment extends SegmentSchema.class {}
SegmentSchema.setClass(Segment);

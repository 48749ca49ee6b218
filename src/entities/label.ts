import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

export const LabelSchema = defineEntity({
  name: 'Label',
  tableName: 'labels',
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    /** `Parent › Child` path, kept with the row so lists need no recursive query. */
    fullName: p.text(),
    level: p.integer().default(1),
    openSuggestionsCount: p.integer().default(0),
    parent: () => p.manyToOne(Label).nullable().deleteRule('cascade'),
  },
});

export class Label extends LabelSchema.class {}
LabelSchema.setClass(Label);

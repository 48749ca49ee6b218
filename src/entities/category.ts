import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Forum } from './forum.ts';

export const CategorySchema = defineEntity({
  name: 'Category',
  tableName: 'categories',
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    suggestionsCount: p.integer().default(0),
    openSuggestionsCount: p.integer().default(0),
    forum: () => p.manyToOne(Forum).deleteRule('cascade'),
  },
});

export class Category extends CategorySchema.class {}
CategorySchema.setClass(Category);

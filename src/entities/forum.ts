import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { User } from './user.ts';

export const ForumSchema = defineEntity({
  name: 'Forum',
  tableName: 'forums',
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    welcomeMessage: p.text().nullable(),
    welcomeMessageMimeType: p.string().length(64).default('text/html'),
    prompt: p.string().length(255).nullable(),
    example: p.string().length(255).nullable(),
    suggestionsCount: p.integer().default(0),
    openSuggestionsCount: p.integer().default(0),
    isPublic: p.boolean().default(true),
    isPrivate: p.boolean().default(false),
    classicVoting: p.boolean().default(false),
    categoryRequired: p.boolean().default(false),
    isOpen: p.boolean().default(true),
    importanceEnabled: p.boolean().default(false),
    moderationEnabled: p.boolean().default(false),
    updatedBy: () => p.manyToOne(User).nullable(),
  },
});

export class Forum extends ForumSchema.class {}
ForumSchema.setClass(Forum);

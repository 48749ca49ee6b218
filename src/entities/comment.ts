import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Suggestion } from './suggestion.ts';
import { User } from './user.ts';

/** A public comment on a suggestion. DELETE marks it `deleted` (PUT …/unremove brings it back). */
export const CommentSchema = defineEntity({
  name: 'Comment',
  tableName: 'comments',
  properties: {
    ...baseProperties,
    body: p.text(),
    bodyMimeType: p.string().length(64).default('text/plain'),
    /** approved | spam | deleted; only approved comments count. */
    state: p.string().length(32).default('approved'),
    channel: p.string().length(32).default('api'),
    inappropriateFlagsCount: p.integer().default(0),
    /** Whether the author was an admin when the comment was written. */
    isAdminComment: p.boolean().default(false),
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null').index(),
  },
});

export class Comment extends CommentSchema.class {}
CommentSchema.setClass(Comment);

import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Category } from './category.ts';
import { Comment } from './comment.ts';
import { Feedback } from './feedback.ts';
import { Forum } from './forum.ts';
import { Label } from './label.ts';
import { Note } from './note.ts';
import { Status } from './status.ts';
import { StatusUpdate } from './status-update.ts';
import { Suggestion } from './suggestion.ts';
import { SupporterMessage } from './supporter-message.ts';
import { User } from './user.ts';

/**
 * One change to a suggestion, written in the transaction that makes it (services/activity.ts) and never
 * changed afterwards, except that a link to a record deleted later becomes null.
 */
export const SuggestionActivityEntrySchema = defineEntity({
  name: 'SuggestionActivityEntry',
  tableName: 'suggestion_activity_entries',
  properties: {
    ...baseProperties,
    kind: p.string().length(64).index(),
    oldTitle: p.text().nullable(),
    newTitle: p.text().nullable(),
    oldBody: p.text().nullable(),
    newBody: p.text().nullable(),
    oldState: p.string().length(32).nullable(),
    newState: p.string().length(32).nullable(),
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null').index(),
    comment: () => p.manyToOne(Comment).nullable().deleteRule('set null').index(),
    note: () => p.manyToOne(Note).nullable().deleteRule('set null').index(),
    feedback: () => p.manyToOne(Feedback).nullable().deleteRule('set null').index(),
    statusUpdate: () => p.manyToOne(StatusUpdate).nullable().deleteRule('set null').index(),
    message: () => p.manyToOne(SupporterMessage).nullable().deleteRule('set null').index(),
    label: () => p.manyToOne(Label).nullable().deleteRule('set null').index(),
    oldForum: () => p.manyToOne(Forum).nullable().deleteRule('set null'),
    newForum: () => p.manyToOne(Forum).nullable().deleteRule('set null'),
    oldCategory: () => p.manyToOne(Category).nullable().deleteRule('set null').index(),
    newCategory: () => p.manyToOne(Category).nullable().deleteRule('set null').index(),
    oldStatus: () => p.manyToOne(Status).nullable().deleteRule('set null').index(),
    newStatus: () => p.manyToOne(Status).nullable().deleteRule('set null').index(),
    mergedFromSuggestion: () => p.manyToOne(Suggestion).nullable().deleteRule('set null'),
    mergedToSuggestion: () => p.manyToOne(Suggestion).nullable().deleteRule('set null'),
  },
});

export class SuggestionActivityEntry extends SuggestionActivityEntrySchema.class {}
SuggestionActivityEntrySchema.setClass(SuggestionActivityEntry);

import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Suggestion } from './suggestion.ts';
import { User } from './user.ts';

/** An internal remark by the team on a suggestion; never public. */
export const NoteSchema = defineEntity({
  name: 'Note',
  tableName: 'notes',
  properties: {
    ...baseProperties,
    body: p.text(),
    bodyMimeType: p.string().length(64).default('text/plain'),
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});

export class Note extends NoteSchema.class {}
NoteSchema.setClass(Note);

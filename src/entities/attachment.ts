import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Note } from './note.ts';
import { Suggestion } from './suggestion.ts';
import { User } from './user.ts';

/**
 * An uploaded file. The row is written only after the bytes are safely stored (size and SHA-256
 * known), so a row never points at a partial file. `storageKey` is random; the client's file name is
 * kept for display only.
 */
export const AttachmentSchema = defineEntity({
  name: 'Attachment',
  tableName: 'attachments',
  properties: {
    ...baseProperties,
    /** What clients pass in `attachment_tokens`: 32 random hex characters. */
    token: p.string().length(32).unique(),
    fileName: p.string().length(255),
    contentType: p.string().length(255),
    sizeInBytes: p.integer(),
    sha256: p.string().length(64),
    storageKey: p.string().length(64).unique(),
    suggestion: () => p.manyToOne(Suggestion).nullable().deleteRule('set null').index(),
    note: () => p.manyToOne(Note).nullable().deleteRule('set null').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});

export class Attachment extends AttachmentSchema.class {}
AttachmentSchema.setClass(Attachment);

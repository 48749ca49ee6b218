import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, statusProperties } from './base.ts';
import { Suggestion } from './suggestion.ts';
import { User } from './user.ts';

/** A status only the team sees (UserVoice's internal statuses), beside the public one. */
export const InternalStatusSchema = defineEntity({
  name: 'InternalStatus',
  tableName: 'internal_statuses',
  properties: {
    ...baseProperties,
    ...statusProperties,
    isDefault: p.boolean().default(false),
  },
});

export class InternalStatus extends InternalStatusSchema.class {}
InternalStatusSchema.setClass(InternalStatus);

/**
 * A suggestion moved to an internal status. `name` and `hex_color` are the new status's as they were
 * then: the update is history, and survives the status being renamed or deleted.
 */
export const InternalStatusUpdateSchema = defineEntity({
  name: 'InternalStatusUpdate',
  tableName: 'internal_status_updates',
  properties: {
    ...baseProperties,
    name: p.string().length(255).nullable(),
    hexColor: p.string().length(16).nullable(),
    /** No mail or notification transport: stays false. */
    teamsNotified: p.boolean().default(false),
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    oldInternalStatus: () => p.manyToOne(InternalStatus).nullable().deleteRule('set null'),
    newInternalStatus: () => p.manyToOne(InternalStatus).nullable().deleteRule('set null'),
  },
});

export class InternalStatusUpdate extends InternalStatusUpdateSchema.class {}
InternalStatusUpdateSchema.setClass(InternalStatusUpdate);

/** A team member's flag on a suggestion that needs attention, with a reason. */
export const InternalFlagSchema = defineEntity({
  name: 'InternalFlag',
  tableName: 'internal_flags',
  properties: {
    ...baseProperties,
    reason: p.string().length(1000).nullable(),
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
    /** The end user the flag is about (optional). */
    user: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});

export class InternalFlag extends InternalFlagSchema.class {}
InternalFlagSchema.setClass(InternalFlag);

import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { ExternalAccount } from './external-account.ts';
import { User } from './user.ts';

/** A user as the client's own system knows them, tied to a local user (by id or email) and optionally an account. */
export const ExternalUserSchema = defineEntity({
  name: 'ExternalUser',
  tableName: 'external_users',
  properties: {
    ...baseProperties,
    externalId: p.string().length(255).unique(),
    email: p.string().length(320).nullable(),
    name: p.string().length(255).nullable(),
    ip: p.string().length(64).nullable(),
    type: p.string().length(255).nullable(),
    externalCreatedAt: p.datetime().nullable(),
    lastSeenAt: p.datetime().nullable(),
    /** Distinct days on which bulk_identify reported the user. */
    seenDays: p.integer().default(0),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    externalAccount: () => p.manyToOne(ExternalAccount).nullable().deleteRule('set null').index(),
  },
});

export class ExternalUser extends ExternalUserSchema.class {}
ExternalUserSchema.setClass(ExternalUser);

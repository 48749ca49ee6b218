import { defineEntity, p } from '@mikro-orm/core';
import { nowOf } from '../db/clock.ts';
import { baseProperties } from './base.ts';

/**
 * A customer account from the client's own system (CRM), upserted by `external_id` through
 * /admin/external_accounts/import, external_users/import and bulk_identify. Served as `external_accounts`
 * and, under the name some clients side-load, `crm_accounts`.
 */
export const ExternalAccountSchema = defineEntity({
  name: 'ExternalAccount',
  tableName: 'external_accounts',
  properties: {
    ...baseProperties,
    externalId: p.string().length(255).unique(),
    name: p.string().length(255).nullable(),
    plan: p.string().length(255).nullable(),
    /** Money in cents (bigint: an MRR of more than $21M does not fit an int). */
    mrrCents: p.bigint('number').nullable(),
    ltvCents: p.bigint('number').nullable(),
    externalCreatedAt: p.datetime().nullable(),
    /** Never null, so it can be the default sort with keyset cursors: creation, then each time a user of it is identified. */
    lastActiveAt: p.datetime().onCreate((_, em) => nowOf(em)).index(),
  },
});

export class ExternalAccount extends ExternalAccountSchema.class {}
ExternalAccountSchema.setClass(ExternalAccount);

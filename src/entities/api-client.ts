import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { User } from './user.ts';

/**
 * A trusted API client (key + secret) created with the CLI. Only a SHA-256 of the secret is kept;
 * `generation` goes up on rotate and revoke, and tokens carry it, so older tokens stop verifying.
 */
export const ApiClientSchema = defineEntity({
  name: 'ApiClient',
  tableName: 'api_clients',
  properties: {
    ...baseProperties,
    key: p.string().length(64).unique(),
    name: p.string().length(255),
    secretHash: p.string().length(64),
    generation: p.integer().default(1),
    revokedAt: p.datetime().nullable(),
    /** The admin user (account owner) the client acts as. */
    user: () => p.manyToOne(User),
  },
});

export class ApiClient extends ApiClientSchema.class {}
ApiClientSchema.setClass(ApiClient);

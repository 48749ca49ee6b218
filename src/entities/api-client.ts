import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { User } from './user.ts';

/**
 * A trusted API client (key + secret) created with the CLI. Only a SHA-256 of the secret is kept;
 * `generation` goes up on rotate and revoke, and tokens carry it, so older tokens stop verifying.
 * `scopes` (a comma list of read, write, admin) limit what its tokens may do; clients made before scopes
 * existed got all three, so nothing they did stops working. A publishable client has no usable secret:
 * browsers get tokens with its key alone, and those tokens may only do what http/access.ts allows them.
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
    scopes: p.string().length(64).default('read,write,admin'),
    publishable: p.boolean().default(false),
    /** A publishable key's allowed browser origins (`https://a.example,https://b.example`); null: any origin. */
    allowedOrigins: p.text().nullable(),
    /** After this instant the client gets no tokens and its tokens stop working. */
    expiresAt: p.datetime().nullable(),
    /** Written at most once a minute per client (http/auth.ts), not on every request. */
    lastUsedAt: p.datetime().nullable(),
    /** The admin user (account owner) the client acts as. */
    user: () => p.manyToOne(User),
  },
});

export class ApiClient extends ApiClientSchema.class {}
ApiClientSchema.setClass(ApiClient);

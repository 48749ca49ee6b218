import { defineEntity, p } from '@mikro-orm/core';

/**
 * An `Idempotency-Key` an API client sent with a write (http/idempotency.ts): the request it names and,
 * once answered, the answer a retry gets instead of running the write again. Kept 24 hours.
 */
export const IdempotencyKeySchema = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  properties: {
    clientId: p.integer().primary(),
    key: p.string().length(255).primary(),
    /** SHA-256 of method, path, query string and media type. */
    requestHash: p.string().length(64),
    /** SHA-256 of the body bytes (multipart boundaries left out); null until the body has been read. */
    bodyHash: p.string().length(64).nullable(),
    /** The answer; null while the first request runs. */
    status: p.smallint().nullable(),
    headers: p.json<Record<string, string>>().nullable(),
    body: p.text().nullable(),
    createdAt: p.datetime(),
    expiresAt: p.datetime().index(),
    /** The running request's lease, renewed while it runs: a claim whose process died frees up when it lapses. */
    lockedUntil: p.datetime().nullable(),
    /** Set inside the first request's write transaction: that write is in the database, whatever became of its answer. */
    committedAt: p.datetime().nullable(),
  },
});

export class IdempotencyKey extends IdempotencyKeySchema.class {}
IdempotencyKeySchema.setClass(IdempotencyKey);

import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

/**
 * One entry of the audit log (/admin/audit_events): API client management (created, updated, rotated,
 * revoked) and refused uses of a known client (failed authentication, forbidden requests). Successful
 * requests are not logged. The client is kept by its public key, not a foreign key, so entries outlive
 * any later change to the client and a failed authentication needs no join to be listed.
 */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  properties: {
    ...baseProperties,
    action: p.string().length(64).index(),
    clientKey: p.string().length(64).nullable().index(),
    method: p.string().length(16).nullable(),
    path: p.string().length(2048).nullable(),
    ip: p.string().length(64).nullable(),
    reason: p.string().length(255).nullable(),
    scopes: p.string().length(64).nullable(),
  },
});

export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);

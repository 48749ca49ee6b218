import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const AUDIT_ACTIONS = ['client.created', 'client.updated', 'client.rotated', 'client.revoked', 'auth.failed', 'access.forbidden'] as const;

/**
 * The audit log of API keys (entities/audit-event.ts): their management and their refused uses.
 * `client_id` is the client's public key, as `clients list` shows it.
 */
export const auditEvents = defineResource({
  type: 'audit_events',
  singular: 'audit_event',
  table: 'audit_events',
  fields: [
    { name: 'action', type: 'string' },
    { name: 'client_id', type: 'string', column: 'client_key' },
    { name: 'scopes', type: 'string' },
    { name: 'reason', type: 'string' },
    { name: 'method', type: 'string' },
    { name: 'path', type: 'string' },
    { name: 'ip', type: 'string' },
    ...timestamps,
  ],
  links: [],
  filters: {
    action: { kind: 'values', column: 'action', values: AUDIT_ACTIONS },
    client_id: { kind: 'values', column: 'client_key' },
  },
  sorts: baseSorts,
});

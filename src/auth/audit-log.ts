import type { MikroORM } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';

/** What /admin/audit_events lists (entities/audit-event.ts). */
export type AuditAction =
  | 'client.created'
  | 'client.updated'
  | 'client.rotated'
  | 'client.revoked'
  | 'auth.failed'
  | 'access.forbidden';

export interface AuditEntry {
  action: AuditAction;
  clientKey?: string | null;
  method?: string;
  path?: string;
  ip?: string;
  reason?: string;
  scopes?: string | null;
}

/** Column limits (entities/audit-event.ts): a long path is cut, never refused. */
const cut = (text: string | undefined, max: number) => (text === undefined ? null : text.slice(0, max));

export function auditRow(entry: AuditEntry, at: Date) {
  return {
    created_at: at,
    updated_at: at,
    action: entry.action,
    client_key: entry.clientKey ?? null,
    method: cut(entry.method, 16),
    path: cut(entry.path, 2048),
    ip: cut(entry.ip, 64),
    reason: cut(entry.reason, 255),
    scopes: entry.scopes ?? null,
  };
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

/**
 * Appends to the audit log outside any request transaction: a refused request writes its entry even
 * though it never reaches a route. One insert per entry; only refusals and client management write.
 */
export function createAuditLog(orm: MikroORM, clock: () => number): AuditLog {
  return {
    async record(entry) {
      await orm.em.getKysely<DB>().insertInto('audit_events').values(auditRow(entry, new Date(clock()))).execute();
    },
  };
}

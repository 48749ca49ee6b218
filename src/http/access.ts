import type { AuditLog } from '../auth/audit-log.ts';
import type { Scope } from '../auth/scopes.ts';
import { ForbiddenError } from '../errors.ts';
import { routeLayerOf } from './route.ts';
import { authOf, type AppMiddleware } from './state.ts';

/** Who may call a route: keys with `scope`, and publishable keys too when `publishable` is set. */
export interface Access {
  scope: Scope;
  publishable?: boolean;
}

/** GET lists and records a browser may read with a publishable key (the route narrows what it shows). */
export const PUBLIC_READ: Access = { scope: 'read', publishable: true };
/** Writes a browser may make with a publishable key (feedback, which is how votes are cast). */
export const PUBLIC_WRITE: Access = { scope: 'write', publishable: true };
export const ADMIN_ONLY: Access = { scope: 'admin' };

const rules = new WeakMap<object, Access>();

/**
 * A route's access rule, declared beside it: `router.get('/audit_events', access(ADMIN_ONLY), handler)`.
 * The middleware does nothing when it runs: authorize() has read the rule from the matched route before
 * the body was read, and refused the request if need be. Routes that declare none get the rule of
 * their method (accessRule).
 */
export function access(rule: Access): AppMiddleware {
  const marker: AppMiddleware = (_ctx, next) => next();
  rules.set(marker, rule);
  return marker;
}

/** The declared rule among a route's middleware, else by method: GET and HEAD need read, others write. */
export function accessRule(stack: readonly unknown[], method: string): Access {
  for (const fn of stack) {
    const rule = typeof fn === 'function' ? rules.get(fn) : undefined;
    if (rule) return rule;
  }
  return { scope: method === 'GET' || method === 'HEAD' ? 'read' : 'write' };
}

const PUBLISHABLE_REFUSAL = 'A publishable key may only create feedback and read public suggestions';
export const FOREIGN_ORIGIN_REFUSAL = 'This publishable key may not be used from this origin';

/**
 * 403 `forbidden` (with a message saying why) when the client's key may not use the matched route, or
 * a publishable key is used from an origin it does not allow (auth/origins.ts), recorded in the audit log. Mounted after bearerAuth and the rate limiter (so refusals are counted
 * and a client looping on them is slowed like any other) and before the body is read.
 */
export function authorize(audit: AuditLog): AppMiddleware {
  return async (ctx, next) => {
    const auth = authOf(ctx);
    const layer = routeLayerOf(ctx);
    const rule = accessRule(layer?.stack ?? [], ctx.method);
    let refusal: string | undefined;
    if (auth.foreignOrigin !== undefined) refusal = FOREIGN_ORIGIN_REFUSAL;
    else if (auth.publishable) refusal = rule.publishable ? undefined : PUBLISHABLE_REFUSAL;
    else if (!auth.scopes.includes(rule.scope)) refusal = `This API client lacks the ${rule.scope} scope`;
    if (refusal) {
      await audit.record({
        action: 'access.forbidden',
        clientKey: auth.clientKey,
        method: ctx.method,
        path: ctx.path,
        ip: ctx.ip,
        reason: auth.foreignOrigin !== undefined ? `${refusal}: ${auth.foreignOrigin}` : refusal,
        scopes: auth.publishable ? 'publishable' : auth.scopes.join(','),
      });
      throw new ForbiddenError(refusal);
    }
    await next();
  };
}

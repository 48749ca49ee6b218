import type { ParameterizedContext, Middleware } from 'koa';
import type { EntityManager } from '@mikro-orm/sql';
import type { Scope } from '../auth/scopes.ts';

/** Who a request acts for, once its Bearer token has been checked. */
export interface AuthContext {
  clientId: number;
  clientKey: string;
  userId: number;
  /** The client's scopes (auth/scopes.ts); http/access.ts checks them against the route's rule. */
  scopes: readonly Scope[];
  /** A publishable (browser) key: only the routes that say so (http/access.ts), and CORS. */
  publishable: boolean;
}

/** Per-request state, set by the middleware chain in app.ts. */
export interface AppState {
  requestId: string;
  /** Set on the token route: errors render as OAuth errors there. */
  oauth?: boolean;
  auth?: AuthContext;
  /** What http/idempotency.ts did with the request's Idempotency-Key (logged). */
  idempotency?: 'replayed' | 'stored' | 'not_stored';
  /** One EntityManager fork per request (http/em.ts). */
  em?: EntityManager;
  /**
   * This request's catch-up with the database's change announcements (src/cache/versions.ts `sync`),
   * shared by the Bearer check and the response cache: one round trip per request at most.
   */
  synced?: Promise<boolean>;
  /**
   * `js`: read routes build records as objects (the path before PostgreSQL rendered them), set only by
   * the benchmark's legacy copy of the admin API (bench/routes.ts) to measure both in one process.
   */
  render?: 'js';
}

export type AppContext = ParameterizedContext<AppState>;
export type AppMiddleware = Middleware<AppState>;

/** The request's EntityManager; only routes mounted behind http/em.ts may ask for it. */
export function emOf(ctx: AppContext): EntityManager {
  if (!ctx.state.em) throw new Error('No EntityManager on this request: mount forkEm() before the route');
  return ctx.state.em;
}

export function authOf(ctx: AppContext): AuthContext {
  if (!ctx.state.auth) throw new Error('No auth on this request: mount bearerAuth() before the route');
  return ctx.state.auth;
}

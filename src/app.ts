import Koa from 'koa';
import Router from '@koa/router';
import { createAuditLog } from './auth/audit-log.ts';
import { createClientStore } from './auth/client-store.ts';
import { createUserStore } from './auth/user-store.ts';
import { createTokenService } from './auth/tokens.ts';
import { authorize } from './http/access.ts';
import { bearerAuth } from './http/auth.ts';
import { corsPreflight } from './http/cors.ts';
import { parseBody } from './http/body.ts';
import { forkEm } from './http/em.ts';
import { rateLimit } from './http/rate-limit.ts';
import { tokenGuard } from './http/token-guard.ts';
import { errorHandler } from './http/error-handler.ts';
import { etag } from './http/etag.ts';
import { responseCache } from './cache/responses.ts';
import { MethodNotAllowedError, RouteNotFoundError } from './errors.ts';
import { requestLog } from './http/request-log.ts';
import { idempotency } from './http/idempotency.ts';
import { idempotencyKeys } from './db/idempotency-keys.ts';
import type { AppState } from './http/state.ts';
import type { AppDeps } from './deps.ts';
import { healthRouter } from './routes/health.ts';
import { metricsRouter } from './routes/metrics.ts';
import { httpMetrics } from './http/metrics.ts';
import { oauthRouter } from './routes/oauth.ts';
import { attachmentsRouter, downloadsRouter } from './routes/attachments.ts';
import { catalogRouter } from './routes/catalog.ts';
import { commentsRouter } from './routes/comments.ts';
import { externalCustomersRouter } from './routes/external-customers.ts';
import { feedbackRouter } from './routes/feedback.ts';
import { labelsRouter } from './routes/labels.ts';
import { notesRouter } from './routes/notes.ts';
import { npsRatingsRouter } from './routes/nps-ratings.ts';
import { statusUpdatesRouter } from './routes/status-updates.ts';
import { suggestionsRouter } from './routes/suggestions.ts';
import { usersRouter } from './routes/users.ts';
import { teamsRouter } from './routes/teams.ts';
import { customFieldsRouter } from './routes/custom-fields.ts';
import { segmentsRouter } from './routes/segments.ts';
import { permissionsRouter } from './routes/permissions.ts';
import { featuresRouter } from './routes/features.ts';
import { internalStatusesRouter } from './routes/internal-statuses.ts';
import { importanceRouter } from './routes/importance.ts';
import { suggestedMergesRouter } from './routes/suggested-merges.ts';
import { supporterMessagesRouter } from './routes/supporter-messages.ts';
import { forumInvitationsRouter } from './routes/forum-invitations.ts';
import { auditEventsRouter } from './routes/audit-events.ts';
import { translatableStringsRouter } from './routes/translatable-strings.ts';
import { reportsRouter } from './routes/reports.ts';
import { serviceHooksRouter } from './routes/service-hooks.ts';
import { eventsRouter } from './routes/events.ts';
import { resourcesRouter, servedRoutes } from './routes/resources.ts';
import { openApiRouter } from './routes/openapi.ts';
import { operations } from './openapi/operations.ts';
import { columnsOf } from './openapi/columns.ts';

/** The order of a 405's Allow list, whichever router serves which method of a path; others go last. */
const METHOD_ORDER = ['HEAD', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const methodRank = (method: string) => (METHOD_ORDER.includes(method) ? METHOD_ORDER.indexOf(method) : METHOD_ORDER.length);

/**
 * Turns what the router leaves unanswered into errors: an unknown path → 404 not_found, a known path
 * with another method (or a method we do not implement) → 405 with Allow.
 */
const unmatched: Koa.Middleware<AppState> = async (ctx, next) => {
  await next();
  if (ctx.status === 405 || ctx.status === 501) {
    const allowed = ctx.response.get('Allow').split(/,\s*/).filter(Boolean);
    // A resource's own writes are mounted before the registry's reads (routes/resources.ts).
    throw new MethodNotAllowedError(allowed.sort((x, y) => methodRank(x) - methodRank(y)));
  }
  if (ctx.status === 404 && ctx.body == null) throw new RouteNotFoundError();
};


export interface AdminRouterOptions {
  /**
   * `false` builds the same chain and routes without the per-client rate limiter. Production never does;
   * the bench (bench/server.ts) mounts such a router beside the real one to measure the limiter's cost.
   */
  rateLimit?: boolean;
  /** `false` builds it without the response cache (the bench's uncached baseline). */
  cache?: boolean;
}

/**
 * The admin API (`/admin/…`, mounted under /api/v2): Bearer auth → per-client rate limit (unless
 * disabled by RATE_LIMIT_PER_MINUTE=0 or `rateLimit: false`) → the route's access rule (scopes,
 * publishable keys; http/access.ts) → Idempotency-Key (needs the client, and must see the body from its
 * first byte) → body parsing → response cache (GET; a hit ends here) → one EntityManager fork per request
 * → the resource routes.
 */
export function adminRouter(deps: AppDeps, { rateLimit: limited = true, cache = true }: AdminRouterOptions = {}): Router<AppState> {
  const tokens = createTokenService(deps.signingKey, deps.config.tokenTtl, deps.clock);
  const { limits } = deps;
  const admin = new Router<AppState>({ prefix: '/admin' });
  const limiter = limited && limits.api ? [rateLimit(limits.api, deps.clock, limits.windowSeconds)] : [];
  const responses = cache && deps.cache?.responses ? [responseCache(deps.cache.responses, deps.cache.versions)] : [];
  const audit = createAuditLog(deps.orm, deps.clock);
  admin.use(
    bearerAuth(tokens, createClientStore(deps.orm, deps.cache?.versions), createUserStore(deps.orm), audit, deps.clock),
    ...limiter,
    authorize(audit),
    idempotency(idempotencyKeys(deps.orm), deps.clock, deps.log),
    parseBody(deps.config.bodyLimitBytes),
    ...responses,
    forkEm(deps.orm),
  );
  const routers = [
    suggestionsRouter(deps),
    catalogRouter(deps),
    labelsRouter(deps),
    usersRouter(deps),
    attachmentsRouter(deps),
    statusUpdatesRouter(deps),
    commentsRouter(deps),
    notesRouter(deps),
    feedbackRouter(deps),
    npsRatingsRouter(deps),
    teamsRouter(deps),
    customFieldsRouter(deps),
    segmentsRouter(deps),
    permissionsRouter(deps),
    externalCustomersRouter(deps),
    featuresRouter(deps),
    internalStatusesRouter(deps),
    importanceRouter(deps),
    suggestedMergesRouter(deps),
    supporterMessagesRouter(deps),
    forumInvitationsRouter(deps),
    translatableStringsRouter(deps),
    reportsRouter(deps),
    serviceHooksRouter(deps),
    eventsRouter(deps),
    auditEventsRouter(deps),
  ];
  // Then, from the resource registry, whatever those leave out: reads of every declared resource, and
  // the writes of `crud: true` declarations (routes/resources.ts).
  routers.push(resourcesRouter(deps, servedRoutes(routers)));
  for (const router of routers) {
    admin.use(router.routes());
  }
  return admin;
}

export interface AppOptions {
  /**
   * More routes under `prefix`: `routes(deps)` answers every request whose path starts with `prefix/`,
   * behind the same request log, error renderer and 404/405 handling, outside the API's routers (so the
   * OpenAPI document does not list them). The production server passes none; bench/server.ts mounts its
   * baselines here.
   */
  extend?: { prefix: string; routes: (deps: AppDeps) => Koa.Middleware<AppState> };
}

/**
 * Builds the Koa application. The middleware order is the architecture:
 * request log → metrics (both see the final status) → error renderer → CORS preflights (publishable keys)
 * → ETag / 304 → routes; admin routes (adminRouter) add Bearer auth → per-client rate limit → access rule →
 * Idempotency-Key → body parsing → response cache → one EntityManager fork per request.
 */
export function createApp(deps: AppDeps, options: AppOptions = {}): Koa<AppState> {
  const app = new Koa<AppState>({ proxy: deps.config.trustProxy, maxIpsCount: 1 });
  const tokens = createTokenService(deps.signingKey, deps.config.tokenTtl, deps.clock);
  const clients = createClientStore(deps.orm);
  const users = createUserStore(deps.orm);
  const { limits } = deps;

  const api = new Router<AppState>({ prefix: '/api/v2' });
  const oauth = oauthRouter(
    tokens,
    clients,
    users,
    deps.config.bodyLimitBytes,
    tokenGuard(limits.tokenFailures, limits.tokenClientFailures, limits.windowSeconds),
    createAuditLog(deps.orm, deps.clock),
    deps.clock,
  );
  api.use(oauth.routes(), downloadsRouter(deps).routes(), adminRouter(deps).routes());

  const root = new Router<AppState>();
  root.use(healthRouter(deps).routes(), metricsRouter(deps.metrics, deps.config.metricsToken).routes(), api.routes());
  // The OpenAPI document describes `root` as it stands once every route above is mounted.
  root.use(
    openApiRouter(() => root, { operations, publicUrl: deps.env.publicUrl, columns: () => columnsOf(deps.orm.getMetadata()), rateLimited: Boolean(limits.api) }).routes(),
  );
  const extra = options.extend && { prefix: `${options.extend.prefix}/`, routes: options.extend.routes(deps) };

  app.use(requestLog(deps.log));
  app.use(httpMetrics(deps.metrics));
  app.use(errorHandler(deps.log));
  app.use(corsPreflight(['/api/v2/admin', '/api/v2/oauth/token']));
  app.use(etag());
  app.use(unmatched);
  // Ahead of the API's router, by prefix: behind it, every extra request first went through all of that
  // router's routes (~90 µs: the bench's koa hello baseline answered 4,800 req/s there, /health/live 8,100; README, Benchmarks).
  if (extra) app.use((ctx, next) => (ctx.path.startsWith(extra.prefix) ? extra.routes(ctx, next) : next()));
  app.use(root.routes());
  app.use(root.allowedMethods());
  return app;
}

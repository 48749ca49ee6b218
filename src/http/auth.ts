import type { AuditLog } from '../auth/audit-log.ts';
import { isExpired, useIsUnrecorded, type ClientStore, type StoredClient } from '../auth/client-store.ts';
import { InvalidTokenError, type TokenService } from '../auth/tokens.ts';
import type { UserStore } from '../auth/user-store.ts';
import { ForbiddenError, NotAuthorizedError } from '../errors.ts';
import { allowBrowsers } from './cors.ts';
import { originAllowed } from '../auth/origins.ts';
import type { AppContext, AppMiddleware } from './state.ts';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Why a correctly signed token of a known client is refused (audit log), or undefined when it is not. */
function refusal(client: StoredClient, generation: number, now: number): string | undefined {
  if (client.revoked) return 'revoked';
  if (client.generation !== generation) return 'token issued before the secret was rotated';
  if (isExpired(client, now)) return 'expired';
  return undefined;
}

/**
 * Bearer check for /api/v2/admin: a valid signature, our issuer and audience, not expired, and a client
 * that still exists, is not revoked or past its expiry, and has not been rotated since the token was
 * issued. A password-grant token also needs its user unblocked, with an unchanged password, and an admin
 * (else 403: the admin API is for admins).
 *
 * Cost per request: none while this process's copy of the client's row is current (ClientStore.current),
 * else one statement; plus a write at most once a minute per client recording its use (ClientStore.touch).
 * Refusals of a known client are audited;
 * tokens that do not verify are not (they name no client we can trust, and anyone can send them).
 */
export function bearerAuth(tokens: TokenService, clients: ClientStore, users: UserStore, audit: AuditLog, clock: () => number): AppMiddleware {
  const audited = (ctx: AppContext, client: StoredClient, reason: string) =>
    audit.record({ action: 'auth.failed', clientKey: client.key, method: ctx.method, path: ctx.path, ip: ctx.ip, reason });
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (!header) throw new NotAuthorizedError(false);
    const match = BEARER.exec(header);
    if (!match) throw new NotAuthorizedError(true);
    let claims;
    try {
      claims = tokens.verify(match[1]!);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new NotAuthorizedError(true);
      throw error;
    }
    const now = clock();
    const client = await clients.current(claims.clientId, ctx.state);
    if (!client) throw new NotAuthorizedError(true);
    // A browser with a publishable key may read even a refusal (an expired key's 401), unless its page
    // is on an origin the key does not allow (refused after the rate limiter: http/access.ts).
    const foreignOrigin = client.publishable && !originAllowed(client.origins, ctx.get('Origin')) ? ctx.get('Origin') : undefined;
    if (client.publishable && foreignOrigin === undefined) allowBrowsers(ctx);
    const why = refusal(client, claims.generation, now);
    if (why) {
      await audited(ctx, client, why);
      throw new NotAuthorizedError(true);
    }
    if (useIsUnrecorded(client, now)) await clients.touch(client.id, claims.generation, new Date(now));
    let userId = client.userId;
    if (claims.user) {
      // A password-grant token: its user must still exist, be allowed, and have the same password.
      const user = await users.byId(claims.user.id);
      if (!user || user.blocked || user.passwordGeneration !== claims.user.generation) throw new NotAuthorizedError(true);
      if (!user.isAdmin) {
        await audit.record({ action: 'access.forbidden', clientKey: client.key, method: ctx.method, path: ctx.path, ip: ctx.ip, reason: 'the user is not an admin' });
        throw new ForbiddenError();
      }
      userId = user.id;
    }
    ctx.state.auth = { clientId: client.id, clientKey: client.key, userId, scopes: client.scopes, publishable: client.publishable, foreignOrigin };
    await next();
  };
}

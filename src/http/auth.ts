import type { ClientStore } from '../auth/client-store.ts';
import { InvalidTokenError, type TokenService } from '../auth/tokens.ts';
import type { UserStore } from '../auth/user-store.ts';
import { ForbiddenError, NotAuthorizedError } from '../errors.ts';
import type { AppMiddleware } from './state.ts';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Bearer check for /api/v2/admin: a valid signature, our issuer and audience, not expired, and a client
 * that still exists, is not revoked and has not been rotated since the token was issued. A password-grant
 * token also needs its user unblocked, with an unchanged password, and an admin (else 403: the admin API
 * is for admins).
 */
export function bearerAuth(tokens: TokenService, clients: ClientStore, users: UserStore): AppMiddleware {
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
    const client = await clients.current(claims.clientId, ctx.state);
    if (!client || client.revoked || client.generation !== claims.generation) throw new NotAuthorizedError(true);
    let userId = client.userId;
    if (claims.user) {
      // A password-grant token: its user must still exist, be allowed, and have the same password.
      const user = await users.byId(claims.user.id);
      if (!user || user.blocked || user.passwordGeneration !== claims.user.generation) throw new NotAuthorizedError(true);
      if (!user.isAdmin) throw new ForbiddenError();
      userId = user.id;
    }
    ctx.state.auth = { clientId: client.id, clientKey: client.key, userId };
    await next();
  };
}

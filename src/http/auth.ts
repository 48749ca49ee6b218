import type { ClientStore } from '../auth/client-store.ts';
import { InvalidTokenError, type TokenService } from '../auth/tokens.ts';
import { NotAuthorizedError } from './errors.ts';
import type { AppMiddleware } from './state.ts';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Bearer check for /api/v2/admin: a valid signature, our issuer and audience, not expired, and a client
 * that still exists, is not revoked and has not been rotated since the token was issued.
 */
export function bearerAuth(tokens: TokenService, clients: ClientStore): AppMiddleware {
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
    const client = await clients.byId(claims.clientId);
    if (!client || client.revoked || client.generation !== claims.generation) throw new NotAuthorizedError(true);
    ctx.state.auth = { clientId: client.id, clientKey: client.key, userId: client.userId };
    await next();
  };
}

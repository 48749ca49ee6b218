import Router from '@koa/router';
import type { AuditLog } from '../auth/audit-log.ts';
import { isExpired, type ClientStore } from '../auth/client-store.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { secretMatches } from '../auth/secrets.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { UserStore } from '../auth/user-store.ts';
import { parseBody } from '../http/body.ts';
import { OAuthError } from '../errors.ts';
import type { TokenGuard } from '../http/token-guard.ts';
import { allowBrowsers } from '../http/cors.ts';
import { FOREIGN_ORIGIN_REFUSAL } from '../http/access.ts';
import { originAllowed } from '../auth/origins.ts';
import type { AppContext, AppState } from '../http/state.ts';
import type { Operations } from '../openapi/spec.ts';
import { TOKEN_PARAMS, tokenRequest, type TokenParam } from '../schema/actions.ts';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);

/** The token parameters from the query string and the body (JSON, or a form using `&` or `;`). */
function collectParams(ctx: AppContext): Partial<Record<TokenParam, string>> {
  const body: unknown = ctx.request.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('The request body must be an object of parameters');
  }
  const sources = Object.fromEntries(TOKEN_PARAMS.map((name) => [name, [ctx.query[name], (body as Record<string, unknown>)[name]]]));
  const result = tokenRequest.safeParse(sources);
  if (!result.success) throw invalidRequest(result.error.issues[0]!.message);
  return result.data;
}

/** HTTP Basic client authentication; id and secret are form-urlencoded first (RFC 6749 Appendix B). */
function basicCredentials(ctx: AppContext): { id: string; secret: string } | undefined {
  const header = ctx.get('Authorization');
  if (!header) return undefined;
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) throw invalidRequest('Malformed Authorization header');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw invalidRequest('Malformed Basic credentials');
  try {
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidRequest('Malformed Basic credentials');
  }
}

/** Who is asking: the client (by Basic or parameters), and its secret when one was sent. */
function clientCredentials(ctx: AppContext, params: Partial<Record<TokenParam, string>>) {
  const basic = basicCredentials(ctx);
  if (basic && params.client_secret) throw invalidRequest('Use only one client authentication method');
  const challenge = basic ? { 'WWW-Authenticate': 'Basic realm="api"' } : undefined;
  const invalidClient = () => new OAuthError(401, 'invalid_client', 'Client authentication failed', challenge);
  if (basic && params.client_id && params.client_id !== basic.id) throw invalidClient();
  const id = basic?.id ?? params.client_id;
  const secret = basic?.secret ?? params.client_secret;
  // Bounded before hashing or querying: real ids are 20 characters and secrets 43.
  if ((id && id.length > 255) || (secret && secret.length > 1024)) throw invalidClient();
  return { id, secret, invalidClient };
}

/**
 * POST /api/v2/oauth/token, as UserVoice's clients call it:
 * - `client_credentials`: the client's id and secret; the token acts as the account owner.
 * - `password`: `username` (an email address) and `password` of a user, with the `client_id` of a
 *   client (UserVoice's SDKs send no secret here; one that is sent must be right); the token acts as
 *   that user. Wrong user credentials are `invalid_grant`.
 * - a publishable key (`clients create --publishable`): `client_credentials` with its `client_id` and no
 *   secret, so a browser can get a token; it has no secret, and the password grant is not for it
 *   (`unauthorized_client`). Its answers carry CORS headers (http/cors.ts); no other client's do.
 * An expired client gets `invalid_client` like a revoked one. `guard` (the brute-force limiter) checks
 * the address before the body is read and the client id before the secret, and sees every failure.
 * Refusals of a client that exists are written to the audit log (unknown ids are not: anyone can send them).
 */
export function oauthRouter(
  tokens: TokenService,
  clients: ClientStore,
  users: UserStore,
  bodyLimitBytes: number,
  guard: TokenGuard,
  audit: AuditLog,
  clock: () => number,
): Router<AppState> {
  const router = new Router<AppState>();
  router.post(
    '/oauth/token',
    async (ctx, next) => {
      ctx.state.oauth = true;
      ctx.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
      await next();
    },
    guard.middleware,
    parseBody(bodyLimitBytes),
    async (ctx) => {
      const params = collectParams(ctx);
      if (!params.grant_type) throw invalidRequest('The parameter grant_type is required');
      if (params.grant_type !== 'client_credentials' && params.grant_type !== 'password') {
        throw new OAuthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials and grant_type=password are supported');
      }
      if (params.grant_type === 'password' && (!params.username || !params.password)) {
        throw invalidRequest('The password grant needs username and password');
      }
      const { id, secret, invalidClient } = clientCredentials(ctx, params);
      if (!id) throw invalidClient();
      // No id holds a control character, and PostgreSQL refuses NUL in text: such an id is an unknown client.
      if (CONTROL.test(id)) throw invalidClient();
      await guard.client(ctx, id);
      const client = await clients.byKey(id);
      if (!client) throw invalidClient();
      const foreignOrigin = client.publishable && !originAllowed(client.origins, ctx.get('Origin'));
      if (client.publishable && !foreignOrigin) allowBrowsers(ctx);
      const refused = async (reason: string, error = invalidClient()): Promise<never> => {
        await audit.record({ action: 'auth.failed', clientKey: client.key, method: ctx.method, path: ctx.path, ip: ctx.ip, reason });
        throw error;
      };
      if (client.revoked) await refused('revoked');
      if (isExpired(client, clock())) await refused('expired');
      if (foreignOrigin) {
        await refused(`origin not allowed: ${ctx.get('Origin')}`, new OAuthError(400, 'unauthorized_client', FOREIGN_ORIGIN_REFUSAL));
      }
      if (client.publishable) {
        if (secret !== undefined) await refused('a secret was sent for a publishable key');
        if (params.grant_type !== 'client_credentials') {
          await refused('password grant with a publishable key', new OAuthError(400, 'unauthorized_client', 'A publishable key may only use grant_type=client_credentials'));
        }
      } else if (params.grant_type === 'client_credentials' && !secret) {
        await refused('no secret');
      } else if (secret !== undefined && !secretMatches(secret, client.secretHash)) {
        await refused('wrong secret');
      }

      if (params.grant_type === 'client_credentials') {
        const { token, expiresIn } = tokens.issue({ clientId: client.id, generation: client.generation });
        ctx.body = { access_token: token, token_type: 'bearer', expires_in: expiresIn };
        return;
      }
      // UserVoice's Node SDK sends the email unencoded, so a `+` in it arrives as a space; addresses
      // never contain spaces (users API), so reading one back as `+` matches no one else.
      const username = params.username!.trim().replace(/ /g, '+');
      const user = username.length <= 320 ? await users.byEmail(username) : undefined;
      // Verified even without a user, so the time taken does not tell which addresses have accounts.
      const valid = await verifyPassword(user?.passwordHash, params.password!);
      if (!user || !valid || user.blocked) throw new OAuthError(400, 'invalid_grant', 'The username or password is not valid');
      await users.recordLogin(user.id, new Date(clock()));
      const { token, expiresIn } = tokens.issue({
        clientId: client.id,
        generation: client.generation,
        user: { id: user.id, generation: user.passwordGeneration },
      });
      ctx.body = { access_token: token, token_type: 'bearer', expires_in: expiresIn };
    },
  );
  return router;
}

const tokenParams = {
  type: 'object',
  properties: {
    grant_type: { enum: ['client_credentials', 'password'] },
    client_id: { type: 'string' },
    client_secret: { type: 'string', description: 'Or HTTP Basic authentication; none for a publishable key (`pk_…`), which gets its token with `client_id` alone' },
    username: { type: 'string', description: 'password grant: the user\'s email' },
    password: { type: 'string', description: 'password grant' },
  },
  required: ['grant_type'],
};
const oauthError = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/oauth_error' } } } });

/** OpenAPI entry for the token endpoint (src/openapi); it speaks OAuth errors (RFC 6749 §5.2), not the API envelope. */
export const oauthOperations: Operations = {
  'POST /api/v2/oauth/token': {
    summary: 'Get an access token',
    description:
      'Parameters from a form (`&` or `;` separated), a JSON body, the query string, or HTTP Basic for the client. Every answer has `Cache-Control: no-store`. A publishable key uses `client_credentials` with its `client_id` and no secret; answers about it carry `Access-Control-Allow-Origin: *`, except to a page on an origin the key does not allow.',
    tags: ['oauth'],
    security: [],
    requestBody: { required: false, content: { 'application/x-www-form-urlencoded': { schema: tokenParams }, 'application/json': { schema: tokenParams } } },
    responses: {
      200: { description: 'A Bearer token', content: { 'application/json': { schema: { $ref: '#/components/schemas/token' } } } },
      400: oauthError('`invalid_request`, `unsupported_grant_type`, `invalid_grant`, or `unauthorized_client` (the password grant with a publishable key, or a publishable key used from an origin it does not allow)'),
      401: oauthError('`invalid_client` (unknown, revoked or expired client, wrong or missing secret, a secret sent with a publishable key)'),
      408: { $ref: '#/components/responses/E408' },
      413: oauthError('`invalid_request`: the body is too large'),
      429: { ...oauthError('`rate_limit_exceeded`: too many failed authentications from this address'), headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } },
      503: { ...oauthError('`temporarily_unavailable`: the database is unreachable or busy'), headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } },
    },
  },
};

import { createHmac, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { MikroORM } from '@mikro-orm/sql';
import type { Config } from '../config.ts';
import type { DB } from '../db/schema.ts';
import { settingOnce } from '../db/settings.ts';
import { EXIT } from '../exit-codes.ts';
import { StartupError } from '../startup.ts';

/** Fixed claims: tokens from another deployment kind or purpose never verify here. */
export const TOKEN_ISSUER = 'uservoice-compatible-server';
export const TOKEN_AUDIENCE = 'uservoice-admin-api-v2';
/** RFC 9068 access-token type; other JWTs we might sign later cannot pass as access tokens. */
const TOKEN_TYPE = 'at+jwt';
const ALGORITHM = 'HS256';
const SIGNING_KEY_SETTING = 'token_signing_key';
/** A fingerprint of the signing key the deployment uses (never the key): replicas must agree on it. */
export const KEY_FINGERPRINT_SETTING = 'token_key_fingerprint';
/** Seconds a token's `iat` may lie ahead of our clock (clock skew between replicas), not more. */
export const MAX_IAT_SKEW_SECONDS = 60;

export interface AccessClaims {
  /** Numeric id of the API client. */
  clientId: number;
  /** The client's credential generation when the token was issued. */
  generation: number;
  /** Password grant: the user the token acts as, and their password generation when it was issued. */
  user?: { id: number; generation: number };
}

export class InvalidTokenError extends Error {}

/**
 * The HMAC key: TOKEN_SECRET when set, else one generated on first start and kept in the database,
 * so restarts and replicas agree. Concurrent first starts race on the insert; everyone reads back the winner.
 * The key's fingerprint is recorded the same way; a server whose key has another fingerprint (a replica
 * with a different TOKEN_SECRET, or none while the others have one) refuses to start: its tokens would
 * be refused by every other replica, and theirs by it.
 */
export async function loadSigningKey(orm: MikroORM, config: Config): Promise<string> {
  const key = config.tokenSecret ?? (await generatedKey(orm));
  const fingerprint = signingKeyFingerprint(key);
  const recorded = await settingOnce(orm, KEY_FINGERPRINT_SETTING, () => fingerprint);
  if (recorded !== fingerprint) {
    throw new StartupError(
      `configuration error: the token signing key differs from the one this database's servers use (fingerprint ${recorded.slice(0, 12)}, this server's ${fingerprint.slice(0, 12)}): give every server the same TOKEN_SECRET, or, after changing it on purpose, stop every server and run: npm run --silent cli -- token-secret reset`,
      EXIT.config,
    );
  }
  return key;
}

/** HMAC of a fixed label under the key: identifies the key without revealing it (nor a hash of it alone). */
export function signingKeyFingerprint(key: string): string {
  return createHmac('sha256', key).update('uservoice-compatible-server token signing key fingerprint v1').digest('hex');
}

/** Forgets the recorded fingerprint (CLI `token-secret reset`): the next server to start records its own. */
export async function forgetSigningKeyFingerprint(orm: MikroORM): Promise<boolean> {
  const result = await orm.em.getKysely<DB>().deleteFrom('settings').where('key', '=', KEY_FINGERPRINT_SETTING).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

const generatedKey = (orm: MikroORM) => settingOnce(orm, SIGNING_KEY_SETTING, () => randomBytes(48).toString('base64url'));

export interface TokenService {
  issue(claims: AccessClaims): { token: string; expiresIn: number };
  verify(token: string): AccessClaims;
}

/** `now` returns milliseconds since the epoch; tests inject their own clock. */
export function createTokenService(secret: string, ttlSeconds: number, now: () => number): TokenService {
  // A KeyObject made once: handed a string, jsonwebtoken first tries it as a public key on every call
  // and builds the secret key from the thrown error, which cost more than the HMAC itself (profiled:
  // ~25 µs per call alone, far more under a deep async stack).
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return {
    issue({ clientId, generation, user }) {
      const iat = Math.floor(now() / 1000);
      const payload = user ? { iat, gen: generation, cid: clientId, ugen: user.generation } : { iat, gen: generation };
      const token = jwt.sign(payload, key, {
        algorithm: ALGORITHM,
        header: { alg: ALGORITHM, typ: TOKEN_TYPE },
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        subject: user ? `user:${user.id}` : `client:${clientId}`,
        expiresIn: ttlSeconds,
        jwtid: randomUUID(),
      });
      return { token, expiresIn: ttlSeconds };
    },
    verify(token) {
      let decoded: jwt.Jwt;
      try {
        decoded = jwt.verify(token, key, {
          algorithms: [ALGORITHM],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          clockTimestamp: Math.floor(now() / 1000),
          clockTolerance: 5,
          complete: true,
        });
      } catch (error) {
        throw new InvalidTokenError((error as Error).message);
      }
      if (decoded.header.typ !== TOKEN_TYPE) throw new InvalidTokenError('wrong token type');
      // We understand no JWS extension, so any `crit` (even empty, which RFC 7515 §4.1.11 forbids) is refused.
      if ('crit' in decoded.header) throw new InvalidTokenError('crit header');
      const payload = decoded.payload as jwt.JwtPayload;
      // jsonwebtoken checks iat only with maxAge; a token from the future was not issued by us.
      if (typeof payload.iat !== 'number' || payload.iat > Math.floor(now() / 1000) + MAX_IAT_SKEW_SECONDS) {
        throw new InvalidTokenError('iat in the future');
      }
      const match = /^(client|user):(\d+)$/.exec(payload.sub ?? '');
      if (!match || !Number.isSafeInteger(payload.gen) || typeof payload.exp !== 'number' || !payload.jti) {
        throw new InvalidTokenError('missing claims');
      }
      if (match[1] === 'client') return { clientId: Number(match[2]), generation: payload.gen as number };
      if (!Number.isSafeInteger(payload.cid) || !Number.isSafeInteger(payload.ugen)) throw new InvalidTokenError('missing claims');
      return {
        clientId: payload.cid as number,
        generation: payload.gen as number,
        user: { id: Number(match[2]), generation: payload.ugen as number },
      };
    },
  };
}

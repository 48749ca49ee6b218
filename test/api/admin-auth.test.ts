import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeClient, rotateClient } from '../../src/auth/clients.ts';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../src/auth/tokens.ts';
import { startTestApp, TEST_TOKEN_SECRET, type TestApp } from '../helpers/app.ts';
import { request, type Reply } from '../helpers/http.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const CURRENT = '/api/v2/admin/users/current';

async function tokenFor(creds: { client_id: string; client_secret: string }): Promise<string> {
  const reply = await request(app.url, 'POST', '/api/v2/oauth/token', {
    form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
  });
  expect(reply.status).toBe(200);
  return reply.body.access_token;
}

function expectNotAuthorized(reply: Reply, tokenSent: boolean) {
  expect(reply.status).toBe(401);
  expect(reply.body).toEqual({ errors: { error: 'not_authorized' } });
  expect(reply.headers.get('www-authenticate')).toBe(tokenSent ? 'Bearer realm="api", error="invalid_token"' : 'Bearer realm="api"');
  expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
}

let subject = '';

/** A token shaped like ours (for a real client), with one thing changed. */
function forge(overrides: { payload?: Record<string, unknown>; key?: string; options?: jwt.SignOptions; noJti?: boolean; noIat?: boolean } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const options: jwt.SignOptions = {
    algorithm: 'HS256',
    header: { alg: 'HS256', typ: 'at+jwt' },
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    subject,
    expiresIn: 3600,
    ...(overrides.noJti ? {} : { jwtid: 'a1b2c3' }),
    ...overrides.options,
  };
  const payload: Record<string, unknown> = { iat: now, gen: 1, ...overrides.payload };
  if (overrides.noIat) {
    delete payload.iat;
    options.noTimestamp = true;
  }
  return jwt.sign(payload, overrides.key ?? TEST_TOKEN_SECRET, options);
}

describe('Bearer auth on /api/v2/admin', () => {
  it('accepts a token from the token endpoint (scheme matched case-insensitively)', async () => {
    const token = await app.token();
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const reply = await request(app.url, 'GET', CURRENT, { headers: { Authorization: `${scheme} ${token}` } });
      expect(reply.status).toBe(200);
    }
  });

  it('401 without credentials, with no error attribute', async () => {
    expectNotAuthorized(await request(app.url, 'GET', CURRENT), false);
  });

  it('401 invalid_token for malformed Authorization headers', async () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'Token abc', 'Basic dXNlcjpwYXNz', 'garbage', `Bearer ${'x'.repeat(10_000)}`]) {
      expectNotAuthorized(await request(app.url, 'GET', CURRENT, { headers: { Authorization: header } }), true);
    }
  });

  it('401 for a token that only looks right: forged, alg none, other algorithms, audience, issuer, type, missing claims', async () => {
    subject = (jwt.decode(await app.token()) as jwt.JwtPayload).sub!;
    const good = forge();
    // Sanity: the forge helper makes tokens this server accepts when nothing is changed.
    expect((await request(app.url, 'GET', CURRENT, { token: good })).status).toBe(200);

    const [header, payload] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    const tokens = [
      forge({ key: 'another-key-0123456789abcdef-0123456789abcdef' }),
      none,
      `${header}.${payload}.`,
      forge({ options: { algorithm: 'HS512', header: { alg: 'HS512', typ: 'at+jwt' } } }),
      forge({ options: { audience: 'someone-else' } }),
      forge({ options: { issuer: 'someone-else' } }),
      forge({ options: { header: { alg: 'HS256', typ: 'JWT' } } }),
      forge({ options: { subject: 'user:1' } }),
      forge({ payload: { gen: 'one' } }),
      forge({ noJti: true }),
      `${good}x`,
    ];
    for (const token of tokens) expectNotAuthorized(await request(app.url, 'GET', CURRENT, { token }), true);
  });

  it('401 for a crit header (no extension is understood here, RFC 7515 §4.1.11), even with known names or empty', async () => {
    subject = (jwt.decode(await app.token()) as jwt.JwtPayload).sub!;
    for (const crit of [['exp'], ['b64'], [], 'exp']) {
      const token = forge({ payload: { b64: true }, options: { header: { alg: 'HS256', typ: 'at+jwt', crit } as unknown as jwt.JwtHeader } });
      expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).crit).toEqual(crit);
      expectNotAuthorized(await request(app.url, 'GET', CURRENT, { token }), true);
    }
  });

  it('401 for an iat more than 60 s in the future; a smaller clock skew is tolerated', async () => {
    subject = (jwt.decode(await app.token()) as jwt.JwtPayload).sub!;
    const now = Math.floor(Date.now() / 1000);
    for (const ahead of [61 + 5, 3600, 10 * 365 * 86400]) {
      expectNotAuthorized(await request(app.url, 'GET', CURRENT, { token: forge({ payload: { iat: now + ahead } }) }), true);
    }
    for (const ahead of [0, 30, 55]) {
      expect((await request(app.url, 'GET', CURRENT, { token: forge({ payload: { iat: now + ahead } }) })).status).toBe(200);
    }
    // With the server's clock moved, the same rule holds relative to the server's time.
    const token = forge({ payload: { iat: now + 600 } });
    try {
      app.clock.now = (now + 600) * 1000;
      expect((await request(app.url, 'GET', CURRENT, { token })).status).toBe(200);
    } finally {
      app.clock.now = undefined;
    }
    // A token without iat is not one this server issued.
    const noIat = forge({ noIat: true });
    expect(jwt.decode(noIat) as jwt.JwtPayload).not.toHaveProperty('iat');
    expectNotAuthorized(await request(app.url, 'GET', CURRENT, { token: noIat }), true);
  });

  it('401 once the token has expired (injected clock), and not before', async () => {
    const token = await app.token();
    const issuedAt = Date.now();
    try {
      app.clock.now = issuedAt + 30 * 86400 * 1000 - 60_000;
      expect((await request(app.url, 'GET', CURRENT, { token })).status).toBe(200);
      app.clock.now = issuedAt + 30 * 86400 * 1000 + 60_000;
      expectNotAuthorized(await request(app.url, 'GET', CURRENT, { token }), true);
    } finally {
      app.clock.now = undefined;
    }
  });

  it('401 for tokens of a revoked client', async () => {
    const creds = await app.createClient('revoke me');
    const token = await tokenFor(creds);
    expect((await request(app.url, 'GET', CURRENT, { token })).status).toBe(200);
    await revokeClient(app.server.db.orm.em.fork(), creds.client_id);
    expectNotAuthorized(await request(app.url, 'GET', CURRENT, { token }), true);
  });

  it('401 for tokens issued before a rotation; tokens from the new secret work', async () => {
    const creds = await app.createClient('rotate me');
    const old = await tokenFor(creds);
    const rotated = await rotateClient(app.server.db.orm.em.fork(), creds.client_id);
    expectNotAuthorized(await request(app.url, 'GET', CURRENT, { token: old }), true);
    const fresh = await tokenFor(rotated);
    expect((await request(app.url, 'GET', CURRENT, { token: fresh })).status).toBe(200);
  });

  it('does not accept the token in the query string', async () => {
    const token = await app.token();
    expectNotAuthorized(await request(app.url, 'GET', `${CURRENT}?access_token=${token}`), false);
  });
});

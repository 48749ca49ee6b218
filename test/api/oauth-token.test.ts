import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeClient, rotateClient, type IssuedCredentials } from '../../src/auth/clients.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { request, type Reply } from '../helpers/http.ts';

let app: TestApp;
let creds: IssuedCredentials;

beforeAll(async () => {
  app = await startTestApp();
  creds = await app.createClient('token tests');
});
afterAll(() => app?.close());

const TOKEN_PATH = '/api/v2/oauth/token';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function expectToken(reply: Reply) {
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 30 * 86400 });
  expect(reply.headers.get('cache-control')).toBe('no-store');
  expect(reply.headers.get('pragma')).toBe('no-cache');
  expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
}

function expectOAuthError(reply: Reply, status: number, error: string) {
  expect(reply.status).toBe(status);
  expect(reply.body).toEqual({ error, error_description: expect.any(String) });
  expect(reply.body.error_description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/);
  expect(reply.headers.get('cache-control')).toBe('no-store');
}

describe('POST /api/v2/oauth/token — accepted encodings', () => {
  it('takes a form body separated by &', async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, {
      form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
    });
    expectToken(reply);
  });

  it("takes UserVoice's documented ;-separated form body, with a trailing ;", async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, {
      form: `grant_type=client_credentials;client_id=${creds.client_id};client_secret=${creds.client_secret};`,
    });
    expectToken(reply);
  });

  it('takes a JSON body', async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, {
      json: { grant_type: 'client_credentials', client_id: creds.client_id, client_secret: creds.client_secret },
    });
    expectToken(reply);
  });

  it('takes the query string of a POST', async () => {
    const reply = await request(
      app.url,
      'POST',
      `${TOKEN_PATH}?grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
    );
    expectToken(reply);
  });

  it('takes HTTP Basic client authentication, with RFC 6749 Appendix B percent-encoding', async () => {
    const encodedId = [...creds.client_id].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    for (const id of [creds.client_id, encodedId]) {
      const reply = await request(app.url, 'POST', TOKEN_PATH, {
        form: 'grant_type=client_credentials',
        headers: { Authorization: basic(id, creds.client_secret) },
      });
      expectToken(reply);
    }
  });

  it('accepts Basic together with a matching client_id in the body', async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, {
      form: `grant_type=client_credentials&client_id=${creds.client_id}`,
      headers: { Authorization: basic(creds.client_id, creds.client_secret) },
    });
    expectToken(reply);
  });

  it('issues a pinned-algorithm JWT with iss, aud, exp, jti and the credential generation', async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, {
      form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
    });
    const decoded = jwt.decode(reply.body.access_token, { complete: true })!;
    const payload = decoded.payload as jwt.JwtPayload;
    expect(decoded.header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(payload).toEqual({
      iat: expect.any(Number),
      exp: payload.iat! + 30 * 86400,
      iss: 'uservoice-compatible-server',
      aud: 'uservoice-admin-api-v2',
      sub: expect.stringMatching(/^client:\d+$/),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      gen: 1,
    });
  });

  it('never puts the secret or the token in the response headers', async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, {
      form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
    });
    const headerText = [...reply.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
    expect(headerText).not.toContain(creds.client_secret);
    expect(headerText).not.toContain(reply.body.access_token);
  });
});

describe('POST /api/v2/oauth/token — errors', () => {
  const good = () => `client_id=${creds.client_id}&client_secret=${creds.client_secret}`;

  it('400 invalid_request without grant_type', async () => {
    expectOAuthError(await request(app.url, 'POST', TOKEN_PATH, { form: good() }), 400, 'invalid_request');
  });

  it('400 invalid_request when grant_type is empty', async () => {
    expectOAuthError(await request(app.url, 'POST', TOKEN_PATH, { form: `grant_type=&${good()}` }), 400, 'invalid_request');
  });

  it('400 unsupported_grant_type for unknown grants (password: oauth-password.test.ts)', async () => {
    for (const grant of ['authorization_code', 'refresh_token', 'magic']) {
      const reply = await request(app.url, 'POST', TOKEN_PATH, { form: `grant_type=${grant}&${good()}` });
      expectOAuthError(reply, 400, 'unsupported_grant_type');
    }
  });

  it('400 invalid_request when a parameter is repeated (in the body, or in body and query)', async () => {
    expectOAuthError(
      await request(app.url, 'POST', TOKEN_PATH, { form: `grant_type=client_credentials&grant_type=client_credentials&${good()}` }),
      400,
      'invalid_request',
    );
    expectOAuthError(
      await request(app.url, 'POST', `${TOKEN_PATH}?client_id=${creds.client_id}`, { form: `grant_type=client_credentials&${good()}` }),
      400,
      'invalid_request',
    );
  });

  it('400 invalid_request for non-string parameters and non-object bodies', async () => {
    expectOAuthError(
      await request(app.url, 'POST', TOKEN_PATH, { json: { grant_type: 'client_credentials', client_id: 12, client_secret: 'x' } }),
      400,
      'invalid_request',
    );
    expectOAuthError(await request(app.url, 'POST', TOKEN_PATH, { json: ['client_credentials'] }), 400, 'invalid_request');
    expectOAuthError(await request(app.url, 'POST', TOKEN_PATH, { form: `grant_type[a]=b&${good()}` }), 400, 'invalid_request');
  });

  it('400 invalid_request for malformed JSON', async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, { raw: '{"grant_type":', headers: { 'Content-Type': 'application/json' } });
    expectOAuthError(reply, 400, 'invalid_request');
  });

  it('413 for an oversized body', async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, { form: `grant_type=client_credentials&pad=${'x'.repeat(1_100_000)}` });
    expectOAuthError(reply, 413, 'invalid_request');
  });

  it('401 invalid_client without credentials, with a wrong secret, and for an unknown client', async () => {
    for (const form of [
      'grant_type=client_credentials',
      `grant_type=client_credentials&client_id=${creds.client_id}`,
      `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=wrong`,
      `grant_type=client_credentials&client_id=nobody&client_secret=${creds.client_secret}`,
      `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${'x'.repeat(10_000)}`,
    ]) {
      const reply = await request(app.url, 'POST', TOKEN_PATH, { form });
      expectOAuthError(reply, 401, 'invalid_client');
      expect(reply.headers.get('www-authenticate')).toBeNull();
    }
  });

  it('401 invalid_client with WWW-Authenticate: Basic when Basic credentials fail', async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, {
      form: 'grant_type=client_credentials',
      headers: { Authorization: basic(creds.client_id, 'wrong') },
    });
    expectOAuthError(reply, 401, 'invalid_client');
    expect(reply.headers.get('www-authenticate')).toBe('Basic realm="api"');
  });

  it('401 when the Basic id and the body client_id differ', async () => {
    const other = await app.createClient('other');
    const reply = await request(app.url, 'POST', TOKEN_PATH, {
      form: `grant_type=client_credentials&client_id=${other.client_id}`,
      headers: { Authorization: basic(creds.client_id, creds.client_secret) },
    });
    expectOAuthError(reply, 401, 'invalid_client');
  });

  it('400 invalid_request when Basic and a body secret are both sent', async () => {
    const reply = await request(app.url, 'POST', TOKEN_PATH, {
      form: `grant_type=client_credentials&client_secret=${creds.client_secret}`,
      headers: { Authorization: basic(creds.client_id, creds.client_secret) },
    });
    expectOAuthError(reply, 400, 'invalid_request');
  });

  it('400 invalid_request for malformed Basic headers', async () => {
    for (const header of ['Basic', 'Basic ', 'Basic Zm9v', 'Basic !!!', 'Digest abc', `Basic ${Buffer.from(':secret').toString('base64')}`]) {
      const reply = await request(app.url, 'POST', TOKEN_PATH, { form: 'grant_type=client_credentials', headers: { Authorization: header } });
      expectOAuthError(reply, 400, 'invalid_request');
    }
  });

  it('401 for a revoked client; a rotated client accepts only its new secret', async () => {
    const revoked = await app.createClient('to revoke');
    await revokeClient(app.server.db.orm.em.fork(), revoked.client_id);
    expectOAuthError(
      await request(app.url, 'POST', TOKEN_PATH, {
        form: `grant_type=client_credentials&client_id=${revoked.client_id}&client_secret=${revoked.client_secret}`,
      }),
      401,
      'invalid_client',
    );

    const rotating = await app.createClient('to rotate');
    const rotated = await rotateClient(app.server.db.orm.em.fork(), rotating.client_id);
    expect(rotated.client_id).toBe(rotating.client_id);
    expect(rotated.client_secret).not.toBe(rotating.client_secret);
    expectOAuthError(
      await request(app.url, 'POST', TOKEN_PATH, {
        form: `grant_type=client_credentials&client_id=${rotating.client_id}&client_secret=${rotating.client_secret}`,
      }),
      401,
      'invalid_client',
    );
    expectToken(
      await request(app.url, 'POST', TOKEN_PATH, {
        form: `grant_type=client_credentials&client_id=${rotated.client_id}&client_secret=${rotated.client_secret}`,
      }),
    );
  });

  it('405 with Allow for GET on the token endpoint', async () => {
    const reply = await request(app.url, 'GET', TOKEN_PATH);
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
    expect(reply.body).toEqual({ errors: { error: 'method_not_allowed', message: 'Allowed: POST' } });
  });
});

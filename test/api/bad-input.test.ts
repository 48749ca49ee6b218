/**
 * Bad input that used to reach the database or a library and come back as a 500 (issue 14 point 6):
 * NUL bytes in client ids and list filters, a body that is not what its Content-Encoding says, and the
 * answers Node's HTTP parser writes itself (408, 431), which must be JSON in the error envelope too.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_FAILURES_PER_WINDOW } from '../../src/limits/limiters.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { request, type Reply } from '../helpers/http.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const TOKEN_PATH = '/api/v2/oauth/token';

const apps: TestApp[] = [];
async function freshApp(options: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  const app = await startTestApp(options);
  apps.push(app);
  return app;
}
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await freshApp();
  token = await app.token();
});

function expectBadRequest(reply: Reply, message: string) {
  expect(reply.status, reply.text).toBe(400);
  expect(reply.body).toEqual({ errors: { error: 'bad_request', message } });
  expect(reply.headers.get('content-type')).toBe(JSON_TYPE);
}

describe('POST /oauth/token with a NUL byte in client_id', () => {
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const attempts = (url: string): Array<[string, () => Promise<Reply>]> => [
    ['form', () => request(url, 'POST', TOKEN_PATH, { form: 'grant_type=client_credentials&client_id=abc%00&client_secret=s3cret' })],
    ['JSON', () => request(url, 'POST', TOKEN_PATH, { json: { grant_type: 'client_credentials', client_id: 'abc\u0000', client_secret: 's3cret' } })],
    [
      'Basic',
      () => request(url, 'POST', TOKEN_PATH, { form: 'grant_type=client_credentials', headers: { Authorization: basic('abc%00', 's3cret') } }),
    ],
    ['form, NUL in the secret', () => request(url, 'POST', TOKEN_PATH, { form: 'grant_type=client_credentials&client_id=abc&client_secret=s%00' })],
  ];

  it('401 invalid_client in every encoding, and each one is counted by the brute-force guard', async () => {
    const guarded = await freshApp();
    const creds = await guarded.createClient('nul target');
    let sent = 0;
    while (sent < TOKEN_FAILURES_PER_WINDOW) {
      for (const [how, attempt] of attempts(guarded.url)) {
        if (sent === TOKEN_FAILURES_PER_WINDOW) break;
        const reply = await attempt();
        expect(reply.status, `${how}: ${reply.text}`).toBe(401);
        expect(reply.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
        sent++;
      }
    }
    // Twenty failures from this address: even the right secret is refused now.
    const good = await request(guarded.url, 'POST', TOKEN_PATH, {
      form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
    });
    expect(good.status).toBe(429);
    expect(good.body.error).toBe('rate_limit_exceeded');
  });
});

describe('NUL bytes in list filters', () => {
  it('400 for q, email_address and source_* (raw or percent-encoded), instead of a database error', async () => {
    const cases = [
      ['/users?q=a%00b', 'q'],
      ['/users?email_address=a%00@example.com', 'email_address'],
      ['/users?email_address=ok@example.com,x%00', 'email_address'],
      ['/suggestions?q=%00', 'q'],
      ['/feedback?source_url=https://example.com/%00', 'source_url'],
      ['/feedback?source_type=zendesk%00', 'source_type'],
      ['/feedback?source_guid=%00zd-7', 'source_guid'],
    ];
    for (const [path, name] of cases) {
      expectBadRequest(await request(app.url, 'GET', `/api/v2/admin${path}`, { token }), `The parameter ${name} must not contain NUL bytes`);
    }
    // Without the NUL the same filters work.
    const ok = await request(app.url, 'GET', '/api/v2/admin/users?q=ab&email_address=ok@example.com', { token });
    expect(ok.status).toBe(200);
  });
});

describe('Content-Encoding that does not match the body', () => {
  it('400 for br, gzip and deflate bodies that do not decode (form and JSON)', async () => {
    for (const encoding of ['br', 'gzip', 'deflate']) {
      for (const [type, raw] of [
        ['application/x-www-form-urlencoded', 'email=a%40example.com'],
        ['application/json', '{"email":"a@example.com"}'],
      ]) {
        const reply = await request(app.url, 'POST', '/api/v2/admin/users/find_or_create', {
          token,
          raw,
          headers: { 'Content-Type': type!, 'Content-Encoding': encoding },
        });
        expectBadRequest(reply, 'The request body could not be decompressed');
      }
    }
  });
});

/** Writes `head` on a raw socket and returns everything the server sends until it closes. */
function rawExchange(url: string, head: string, timeoutMs: number): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got: ${JSON.stringify(text)}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined); // a reset after the answer is fine
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.write(head);
  });
}

function parseRaw(text: string) {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head!.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(rest.join('\r\n')) as unknown };
}

describe("answers Node's HTTP parser writes", () => {
  it('431 for oversized request headers is JSON', async () => {
    const text = await rawExchange(app.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 5_000);
    const reply = parseRaw(text);
    expect(reply.status).toBe(431);
    expect(reply.headers['content-type']).toBe(JSON_TYPE);
    expect(reply.headers.connection).toBe('close');
    expect(reply.body).toEqual({ errors: { error: 'request_header_fields_too_large', message: 'The request headers are too large' } });
  });

  it('400 for a malformed request line is JSON', async () => {
    const reply = parseRaw(await rawExchange(app.url, 'GET /health HTTP/9\r\n\r\n', 5_000));
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toBe(JSON_TYPE);
    expect(reply.body).toEqual({ errors: { error: 'bad_request', message: 'The request could not be parsed' } });
  });

  it('408 for request headers that never complete is JSON', async () => {
    const slow = await freshApp();
    // Node checks header deadlines on an interval; a short timeout shows the answer within a second or two.
    slow.server.server.headersTimeout = 500;
    const text = await rawExchange(slow.url, 'GET /health HTTP/1.1\r\nHost: x\r\n', 40_000);
    const reply = parseRaw(text);
    expect(reply.status).toBe(408);
    expect(reply.headers['content-type']).toBe(JSON_TYPE);
    expect(reply.headers.connection).toBe('close');
    expect(reply.body).toEqual({ errors: { error: 'request_timeout', message: 'The request was not received in time' } });
  }, 60_000);
});

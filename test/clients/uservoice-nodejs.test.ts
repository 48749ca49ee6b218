/**
 * UserVoice's official Node SDK (npm uservoice-nodejs@0.0.13, unmodified) against the real app.
 *
 * The SDK always calls `https://${subdomain}.${domain || 'uservoice.com'}/api/v2/`: there is no option for
 * the protocol or a path prefix, only `domain` (which may carry a port). So it needs our server at the
 * root of an HTTPS host. Here, as in production behind a TLS-terminating proxy, a TLS listener in front of
 * the app forwards the decrypted bytes; the SDK is given `subdomain: 'feedback'`,
 * `domain: 'example.test:PORT'`. Its HTTP library (`request`) uses Node's https.globalAgent, which this
 * test points at a throwaway certificate authority and resolves `*.example.test` to 127.0.0.1.
 *
 * What the SDK sends, read from node_modules/uservoice-nodejs/dist/src/v2/client.js:
 * - login: POST oauth/token, `Content-Type: application/x-www-form-urlencoded`, body
 *   `client_id=…;username=…;password=…;grant_type=password;` (`;` separators, values not encoded; no
 *   client secret) — loginAsOwner sends `client_id=…;client_secret=…;grant_type=client_credentials;`;
 *   it JSON.parses the answer and needs `access_token`.
 * - GET admin/nps_ratings?<querystring of the options> and admin/nps_ratings/<id>, with
 *   `Authorization: Bearer …`.
 * - POST admin/nps_ratings with the data as a JSON body (`request`'s `json` option).
 * It turns `YYYY-MM-DDTHH:mm:ssZ` strings of answers into Date objects.
 */
import { execFileSync } from 'node:child_process';
import dns from 'node:dns';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedCredentials } from '../../src/auth/clients.ts';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';

interface SdkClient {
  loginAsUser(email: string, password: string): Promise<SdkClient>;
  loginAsOwner(clientSecret: string): Promise<SdkClient>;
  get(endpoint: string, data?: object): Promise<any>;
  npsRatingService: {
    list(data?: object): Promise<any>;
    get(id: number, data?: object): Promise<any>;
    create(data: object): Promise<any>;
  };
}
const { ClientV2 } = createRequire(import.meta.url)('uservoice-nodejs') as { ClientV2: new (options: object) => SdkClient };

const HOST = 'feedback.example.test';
const PASSWORD = 'sdk-user-password-42';

let app: TestApp;
let admin: Api;
let creds: IssuedCredentials;
let front: tls.Server;
let certDir: string;
let domain: string;
const savedAgentOptions = { ...https.globalAgent.options };

/** A self-signed certificate for HOST, made with openssl for this run only. */
function makeCertificate(dir: string): { key: Buffer; cert: Buffer } {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`,
  ], { stdio: 'ignore' });
  return { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) };
}

beforeAll(async () => {
  app = await startTestApp();
  admin = await api(app);
  creds = await app.createClient('uservoice-nodejs');
  certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-sdk-tls-'));
  const { key, cert } = makeCertificate(certDir);
  const upstream = new URL(app.url);
  front = tls.createServer({ key, cert }, (socket) => {
    const backend = net.connect(Number(upstream.port), upstream.hostname);
    socket.on('error', () => backend.destroy());
    backend.on('error', () => socket.destroy());
    socket.pipe(backend).pipe(socket);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  domain = `example.test:${(front.address() as net.AddressInfo).port}`;
  Object.assign(https.globalAgent.options, {
    ca: [cert],
    lookup: ((hostname: string, options: dns.LookupOptions, callback: (...args: any[]) => void) => {
      if (hostname !== HOST) return dns.lookup(hostname, options, callback as never);
      return options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);
    }) as never,
  });
});

afterAll(async () => {
  https.globalAgent.options = savedAgentOptions;
  https.globalAgent.destroy();
  await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()));
  if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
  await app?.close();
});

/** An admin with a password, set through the users API. */
async function adminUser(email = `sdk-${Date.now().toString(36)}@example.com`): Promise<any> {
  const created = await admin.post('/users', { email, name: 'SDK Admin', password: PASSWORD });
  expect(created.status, created.text).toBe(200);
  const user = created.body.users[0];
  await app.server.db.orm.em.fork().getKysely<DB>().updateTable('users').set({ is_admin: true }).where('id', '=', user.id).execute();
  return user;
}

const sdk = () => new ClientV2({ clientId: creds.client_id, subdomain: 'feedback', domain });

describe('uservoice-nodejs@0.0.13 (the real SDK)', () => {
  it('loginAsUser gets a token that acts as that user', async () => {
    const user = await adminUser();
    const client = await sdk().loginAsUser(user.email_address, PASSWORD);
    const me = await client.get('admin/users/current');
    expect(me.users.map((u: any) => u.id)).toEqual([user.id]);
    expect(me.users[0].email_address).toBe(user.email_address);
  });

  it('loginAsUser works for an address with a + (the SDK sends it unencoded, so it arrives as a space)', async () => {
    const user = await adminUser(`sdk+tag-${Date.now().toString(36)}@example.com`);
    const client = await sdk().loginAsUser(user.email_address, PASSWORD);
    expect((await client.get('admin/users/current')).users[0].id).toBe(user.id);
  });

  it('loginAsUser rejects with the OAuth error for a wrong password', async () => {
    const user = await adminUser();
    await expect(sdk().loginAsUser(user.email_address, 'not the password')).rejects.toEqual({
      error: 'invalid_grant',
      error_description: 'The username or password is not valid',
    });
  });

  it('npsRatingService.create, get and list', async () => {
    const user = await adminUser();
    const rater = await admin.user({ name: 'Rater' });
    const client = await sdk().loginAsUser(user.email_address, PASSWORD);

    const created = await client.npsRatingService.create({ rating: 9, body: 'Great', prompt: 'Recommend us?', links: { user: rater.id } });
    expect(created.errors).toBeUndefined();
    const record = created.nps_ratings[0];
    expect(record).toMatchObject({ rating: 9, body: 'Great', prompt: 'Recommend us?', group: 'promoter', previous_rating: null, links: { user: rater.id, ticket: null } });
    // The SDK turned our timestamps into dates: they are in the form it expects.
    expect(record.created_at).toBeInstanceOf(Date);
    expect(record.updated_at).toBeInstanceOf(Date);

    const second = (await client.npsRatingService.create({ rating: 6, links: { user: rater.id }, date: new Date() })).nps_ratings[0];
    expect(second).toMatchObject({ rating: 6, previous_rating: 9, rating_delta: -3, group: 'detractor' });

    const got = await client.npsRatingService.get(record.id, { includes: 'users' });
    expect(got.nps_ratings.map((r: any) => r.id)).toEqual([record.id]);
    expect(got.users.map((u: any) => u.id)).toEqual([rater.id]);
    expect(got.users[0].links).toMatchObject({ current_nps_rating: second.id, previous_nps_rating: record.id });

    const listed = await client.npsRatingService.list({ user: rater.id, per_page: 1, sort: 'id' });
    expect(listed.nps_ratings.map((r: any) => r.id)).toEqual([record.id]);
    expect(listed.pagination).toMatchObject({ page: 1, per_page: 1, total_pages: 2, total_records: 2, cursor: expect.any(String) });
    const next = await client.npsRatingService.list({ user: rater.id, per_page: 1, sort: 'id', cursor: listed.pagination.cursor });
    expect(next.nps_ratings.map((r: any) => r.id)).toEqual([second.id]);

    // A 422 comes back as the body (the SDK resolves every answer).
    const invalid = await client.npsRatingService.create({ rating: 11, links: { user: rater.id } });
    expect(invalid).toEqual({ errors: { rating: ['must be less than or equal to 10'] } });
  });

  it('loginAsOwner (client credentials in the same ;-separated form) works as well', async () => {
    const client = await sdk().loginAsOwner(creds.client_secret);
    const listed = await client.npsRatingService.list();
    expect(Array.isArray(listed.nps_ratings)).toBe(true);
  });
});

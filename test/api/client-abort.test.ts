/**
 * A client that sends a request and closes the connection before the server has read its body (auth
 * is still waiting for the database) is not a server error. Before the fix raw-body's
 * `stream is not readable` (type `stream.not.readable`, status 500) was logged at error level as an
 * "unhandled error" and counted as a 500; now it is a 400 bad_request (the same as a body cut short),
 * logged only by the request log at info. Nobody reads that answer: the test checks the log.
 *
 * The race needs a database round trip during auth: on PostgreSQL (which `.ci/run` also runs) the
 * close arrives first in most attempts (16 of 30 before the fix); embedded PGlite answers within the
 * same tick, so there the body is usually read and the suggestion created (200), and the test only
 * checks that nothing becomes a 500.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api } from '../helpers/factories.ts';
import { POSTGRES_MODE, sleep } from '../helpers/process.ts';

let app: TestApp;
let token: string;
let forum: number;
const logs: string[] = [];
beforeAll(async () => {
  app = await startTestApp({ logs });
  token = await app.token();
  forum = (await (await api(app)).forum()).id as number;
});
afterAll(() => app?.close());

const ATTEMPTS = 40;

/** Writes a whole POST (headers and JSON body), then closes the socket at once, reading nothing. */
function sendAndLeave(port: number, body: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(
        `POST /api/v2/admin/suggestions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        () => {
          socket.destroy();
          resolve();
        },
      );
    });
    socket.on('error', () => resolve());
  });
}

describe('a client that leaves before its body is read', () => {
  it('is a 400 in the request log, never a 500 or an error-level line', async () => {
    logs.length = 0;
    const port = Number(new URL(app.url).port);
    for (let i = 0; i < ATTEMPTS; i++) await sendAndLeave(port, JSON.stringify({ title: `left ${i}`, links: { forum } }));
    const lines = () => logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = () => lines().filter((line) => line.msg === 'request');
    for (const started = Date.now(); requests().length < ATTEMPTS && Date.now() - started < 15_000; ) await sleep(50);

    expect(requests()).toHaveLength(ATTEMPTS);
    expect(lines().filter((line) => line.level !== 'info')).toEqual([]);
    const statuses = new Set(requests().map((line) => line.status));
    expect([...statuses].filter((status) => status !== 200 && status !== 400)).toEqual([]);
    // On PostgreSQL the close wins the race in most attempts: the test did exercise the path.
    if (POSTGRES_MODE) expect(statuses.has(400)).toBe(true);
  });
});

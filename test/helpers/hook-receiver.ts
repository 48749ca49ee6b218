import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifySignature } from '../../src/services/hook-signature.ts';

export interface Received {
  eventId: number;
  type: string;
  attempt: number;
  body: any;
  raw: string;
  signature: string | undefined;
  /** The signature checked with the hook's secret at the receiver's clock. */
  verified: boolean;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** What the next requests are answered (status, body); a `hang` answer never comes. Default 200 "ok". */
  answers: Array<{ status: number; body?: string; headers?: Record<string, string> } | 'hang'>;
  /** Secret to verify with and the clock (seconds) to verify at. */
  secret: string;
  now: () => number;
  /** Resolves once `count` requests arrived (bounded). */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 and a free port that verifies every signature it gets. */
export async function startReceiver(secret: string, now: () => number = () => Math.floor(Date.now() / 1000)): Promise<Receiver> {
  const hanging: http.ServerResponse[] = [];
  const receiver: Receiver = {
    url: '',
    received: [],
    answers: [],
    secret,
    now,
    async waitFor(count, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (receiver.received.length < count) {
        if (Date.now() > until) throw new Error(`receiver: ${receiver.received.length} of ${count} deliveries after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const signature = req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined;
      receiver.received.push({
        eventId: Number(req.headers['uservoice-event-id']),
        type: String(req.headers['uservoice-event']),
        attempt: Number(req.headers['uservoice-delivery-attempt']),
        body: JSON.parse(raw),
        raw,
        signature,
        verified: verifySignature(receiver.secret, signature, raw, receiver.now()),
      });
      const answer = receiver.answers.shift() ?? { status: 200, body: 'ok' };
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}

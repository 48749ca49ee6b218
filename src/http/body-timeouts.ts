import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { lingerOnClose } from './linger.ts';

/** Deadlines of requests whose whole body must arrive in time (all but uploads). */
const deadlines = new WeakMap<IncomingMessage, NodeJS.Timeout>();

/**
 * Lifts the total deadline from a request (the upload route): a 50 MB upload at 100 KB/s takes over
 * 8 minutes and must not be cut while bytes keep arriving; the idle timeout still applies.
 */
export function exemptFromRequestTimeout(req: IncomingMessage): void {
  clearTimeout(deadlines.get(req));
  deadlines.delete(req);
}

const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/** Answers 408 (unless a response has started) and closes the connection: the rest is not coming. */
function cut(req: IncomingMessage, res: ServerResponse, message: string): void {
  if (res.headersSent || res.writableEnded) {
    req.socket.destroy();
    return;
  }
  const body = JSON.stringify({ errors: { error: 'request_timeout', message } });
  res.writeHead(408, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  // With Connection: close Node ends the socket once this is written (lingering, so a client still
  // sending reads this answer rather than a reset), and the handler still waiting for the body sees it
  // aborted.
  lingerOnClose(req.socket);
  res.end(body);
}

/**
 * Replaces Node's requestTimeout (one total deadline for every request, 300 s by default, which cuts a
 * slow but moving 50 MB upload) by two rules for request bodies:
 * - idle: a body with no bytes for `idleMs` is cut with 408 (uploads included);
 * - total: a body that is not complete `totalMs` after the request head is cut with 408, except where
 *   the route lifted the deadline (exemptFromRequestTimeout).
 * Request heads keep their own deadline (headersTimeout). Silence after the body is complete (a slow
 * response, a slow reader, an idle keep-alive connection) is left to the other timeouts as before.
 */
export function watchRequestBodies(server: Server, { idleMs, totalMs }: { idleMs: number; totalMs: number }): void {
  server.requestTimeout = 0;
  // Socket inactivity; Node emits it on the request only while that request's body is incomplete.
  server.timeout = idleMs;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    req.on('timeout', () => cut(req, res, 'The request body stopped arriving'));
    // A listener, so that inactivity once the body is complete does not destroy the socket.
    res.on('timeout', () => {});
    if (!hasBody(req)) return;
    // A response that ends before the body (a 408 here, an early 413) makes Node close the socket
    // without telling the request: destroy it, so whoever is reading the body hears of it and lets go.
    const socket = req.socket;
    const onSocketClose = () => {
      if (!req.complete) req.destroy();
    };
    socket.once('close', onSocketClose);
    const forget = () => socket.off('close', onSocketClose);
    req.once('end', forget);
    req.once('close', forget);
    const timer = setTimeout(() => {
      deadlines.delete(req);
      if (!req.complete) cut(req, res, 'The request was not received in time');
    }, totalMs);
    deadlines.set(req, timer);
    const clear = () => exemptFromRequestTimeout(req);
    req.once('end', clear);
    res.once('close', clear);
  });
}

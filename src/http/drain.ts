import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Requests as the application sees them, for the SIGTERM drain: a socket can close (client gone,
 * shutdown timeout) while its handler still works with the database, so closing the server is not
 * the same as having no request running.
 */
export function createDrain() {
  // The running requests' responses in reused slots, not in a Map keyed per request: a Map that gains and
  // loses an entry per request has V8 rebuild its table every few requests, and each replaced table
  // points to its successor, so once one reached the old generation, every later one (and the requests
  // in it) outlived each scavenge until the next full collection. Measured with `--trace-gc-nvp` under
  // `autocannon -c10` on GET /health (src/db/pg-client.ts already in): ~730–900 KB kept per scavenge,
  // 2.3–2.9 ms pauses and a full collection every ~2 s with the Map; ~90 KB, ~0.8 ms and none in 6 s with
  // the slots (README, Benchmarks).
  const slots: (ServerResponse | undefined)[] = [];
  const free: number[] = [];
  const running = () => slots.length - free.length;
  let draining = false;
  let onIdle: (() => void) | undefined;
  const closeAfter = (res: ServerResponse) => {
    // Keep-alive clients must not send another request on a connection we are about to close.
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  return {
    /** Wraps the application's request handler (Koa's callback returns a promise per request). */
    listener(handle: Handler) {
      return (req: IncomingMessage, res: ServerResponse) => {
        if (draining) closeAfter(res);
        const done = Promise.resolve(handle(req, res)).catch(() => undefined);
        const slot = free.pop() ?? slots.length;
        slots[slot] = res;
        void done.then(() => {
          slots[slot] = undefined;
          free.push(slot);
          if (running() === 0) onIdle?.();
        });
      };
    },
    /** From now on every response, and every running one that has not answered yet, closes its connection. */
    start() {
      draining = true;
      for (const res of slots) if (res) closeAfter(res);
    },
    get running() {
      return running();
    },
    /** Resolves once no request is running. */
    idle(): Promise<void> {
      if (running() === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const previous = onIdle;
        onIdle = () => {
          previous?.();
          resolve();
        };
      });
    },
  };
}

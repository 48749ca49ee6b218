import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Requests as the application sees them, for the SIGTERM drain: a socket can close (client gone,
 * shutdown timeout) while its handler still works with the database, so closing the server is not
 * the same as having no request running.
 */
export function createDrain() {
  const running = new Map<Promise<unknown>, ServerResponse>();
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
        running.set(done, res);
        void done.then(() => {
          running.delete(done);
          if (running.size === 0) onIdle?.();
        });
      };
    },
    /** From now on every response, and every running one that has not answered yet, closes its connection. */
    start() {
      draining = true;
      for (const res of running.values()) closeAfter(res);
    },
    get running() {
      return running.size;
    },
    /** Resolves once no request is running. */
    idle(): Promise<void> {
      if (running.size === 0) return Promise.resolve();
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

import type { Socket } from 'node:net';

/** How long a closing connection keeps reading (and discarding) what its client still sends. */
export const LINGER_MS = 2_000;

const lingering = new WeakSet<Socket>();

/**
 * Closes the connection after the answer the way nginx's lingering_close does, instead of Node's
 * destroySoon. A socket closed while request bytes still arrive makes the kernel send a reset, and a
 * reset discards whatever the client has not read yet — the answer included, when the client is slow
 * to read (a loaded machine, a busy event loop). So: finish writing, send FIN, keep reading and
 * discarding until the client closes its side or LINGER_MS pass, then close.
 */
export function lingerOnClose(socket: Socket): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  socket.destroySoon = function destroySoonLingering(this: Socket) {
    if (this.destroyed) return;
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    // The HTTP parser still owns the socket's reads and discards the rest of the body (Node dumps an
    // unread request once its response is finished); a client that closes ends the wait early.
    this.once('end', () => this.destroy());
    this.end();
  };
}

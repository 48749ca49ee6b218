import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { OrmOverrides } from '../mikro-orm.config.ts';
import { createApp } from './app.ts';
import { loadSigningKey } from './auth/tokens.ts';
import { openDatabase, type Database } from './db/index.ts';

export interface RunningServer {
  url: string;
  db: Database;
  server: http.Server;
  /** Stops accepting, lets in-flight requests finish (bounded by shutdownTimeoutMs), closes the database. */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  orm?: OrmOverrides;
  clock?: () => number;
  /** Runs after migrations, before the port opens (the demo seed). */
  beforeListen?: (db: Database) => Promise<void>;
}

export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const db = await openDatabase(config, options.orm);
  const server = http.createServer();
  let url: string;
  try {
    await options.beforeListen?.(db);
    const signingKey = await loadSigningKey(db.orm, config);
    // Above common load-balancer idle timeouts (60 s), so the balancer closes idle sockets first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    url = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}`;
    // The app is built once the port is known: payload URLs default to the address actually bound.
    const app = createApp({
      config,
      orm: db.orm,
      log: options.log,
      signingKey,
      clock: options.clock ?? Date.now,
      env: { publicUrl: config.publicUrl ?? url },
    });
    server.on('request', app.callback());
  } catch (error) {
    server.close();
    await db.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets close now; busy ones as soon as their response is done.
      const reaper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs);
      });
      if ((await Promise.race([closed, timedOut])) === 'timeout') {
        options.log.warn('shutdown timeout: closing remaining connections');
        server.closeAllConnections();
        await closed;
      }
      clearInterval(reaper);
      clearTimeout(timer);
      await db.close();
    })());
  return { url, db, server, shutdown };
}

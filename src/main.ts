import './v8-flags.ts';
import { loadConfig, ConfigError } from './config.ts';
import { createLogger } from './log.ts';
import { startServer, type StartOptions } from './server.ts';
import { DataDirLockedError } from './db/index.ts';
import { isEmpty, seedDemo } from './seed.ts';
import type { IssuedCredentials } from './auth/clients.ts';
import { EXIT } from './exit-codes.ts';
import { StorageUnavailableError } from './storage/index.ts';

function banner(url: string, demo: IssuedCredentials | undefined): string {
  const lines = [`UserVoice-compatible API server listening on ${url}`, `  Admin API base URL: ${url}/api/v2`];
  if (demo) {
    lines.push(
      '',
      'Demo data loaded and a demo API client created (the secret is shown only this once):',
      `  client_id:     ${demo.client_id}`,
      `  client_secret: ${demo.client_secret}`,
      '',
      'Try it:',
      `  TOKEN=$(curl -s -X POST ${url}/api/v2/oauth/token -d 'grant_type=client_credentials&client_id=${demo.client_id}&client_secret=${demo.client_secret}' | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
      `  curl -s -H "Authorization: Bearer $TOKEN" '${url}/api/v2/admin/suggestions?includes=forums,users'`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Starts the server from the environment; `extend` is for bench/server.ts (the production entry passes none). */
export async function main({ extend }: Pick<StartOptions, 'extend'> = {}): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(EXIT.config);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  // Seed an empty embedded database by default; PostgreSQL only when asked (SEED_DEMO=1).
  const seed = config.seedDemo ?? !config.databaseUrl;
  let demo: IssuedCredentials | undefined;
  let running;
  try {
    running = await startServer(config, {
      log,
      extend,
      beforeListen: async (db, store) => {
        const em = db.orm.em.fork();
        if (seed && (await isEmpty(em))) demo = await seedDemo(em, store);
      },
    });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT.locked);
    }
    if (error instanceof StorageUnavailableError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(EXIT.config);
    }
    throw error;
  }
  process.stdout.write(banner(running.url, demo));
  log.info('listening', {
    url: running.url,
    database: config.databaseUrl ? 'postgresql' : 'pglite',
    rate_limit_store: running.limits.store,
    rate_limit_per_minute: config.rateLimitPerMinute || 'off',
  });

  const stop = (signal: string) => {
    log.info('shutting down', { signal });
    running.shutdown().then(
      () => process.exit(EXIT.ok),
      (error: unknown) => {
        log.error('shutdown failed', { error: String(error) });
        process.exit(EXIT.failure);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (import.meta.main) await main();

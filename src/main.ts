import './v8-flags.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { startServer, type RunningServer, type StartOptions } from './server.ts';
import { demoCredentialsShown, isEmpty, seedDemo, unshownDemoClient } from './seed.ts';
import type { IssuedCredentials } from './auth/clients.ts';
import { EXIT } from './exit-codes.ts';
import { describeFailure } from './startup.ts';

function banner(url: string, demo: IssuedCredentials | undefined, unshown: string | undefined): string {
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
  } else if (unshown) {
    lines.push(
      '',
      `An earlier start loaded the demo data but failed before showing the secret of its API client (${unshown}).`,
      'Create an API client (with the embedded database, stop the server first):',
      '  npm run --silent cli -- clients create --name NAME',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** One line on stderr and the documented exit code (README, Exit codes); never a stack trace. */
function fail(error: unknown): never {
  const { line, exitCode } = describeFailure(error);
  process.stderr.write(`${line}\n`);
  process.exit(exitCode);
}

/** Starts the server from the environment; `extend` is for bench/server.ts (the production entry passes none). */
export async function main({ extend }: Pick<StartOptions, 'extend'> = {}): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    fail(error);
  }
  const log = createLogger(config.logLevel, { format: config.logFormat });
  // Seed an empty embedded database by default; PostgreSQL only when asked (SEED_DEMO=1).
  const seed = config.seedDemo ?? !config.databaseUrl;
  let demo: IssuedCredentials | undefined;
  let unshown: string | undefined;
  let running: RunningServer;
  try {
    running = await startServer(config, {
      log,
      extend,
      // One process at a time: simultaneous first starts seed once.
      beforeServe: (db, store) =>
        db.exclusive(async () => {
          const em = db.orm.em.fork();
          if (seed && (await isEmpty(em))) demo = await seedDemo(em, store);
          else unshown = await unshownDemoClient(em);
        }),
    });
  } catch (error) {
    fail(error);
  }
  // Recorded just before the banner is written (nothing can fail in between), so the signal handlers
  // below are in place by the time anyone reads the banner.
  if (demo || unshown) {
    await demoCredentialsShown(running.db.orm.em.fork()).catch((error: unknown) => log.warn('could not record that the demo credentials were shown', { error: String(error) }));
  }
  process.stdout.write(banner(running.url, demo, unshown));
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

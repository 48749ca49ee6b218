/**
 * What the app is built from: created once by main.ts (or a test / the bench) and passed to every router.
 * Kept apart from app.ts so routes can name it without importing the app that mounts them.
 */
import type { MikroORM } from '@mikro-orm/sql';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { RateLimits } from './limits/limiters.ts';
import type { PresentEnv } from './resources/define.ts';
import type { UrlSigner } from './auth/url-signing.ts';
import type { BlobStore } from './storage/index.ts';
import type { Metrics } from './metrics.ts';
import type { TableVersions } from './cache/versions.ts';
import type { ResponseStore } from './cache/responses.ts';

export interface AppDeps {
  config: Config;
  orm: MikroORM;
  log: Logger;
  /** HMAC key for access tokens (see auth/tokens.ts loadSigningKey). */
  signingKey: string;
  /** Milliseconds since the epoch; injected so tests can move time without faking timers. */
  clock: () => number;
  env: PresentEnv;
  /** Signs and checks attachment download links. */
  urls: UrlSigner;
  /** Attachment bytes. */
  store: BlobStore;
  /** Rate-limit counters (limits/limiters.ts), built once at startup. */
  limits: RateLimits;
  /** What /metrics reports (metrics.ts), one registry per app. */
  metrics: Metrics;
  /**
   * Change tracking for the caches (src/cache/): the Bearer check's client copies, and the response
   * cache when RESPONSE_CACHE_BYTES > 0. Absent: nothing is cached.
   */
  cache?: { versions: TableVersions; responses?: ResponseStore };
}

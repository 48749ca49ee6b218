/** Process exit codes shared by the server and the CLI (documented in the README). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** Another process has the embedded database open. */
  locked: 3,
  /** An invalid setting, an unusable DATA_DIR or HOST, a DATABASE_URL naming no database. */
  config: 4,
  notFound: 5,
  /** PostgreSQL unreachable, or not migrated while MIGRATE_ON_START=0. */
  database: 6,
  /** PORT in use by another process (or not permitted). */
  address: 7,
} as const;

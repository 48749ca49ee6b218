import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * Extensions every PGlite instance of this server loads (PGlite bundles them but loads only those named
 * when it is created). A database whose migration created pg_trgm fails `similarity()` on an instance
 * opened without it, so every `PGlite.create` here, the tests' included, passes this.
 */
export const pgliteExtensions = { pg_trgm };

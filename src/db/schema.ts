import type { InferKyselyDB } from '@mikro-orm/sql';
import type { entities } from '../entities/index.ts';

/** Table and column types for typed Kysely queries (`em.getKysely<DB>()`), inferred from every registered entity. */
export type DB = InferKyselyDB<(typeof entities)[number]>;

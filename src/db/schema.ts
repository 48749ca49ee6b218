import type { InferKyselyDB } from '@mikro-orm/sql';
import type { ApiClientSchema } from '../entities/api-client.ts';
import type { AttachmentSchema } from '../entities/attachment.ts';
import type { CategorySchema } from '../entities/category.ts';
import type { ForumSchema } from '../entities/forum.ts';
import type { LabelSchema } from '../entities/label.ts';
import type { SettingSchema } from '../entities/setting.ts';
import type { StatusSchema } from '../entities/status.ts';
import type { SuggestionSchema } from '../entities/suggestion.ts';
import type { UserSchema } from '../entities/user.ts';

/** Table and column types for typed Kysely queries (`em.getKysely<DB>()`), inferred from the entities. */
export type DB = InferKyselyDB<
  | typeof UserSchema
  | typeof ApiClientSchema
  | typeof SettingSchema
  | typeof ForumSchema
  | typeof CategorySchema
  | typeof StatusSchema
  | typeof LabelSchema
  | typeof SuggestionSchema
  | typeof AttachmentSchema
>;

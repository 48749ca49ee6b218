import { ApiClientSchema } from './api-client.ts';
import { AttachmentSchema } from './attachment.ts';
import { CategorySchema } from './category.ts';
import { ForumSchema } from './forum.ts';
import { LabelSchema } from './label.ts';
import { SettingSchema } from './setting.ts';
import { StatusSchema } from './status.ts';
import { SuggestionSchema } from './suggestion.ts';
import { UserSchema } from './user.ts';

export { ApiClient } from './api-client.ts';
export { Attachment } from './attachment.ts';
export { Category } from './category.ts';
export { Forum } from './forum.ts';
export { Label } from './label.ts';
export { Setting } from './setting.ts';
export { Status } from './status.ts';
export { Suggestion } from './suggestion.ts';
export { User } from './user.ts';

/** Every entity, listed explicitly (MikroORM 7 has no folder discovery). */
export const entities = [
  UserSchema,
  ApiClientSchema,
  SettingSchema,
  ForumSchema,
  CategorySchema,
  StatusSchema,
  LabelSchema,
  SuggestionSchema,
  AttachmentSchema,
];

// Generated from the files in this folder by src/db/generate-indexes.ts (npm run generate); do not edit.

import { ApiClientSchema } from './api-client.ts';
import { AttachmentSchema } from './attachment.ts';
import { CategorySchema } from './category.ts';
import { CommentSchema } from './comment.ts';
import { CustomFieldSchema } from './custom-field.ts';
import { ExternalAccountSchema } from './external-account.ts';
import { ExternalUserSchema } from './external-user.ts';
import { FeedbackSchema } from './feedback.ts';
import { ForumSchema } from './forum.ts';
import { ImportProgressSchema, ImportDeferredSchema } from './import-progress.ts';
import { LabelSchema } from './label.ts';
import { NoteSchema } from './note.ts';
import { NpsRatingSchema } from './nps-rating.ts';
import { PermissionSchema } from './permission.ts';
import { SegmentSchema } from './segment.ts';
import { SegmentedValueSchema } from './segmented-value.ts';
import { SettingSchema } from './setting.ts';
import { StatusUpdateSchema } from './status-update.ts';
import { StatusSchema } from './status.ts';
import { SuggestionSchema } from './suggestion.ts';
import { SupporterSchema } from './supporter.ts';
import { TeamSchema, TeamMemberSchema } from './team.ts';
import { UserSchema } from './user.ts';

export { ApiClient } from './api-client.ts';
export { Attachment } from './attachment.ts';
export { Category } from './category.ts';
export { Comment } from './comment.ts';
export { CustomField } from './custom-field.ts';
export { ExternalAccount } from './external-account.ts';
export { ExternalUser } from './external-user.ts';
export { Feedback } from './feedback.ts';
export { Forum } from './forum.ts';
export { ImportProgress, ImportDeferred } from './import-progress.ts';
export { Label } from './label.ts';
export { Note } from './note.ts';
export { NpsRating } from './nps-rating.ts';
export { Permission } from './permission.ts';
export { Segment } from './segment.ts';
export { SegmentedValue } from './segmented-value.ts';
export { Setting } from './setting.ts';
export { StatusUpdate } from './status-update.ts';
export { Status } from './status.ts';
export { Suggestion } from './suggestion.ts';
export { Supporter } from './supporter.ts';
export { Team, TeamMember } from './team.ts';
export { User } from './user.ts';

/** Every entity, for the ORM (`entities`) and db/schema.ts (typed Kysely tables). */
export const entities = [
  ApiClientSchema,
  AttachmentSchema,
  CategorySchema,
  CommentSchema,
  CustomFieldSchema,
  ExternalAccountSchema,
  ExternalUserSchema,
  FeedbackSchema,
  ForumSchema,
  ImportProgressSchema,
  ImportDeferredSchema,
  LabelSchema,
  NoteSchema,
  NpsRatingSchema,
  PermissionSchema,
  SegmentSchema,
  SegmentedValueSchema,
  SettingSchema,
  StatusUpdateSchema,
  StatusSchema,
  SuggestionSchema,
  SupporterSchema,
  TeamSchema,
  TeamMemberSchema,
  UserSchema,
];

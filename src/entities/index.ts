// Generated from the files in this folder by src/db/generate-indexes.ts (npm run generate); do not edit.

import { ApiClientSchema } from './api-client.ts';
import { AttachmentSchema } from './attachment.ts';
import { CategorySchema } from './category.ts';
import { CommentSchema } from './comment.ts';
import { CustomFieldSchema } from './custom-field.ts';
import { ExternalAccountSchema } from './external-account.ts';
import { ExternalUserSchema } from './external-user.ts';
import { ProductAreaSchema, FeatureStatusSchema, FeatureSchema, FeatureSuggestionSchema } from './feature.ts';
import { FeedbackSchema } from './feedback.ts';
import { ForumInvitationSchema } from './forum-invitation.ts';
import { ForumSchema } from './forum.ts';
import { IdempotencyKeySchema } from './idempotency-key.ts';
import { ImportProgressSchema, ImportDeferredSchema } from './import-progress.ts';
import { ImportanceResponseSchema, ImportanceScoreSchema } from './importance.ts';
import { InternalStatusSchema, InternalStatusUpdateSchema, InternalFlagSchema } from './internal-status.ts';
import { LabelSchema } from './label.ts';
import { NoteSchema } from './note.ts';
import { NpsRatingSchema } from './nps-rating.ts';
import { PermissionSchema } from './permission.ts';
import { SegmentSchema } from './segment.ts';
import { SegmentedValueSchema } from './segmented-value.ts';
import { ServiceHookLogSchema } from './service-hook-log.ts';
import { SettingSchema } from './setting.ts';
import { StatusUpdateSchema } from './status-update.ts';
import { StatusSchema } from './status.ts';
import { SuggestedMergeSchema } from './suggested-merge.ts';
import { SuggestionActivityEntrySchema } from './suggestion-activity-entry.ts';
import { SuggestionSchema } from './suggestion.ts';
import { SupporterMessageSchema } from './supporter-message.ts';
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
export { ProductArea, FeatureStatus, Feature, FeatureSuggestion } from './feature.ts';
export { Feedback } from './feedback.ts';
export { ForumInvitation } from './forum-invitation.ts';
export { Forum } from './forum.ts';
export { IdempotencyKey } from './idempotency-key.ts';
export { ImportProgress, ImportDeferred } from './import-progress.ts';
export { ImportanceResponse, ImportanceScore } from './importance.ts';
export { InternalStatus, InternalStatusUpdate, InternalFlag } from './internal-status.ts';
export { Label } from './label.ts';
export { Note } from './note.ts';
export { NpsRating } from './nps-rating.ts';
export { Permission } from './permission.ts';
export { Segment } from './segment.ts';
export { SegmentedValue } from './segmented-value.ts';
export { ServiceHookLog } from './service-hook-log.ts';
export { Setting } from './setting.ts';
export { StatusUpdate } from './status-update.ts';
export { Status } from './status.ts';
export { SuggestedMerge } from './suggested-merge.ts';
export { SuggestionActivityEntry } from './suggestion-activity-entry.ts';
export { Suggestion } from './suggestion.ts';
export { SupporterMessage } from './supporter-message.ts';
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
  ProductAreaSchema,
  FeatureStatusSchema,
  FeatureSchema,
  FeatureSuggestionSchema,
  FeedbackSchema,
  ForumInvitationSchema,
  ForumSchema,
  IdempotencyKeySchema,
  ImportProgressSchema,
  ImportDeferredSchema,
  ImportanceResponseSchema,
  ImportanceScoreSchema,
  InternalStatusSchema,
  InternalStatusUpdateSchema,
  InternalFlagSchema,
  LabelSchema,
  NoteSchema,
  NpsRatingSchema,
  PermissionSchema,
  SegmentSchema,
  SegmentedValueSchema,
  ServiceHookLogSchema,
  SettingSchema,
  StatusUpdateSchema,
  StatusSchema,
  SuggestedMergeSchema,
  SuggestionActivityEntrySchema,
  SuggestionSchema,
  SupporterMessageSchema,
  SupporterSchema,
  TeamSchema,
  TeamMemberSchema,
  UserSchema,
];

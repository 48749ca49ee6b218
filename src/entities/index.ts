import { CommentSchema } from './comment.ts';
import { ExternalAccountSchema } from './external-account.ts';
import { ExternalUserSchema } from './external-user.ts';
import { FeedbackSchema } from './feedback.ts';
import { NoteSchema } from './note.ts';
import { NpsRatingSchema } from './nps-rating.ts';
import { StatusUpdateSchema } from './status-update.ts';
import { SupporterSchema } from './supporter.ts';
import { ApiClientSchema } from './api-client.ts';
import { AttachmentSchema } from './attachment.ts';
import { CategorySchema } from './category.ts';
import { ForumSchema } from './forum.ts';
import { LabelSchema } from './label.ts';
import { SettingSchema } from './setting.ts';
import { StatusSchema } from './status.ts';
import { SuggestionSchema } from './suggestion.ts';
import { UserSchema } from './user.ts';
import { TeamMemberSchema, TeamSchema } from './team.ts';
import { CustomFieldSchema } from './custom-field.ts';
import { SegmentSchema } from './segment.ts';
import { SegmentedValueSchema } from './segmented-value.ts';
import { PermissionSchema } from './permission.ts';
import { ImportDeferredSchema, ImportProgressSchema } from './import-progress.ts';
import { IdempotencyKeySchema } from './idempotency-key.ts';
import { FeatureSchema, FeatureStatusSchema, FeatureSuggestionSchema, ProductAreaSchema } from './feature.ts';
import { InternalFlagSchema, InternalStatusSchema, InternalStatusUpdateSchema } from './internal-status.ts';
import { ImportanceResponseSchema, ImportanceScoreSchema } from './importance.ts';
import { SupporterMessageSchema } from './supporter-message.ts';
import { SuggestionActivityEntrySchema } from './suggestion-activity-entry.ts';
import { ForumInvitationSchema } from './forum-invitation.ts';
import { SuggestedMergeSchema } from './suggested-merge.ts';
import { ServiceHookLogSchema } from './service-hook-log.ts';
import { AuditEventSchema } from './audit-event.ts';

export { Comment } from './comment.ts';
export { ExternalAccount } from './external-account.ts';
export { ExternalUser } from './external-user.ts';
export { Feedback } from './feedback.ts';
export { Note } from './note.ts';
export { NpsRating } from './nps-rating.ts';
export { StatusUpdate } from './status-update.ts';
export { Supporter } from './supporter.ts';
export { ApiClient } from './api-client.ts';
export { Attachment } from './attachment.ts';
export { Category } from './category.ts';
export { Forum } from './forum.ts';
export { Label } from './label.ts';
export { Setting } from './setting.ts';
export { Status } from './status.ts';
export { Suggestion } from './suggestion.ts';
export { User } from './user.ts';
export { Team, TeamMember } from './team.ts';
export { CustomField } from './custom-field.ts';
export { Segment } from './segment.ts';
export { SegmentedValue } from './segmented-value.ts';
export { Permission } from './permission.ts';
export { ImportDeferred, ImportProgress } from './import-progress.ts';
export { IdempotencyKey } from './idempotency-key.ts';
export { Feature, FeatureStatus, FeatureSuggestion, ProductArea } from './feature.ts';
export { InternalFlag, InternalStatus, InternalStatusUpdate } from './internal-status.ts';
export { ImportanceResponse, ImportanceScore } from './importance.ts';
export { SupporterMessage } from './supporter-message.ts';
export { SuggestionActivityEntry } from './suggestion-activity-entry.ts';
export { ForumInvitation } from './forum-invitation.ts';
export { SuggestedMerge } from './suggested-merge.ts';
export { ServiceHookLog } from './service-hook-log.ts';
export { AuditEvent } from './audit-event.ts';

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
  StatusUpdateSchema,
  CommentSchema,
  NoteSchema,
  SupporterSchema,
  FeedbackSchema,
  NpsRatingSchema,
  TeamSchema,
  TeamMemberSchema,
  CustomFieldSchema,
  SegmentSchema,
  SegmentedValueSchema,
  PermissionSchema,
  ExternalAccountSchema,
  ExternalUserSchema,
  ImportProgressSchema,
  ImportDeferredSchema,
  IdempotencyKeySchema,
  ProductAreaSchema,
  FeatureStatusSchema,
  FeatureSchema,
  FeatureSuggestionSchema,
  InternalStatusSchema,
  InternalStatusUpdateSchema,
  InternalFlagSchema,
  ImportanceResponseSchema,
  ImportanceScoreSchema,
  SupporterMessageSchema,
  SuggestionActivityEntrySchema,
  ForumInvitationSchema,
  SuggestedMergeSchema,
  ServiceHookLogSchema,
  AuditEventSchema,
];

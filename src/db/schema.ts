import type { InferKyselyDB } from '@mikro-orm/sql';
import type { CommentSchema } from '../entities/comment.ts';
import type { ExternalAccountSchema } from '../entities/external-account.ts';
import type { ExternalUserSchema } from '../entities/external-user.ts';
import type { FeedbackSchema } from '../entities/feedback.ts';
import type { NoteSchema } from '../entities/note.ts';
import type { NpsRatingSchema } from '../entities/nps-rating.ts';
import type { StatusUpdateSchema } from '../entities/status-update.ts';
import type { SupporterSchema } from '../entities/supporter.ts';
import type { ApiClientSchema } from '../entities/api-client.ts';
import type { AttachmentSchema } from '../entities/attachment.ts';
import type { CategorySchema } from '../entities/category.ts';
import type { ForumSchema } from '../entities/forum.ts';
import type { LabelSchema } from '../entities/label.ts';
import type { SettingSchema } from '../entities/setting.ts';
import type { StatusSchema } from '../entities/status.ts';
import type { SuggestionSchema } from '../entities/suggestion.ts';
import type { UserSchema } from '../entities/user.ts';
import type { TeamMemberSchema, TeamSchema } from '../entities/team.ts';
import type { CustomFieldSchema } from '../entities/custom-field.ts';
import type { SegmentSchema } from '../entities/segment.ts';
import type { SegmentedValueSchema } from '../entities/segmented-value.ts';
import type { PermissionSchema } from '../entities/permission.ts';
import type { ImportDeferredSchema, ImportProgressSchema } from '../entities/import-progress.ts';
import type { IdempotencyKeySchema } from '../entities/idempotency-key.ts';
import type { FeatureSchema, FeatureStatusSchema, FeatureSuggestionSchema, ProductAreaSchema } from '../entities/feature.ts';
import type { InternalFlagSchema, InternalStatusSchema, InternalStatusUpdateSchema } from '../entities/internal-status.ts';
import type { ImportanceResponseSchema, ImportanceScoreSchema } from '../entities/importance.ts';
import type { SupporterMessageSchema } from '../entities/supporter-message.ts';
import type { SuggestionActivityEntrySchema } from '../entities/suggestion-activity-entry.ts';
import type { ForumInvitationSchema } from '../entities/forum-invitation.ts';
import type { SuggestedMergeSchema } from '../entities/suggested-merge.ts';
import type { ServiceHookLogSchema } from '../entities/service-hook-log.ts';
import type { AuditEventSchema } from '../entities/audit-event.ts';

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
  | typeof StatusUpdateSchema
  | typeof CommentSchema
  | typeof NoteSchema
  | typeof SupporterSchema
  | typeof FeedbackSchema
  | typeof NpsRatingSchema
  | typeof TeamSchema
  | typeof TeamMemberSchema
  | typeof CustomFieldSchema
  | typeof SegmentSchema
  | typeof SegmentedValueSchema
  | typeof PermissionSchema
  | typeof ExternalAccountSchema
  | typeof ExternalUserSchema
  | typeof ImportProgressSchema
  | typeof ImportDeferredSchema
  | typeof IdempotencyKeySchema
  | typeof ProductAreaSchema
  | typeof FeatureStatusSchema
  | typeof FeatureSchema
  | typeof FeatureSuggestionSchema
  | typeof InternalStatusSchema
  | typeof InternalStatusUpdateSchema
  | typeof InternalFlagSchema
  | typeof ImportanceResponseSchema
  | typeof ImportanceScoreSchema
  | typeof SupporterMessageSchema
  | typeof SuggestionActivityEntrySchema
  | typeof ForumInvitationSchema
  | typeof SuggestedMergeSchema
  | typeof ServiceHookLogSchema
  | typeof AuditEventSchema
>;

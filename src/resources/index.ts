// Generated from the files in this folder by src/db/generate-indexes.ts (npm run generate); do not edit.

import type { ResourceDef } from './define.ts';
import { attachments } from './attachments.ts';
import { categories } from './categories.ts';
import { comments } from './comments.ts';
import { customFields } from './custom-fields.ts';
import { externalAccounts, crmAccounts } from './external-accounts.ts';
import { externalUsers } from './external-users.ts';
import { featureStatuses } from './feature-statuses.ts';
import { features } from './features.ts';
import { feedback, requests, feedbackRecords } from './feedback.ts';
import { forumInvitations } from './forum-invitations.ts';
import { forums } from './forums.ts';
import { importanceResponses, importanceScores } from './importance.ts';
import { internalFlags } from './internal-flags.ts';
import { internalStatusUpdates } from './internal-status-updates.ts';
import { internalStatuses } from './internal-statuses.ts';
import { labels } from './labels.ts';
import { notes } from './notes.ts';
import { npsRatings } from './nps-ratings.ts';
import { permissions } from './permissions.ts';
import { productAreas } from './product-areas.ts';
import { segmentedValues } from './segmented-values.ts';
import { segments } from './segments.ts';
import { serviceHookLogs } from './service-hook-logs.ts';
import { statusUpdates } from './status-updates.ts';
import { statuses } from './statuses.ts';
import { suggestedMerges } from './suggested-merges.ts';
import { suggestionActivityEntries } from './suggestion-activity-entries.ts';
import { suggestions } from './suggestions.ts';
import { supporterMessages, messages } from './supporter-messages.ts';
import { supporters } from './supporters.ts';
import { teams } from './teams.ts';
import { users } from './users.ts';

/** Every served resource declaration (registry.ts indexes them by type). */
export const declarations: ResourceDef[] = [
  attachments,
  categories,
  comments,
  customFields,
  externalAccounts,
  crmAccounts,
  externalUsers,
  featureStatuses,
  features,
  feedback,
  requests,
  feedbackRecords,
  forumInvitations,
  forums,
  importanceResponses,
  importanceScores,
  internalFlags,
  internalStatusUpdates,
  internalStatuses,
  labels,
  notes,
  npsRatings,
  permissions,
  productAreas,
  segmentedValues,
  segments,
  serviceHookLogs,
  statusUpdates,
  statuses,
  suggestedMerges,
  suggestionActivityEntries,
  suggestions,
  supporterMessages,
  messages,
  supporters,
  teams,
  users,
];

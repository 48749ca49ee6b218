import type { ResourceDef } from './define.ts';
import { attachments } from './attachments.ts';
import { categories } from './categories.ts';
import { comments } from './comments.ts';
import { crmAccounts, externalAccounts } from './external-accounts.ts';
import { externalUsers } from './external-users.ts';
import { feedback, feedbackRecords, requests } from './feedback.ts';
import { forums } from './forums.ts';
import { labels } from './labels.ts';
import { notes } from './notes.ts';
import { npsRatings } from './nps-ratings.ts';
import { statuses } from './statuses.ts';
import { statusUpdates } from './status-updates.ts';
import { suggestions } from './suggestions.ts';
import { supporters } from './supporters.ts';
import { users } from './users.ts';
import { teams } from './teams.ts';
import { customFields } from './custom-fields.ts';
import { segments } from './segments.ts';
import { segmentedValues } from './segmented-values.ts';
import { permissions } from './permissions.ts';
import { productAreas } from './product-areas.ts';
import { featureStatuses } from './feature-statuses.ts';
import { features } from './features.ts';
import { internalStatuses } from './internal-statuses.ts';
import { internalStatusUpdates } from './internal-status-updates.ts';
import { internalFlags } from './internal-flags.ts';
import { importanceResponses, importanceScores } from './importance.ts';
import { suggestionActivityEntries } from './suggestion-activity-entries.ts';
import { suggestedMerges } from './suggested-merges.ts';
import { messages, supporterMessages } from './supporter-messages.ts';
import { forumInvitations } from './forum-invitations.ts';
import { serviceHookLogs } from './service-hook-logs.ts';
import { auditEvents } from './audit-events.ts';

/** Every served resource type, by collection key. Adding a resource = one declaration listed here. */
const all: ResourceDef[] = [
  suggestions,
  forums,
  users,
  categories,
  statuses,
  labels,
  attachments,
  statusUpdates,
  comments,
  notes,
  supporters,
  feedback,
  requests,
  feedbackRecords,
  npsRatings,
  teams,
  customFields,
  segments,
  segmentedValues,
  permissions,
  externalUsers,
  externalAccounts,
  crmAccounts,
  productAreas,
  featureStatuses,
  features,
  internalStatuses,
  internalStatusUpdates,
  internalFlags,
  importanceResponses,
  importanceScores,
  suggestionActivityEntries,
  suggestedMerges,
  supporterMessages,
  messages,
  forumInvitations,
  serviceHookLogs,
  auditEvents,
];

export const registry: ReadonlyMap<string, ResourceDef> = new Map(all.map((def) => [def.type, def]));

export function resourceOf(type: string): ResourceDef {
  const def = registry.get(type);
  if (!def) throw new Error(`Unknown resource type ${type}`);
  return def;
}

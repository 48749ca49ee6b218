// Generated from the files in this folder by src/db/generate-indexes.ts (npm run generate); do not edit.

import type { ResourceDef } from './define.ts';
import { attachments } from './attachments.ts';
import { categories } from './categories.ts';
import { comments } from './comments.ts';
import { customFields } from './custom-fields.ts';
import { externalAccounts, crmAccounts } from './external-accounts.ts';
import { externalUsers } from './external-users.ts';
import { feedback, requests, feedbackRecords } from './feedback.ts';
import { forums } from './forums.ts';
import { labels } from './labels.ts';
import { notes } from './notes.ts';
import { npsRatings } from './nps-ratings.ts';
import { permissions } from './permissions.ts';
import { segmentedValues } from './segmented-values.ts';
import { segments } from './segments.ts';
import { statusUpdates } from './status-updates.ts';
import { statuses } from './statuses.ts';
import { suggestions } from './suggestions.ts';
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
  feedback,
  requests,
  feedbackRecords,
  forums,
  labels,
  notes,
  npsRatings,
  permissions,
  segmentedValues,
  segments,
  statusUpdates,
  statuses,
  suggestions,
  supporters,
  teams,
  users,
];

// Generated from the files in this folder by src/db/generate-indexes.ts (npm run generate; migration:create runs it); do not edit.

import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122021018_initial } from './Migration20261122021018_initial.ts';
import { Migration20261122024637_attachments } from './Migration20261122024637_attachments.ts';
import { Migration20261122053646_engagement } from './Migration20261122053646_engagement.ts';
import { Migration20261203074421_external_customers } from './Migration20261203074421_external_customers.ts';
import { Migration20261203074438_nps_passwords } from './Migration20261203074438_nps_passwords.ts';
import { Migration20261203075152_catalog2 } from './Migration20261203075152_catalog2.ts';
import { Migration20261203084001_importer } from './Migration20261203084001_importer.ts';
import { Migration20261203120345_roadmap_internal_importance } from './Migration20261203120345_roadmap_internal_importance.ts';
import { Migration20261203121134_import_missing } from './Migration20261203121134_import_missing.ts';
import { Migration20261203121346_activity_merges_messages } from './Migration20261203121346_activity_merges_messages.ts';
import { Migration20261203121544_idempotency_keys } from './Migration20261203121544_idempotency_keys.ts';
import { Migration20261203160550_feedback_sentiment } from './Migration20261203160550_feedback_sentiment.ts';
import { Migration20261203160600_api_keys } from './Migration20261203160600_api_keys.ts';
import { Migration20261203161500_service_hooks_events } from './Migration20261203161500_service_hooks_events.ts';
import { Migration20261203170000_change_notifications } from './Migration20261203170000_change_notifications.ts';
import { Migration20261204164259_publishable_origins } from './Migration20261204164259_publishable_origins.ts';
import { Migration20261204165326_report_indexes } from './Migration20261204165326_report_indexes.ts';
import { Migration20261204180000_list_indexes_counts } from './Migration20261204180000_list_indexes_counts.ts';
import { Migration20261204210000_forum_status_index } from './Migration20261204210000_forum_status_index.ts';
import { Migration20261204225500_pivot_counts } from './Migration20261204225500_pivot_counts.ts';
import { Migration20261205213000_forum_counts } from './Migration20261205213000_forum_counts.ts';

/** The committed migration history, in order. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261122021018_initial', class: Migration20261122021018_initial },
  { name: 'Migration20261122024637_attachments', class: Migration20261122024637_attachments },
  { name: 'Migration20261122053646_engagement', class: Migration20261122053646_engagement },
  { name: 'Migration20261203074421_external_customers', class: Migration20261203074421_external_customers },
  { name: 'Migration20261203074438_nps_passwords', class: Migration20261203074438_nps_passwords },
  { name: 'Migration20261203075152_catalog2', class: Migration20261203075152_catalog2 },
  { name: 'Migration20261203084001_importer', class: Migration20261203084001_importer },
  { name: 'Migration20261203120345_roadmap_internal_importance', class: Migration20261203120345_roadmap_internal_importance },
  { name: 'Migration20261203121134_import_missing', class: Migration20261203121134_import_missing },
  { name: 'Migration20261203121346_activity_merges_messages', class: Migration20261203121346_activity_merges_messages },
  { name: 'Migration20261203121544_idempotency_keys', class: Migration20261203121544_idempotency_keys },
  { name: 'Migration20261203160550_feedback_sentiment', class: Migration20261203160550_feedback_sentiment },
  { name: 'Migration20261203160600_api_keys', class: Migration20261203160600_api_keys },
  { name: 'Migration20261203161500_service_hooks_events', class: Migration20261203161500_service_hooks_events },
  { name: 'Migration20261203170000_change_notifications', class: Migration20261203170000_change_notifications },
  { name: 'Migration20261204164259_publishable_origins', class: Migration20261204164259_publishable_origins },
  { name: 'Migration20261204165326_report_indexes', class: Migration20261204165326_report_indexes },
  { name: 'Migration20261204180000_list_indexes_counts', class: Migration20261204180000_list_indexes_counts },
  { name: 'Migration20261204210000_forum_status_index', class: Migration20261204210000_forum_status_index },
  { name: 'Migration20261204225500_pivot_counts', class: Migration20261204225500_pivot_counts },
  { name: 'Migration20261205213000_forum_counts', class: Migration20261205213000_forum_counts },
];

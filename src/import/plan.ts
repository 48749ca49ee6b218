import type { ResourceDef } from '../resources/define.ts';
import { sentimentOfScore } from '../resources/feedback.ts';
import { resourceOf } from '../resources/registry.ts';

export interface Step {
  /** Collection on the wire (and the `--only` name). */
  type: string;
  def: ResourceDef;
  /** Pivot tables this resource owns: its `links.<name>` ids are the pivot rows (`suggestion_labels`). */
  pivots: string[];
  /** Columns not taken from the wire: recomputed after the import (counters' companions) or our own. */
  skip: string[];
  /** Columns a source may not send, inferred from what it does send when the record lacks them. */
  inferred: Record<string, (record: Record<string, unknown>) => unknown>;
}

const step = (type: string, extra: Partial<Pick<Step, 'pivots' | 'skip' | 'inferred'>> = {}): Step => ({
  type,
  def: resourceOf(type),
  pivots: extra.pivots ?? [],
  skip: extra.skip ?? [],
  inferred: extra.inferred ?? {},
});

/**
 * Dependency order: a record's links point at records of earlier steps. Users come first (almost
 * everything names an author). Links that point forward or at the same collection (a label's parent, a
 * suggestion merged into a newer one) are deferred and set at the end. Served collections that are not
 * steps are in NOT_WALKED, each with its reason.
 */
export const PLAN: readonly Step[] = [
  step('users'),
  step('forums'),
  step('categories'),
  step('statuses'),
  step('labels'),
  step('external_accounts'),
  step('external_users'),
  step('teams', { pivots: ['team_members'] }),
  step('permissions'),
  step('custom_fields'),
  step('segments'),
  step('segmented_values'),
  step('product_areas'),
  step('feature_statuses'),
  step('internal_statuses'),
  step('importance_responses'),
  // last_status_update and last_internal_status_update are recomputed from the updates (counters.ts recountAll).
  step('suggestions', { pivots: ['suggestion_labels'], skip: ['last_status_update_id', 'last_internal_status_update_id'] }),
  step('features', { pivots: ['feature_suggestions'] }),
  step('internal_status_updates'),
  step('internal_flags'),
  step('importance_scores'),
  step('status_updates'),
  step('comments'),
  step('notes'),
  step('supporters'),
  // UserVoice's feedback has a computed sentiment_score and no sentiment; the suggestions' satisfaction_*
  // counts and sentiment scores are then recounted from it (counters.ts recountAll), not copied.
  step('feedback', { inferred: { sentiment: (record) => sentimentOfScore(record.sentiment_score) } }),
  step('supporter_messages'),
  step('forum_invitations'),
  // Our server computes these pairs (services/suggested-merges.ts) from the titles; they are copied anyway,
  // ids kept, so ids an integration stored and a pair's `merged`/`stale` history survive. The target's own
  // refresh leaves a copied pair alone while its titles still score the same, and adds pairs it finds on top.
  step('suggested_merges'),
  // History, ids and timestamps kept. The importer writes rows, not through the services that log changes,
  // so the import itself adds no entries; the walk comes after every record an entry links to.
  step('suggestion_activity_entries'),
  step('nps_ratings'),
  // Bytes are downloaded and stored under keys of our own.
  step('attachments', { skip: ['storage_key', 'sha256'] }),
];

/** Collections the server serves that the importer does not walk, and why. */
export const NOT_WALKED: Readonly<Record<string, string>> = {
  requests: 'the feedback rows under another name',
  feedback_records: 'the feedback rows under another name',
  crm_accounts: 'the external accounts under another name',
  messages: 'the supporter messages under another name',
  // (translatable_strings is one document, not a collection: not in the registry, so never walked.)
  service_hook_logs: "the delivery log of a server's own webhooks: the source's deliveries were not made by this server",
  service_hooks: 'webhooks: their secrets are write-only (a source shows none to copy); register them again on the target',
  audit_events: "this server's own log of its API keys: the source's keys are not this server's",
};

export const STEP_NAMES = PLAN.map((s) => s.type);

/** The steps `--only` names (all when empty), in plan order; unknown names throw. */
export function selectSteps(only: readonly string[]): Step[] {
  const unknown = only.filter((name) => !STEP_NAMES.includes(name));
  if (unknown.length > 0) throw new Error(`unknown resource ${unknown.join(', ')} (one of: ${STEP_NAMES.join(', ')})`);
  return only.length === 0 ? [...PLAN] : PLAN.filter((s) => only.includes(s.type));
}

/**
 * The top-level `links` entries each collection contributes, written out literally: tests compare the
 * server's output with these, so they must not be derived from the resource registry.
 */
export const SUGGESTION_LINKS = {
  'suggestions.forum': { type: 'forums' },
  'suggestions.category': { type: 'categories' },
  'suggestions.created_by': { type: 'users' },
  'suggestions.labels': { type: 'labels' },
  'suggestions.status': { type: 'statuses' },
  'suggestions.last_status_update': { type: 'status_updates' },
  'suggestions.parent_suggestion': { type: 'suggestions' },
  'suggestions.parent_suggestions': { type: 'suggestions' },
  'suggestions.ticket': { type: 'tickets' },
  'suggestions.captured_by': { type: 'users' },
  'suggestions.features': { type: 'features' },
  'suggestions.custom_fields': { type: 'custom_fields' },
  'suggestions.last_internal_status_update': { type: 'internal_status_updates' },
};

export const USER_LINKS = {
  'users.current_nps_rating': { type: 'nps_ratings' },
  'users.previous_nps_rating': { type: 'nps_ratings' },
  'users.external_users': { type: 'external_users' },
  'users.teams': { type: 'teams' },
  'users.supporter': { type: 'supporters' },
  'users.crm_account': { type: 'crm_accounts' },
};

/** The 404 body for an unknown id. */
export const NOT_FOUND = { errors: { error: 'record_not_found' } };

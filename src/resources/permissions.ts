import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';
import { oneOf } from './writable.ts';

/** Values and defaults from UserVoice's "Creating Permissions through Admin API" article. */
export const LICENSE_TYPES = ['fullaccess_admin', 'admin', 'contributor', 'feedback_admin'] as const;
export const ACCESS = {
  feedback: ['none', 'view', 'contribute', 'manage'],
  features: ['none', 'view', 'manage'],
  knowledgebase: ['none', 'view', 'manage'],
  settings: ['none', 'manage', 'manage_account'],
  // Not in the article; the levels of its siblings.
  tickets: ['none', 'view', 'manage'],
} as const;

export const permissions = defineResource({
  type: 'permissions',
  singular: 'permission',
  table: 'permissions',
  fields: [
    { name: 'license_type', type: 'string' },
    { name: 'feedback', type: 'string' },
    { name: 'features', type: 'string' },
    { name: 'knowledgebase', type: 'string' },
    { name: 'settings', type: 'string' },
    { name: 'tickets', type: 'string' },
    { name: 'reply_to', type: 'string' },
    { name: 'state', type: 'string' },
    ...timestamps,
  ],
  links: [{ name: 'user', type: 'users', column: 'user_id' }],
  filters: {
    user: { kind: 'ids', column: 'user_id' },
    license_type: { kind: 'values', column: 'license_type', values: LICENSE_TYPES },
  },
  sorts: baseSorts,
  writable: {
    // Create only: whose permission this is (found or created by address).
    email: { type: 'email', max: 320, required: true },
    license_type: oneOf(LICENSE_TYPES, { required: true }),
    feedback: oneOf(ACCESS.feedback),
    features: oneOf(ACCESS.features),
    knowledgebase: oneOf(ACCESS.knowledgebase),
    settings: oneOf(ACCESS.settings),
    tickets: oneOf(ACCESS.tickets),
    reply_to: { type: 'email', max: 320, nullable: true },
  },
});

const { email: _email, ...levels } = permissions.writable!;

/** PUT changes the access levels; whose permission it is stays. (A variant, not a served resource: no defineResource.) */
export const permissionUpdates = {
  ...permissions,
  writable: levels,
};

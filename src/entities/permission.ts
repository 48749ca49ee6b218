import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { User } from './user.ts';

/**
 * An admin's license and access levels: one per admin user (every user with is_admin has one). Values
 * and defaults are UserVoice's ("Creating Permissions through Admin API").
 */
export const PermissionSchema = defineEntity({
  name: 'Permission',
  tableName: 'permissions',
  properties: {
    ...baseProperties,
    /** fullaccess_admin | admin | contributor | feedback_admin */
    licenseType: p.string().length(32),
    feedback: p.string().length(32).default('contribute'),
    features: p.string().length(32).default('none'),
    knowledgebase: p.string().length(32).default('none'),
    settings: p.string().length(32).default('none'),
    tickets: p.string().length(32).default('none'),
    replyTo: p.string().length(320).nullable(),
    state: p.string().length(32).default('active'),
    user: () => p.oneToOne(User).owner().deleteRule('cascade'),
  },
});

export class Permission extends PermissionSchema.class {}
PermissionSchema.setClass(Permission);

import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

/** A person known to the account: admins (including the owner an API client acts as) and end users. */
export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    ...baseProperties,
    name: p.string().length(255).nullable(),
    emailAddress: p.string().length(320).nullable().unique(),
    guid: p.string().length(255).nullable(),
    jobTitle: p.string().length(255).nullable(),
    avatarUrl: p.text().nullable(),
    lastIp: p.string().length(64).nullable(),
    country: p.string().length(255).nullable(),
    region: p.string().length(255).nullable(),
    city: p.string().length(255).nullable(),
    /** `allowed` or `blocked` (PUT /admin/users/{id}/block|unblock). */
    allowedState: p.string().length(32).default('allowed'),
    state: p.string().length(32).default('active'),
    satisfactionScore: p.integer().nullable(),
    supportedSuggestionsCount: p.integer().default(0),
    suggestionVotes: p.integer().default(0),
    isAdmin: p.boolean().default(false),
    isOwner: p.boolean().default(false),
    isSubscribed: p.boolean().default(false),
    emailConfirmed: p.boolean().default(false),
    statusNotifications: p.boolean().default(true),
    commentNotifications: p.boolean().default(true),
    lastLogin: p.datetime().nullable(),
    supportCreatedAt: p.datetime().nullable(),
    /** Argon2id hash for the OAuth password grant; null: the user cannot log in with a password. */
    passwordHash: p.string().length(255).nullable().lazy(),
    /** Goes up whenever the password changes, so password-grant tokens issued before stop verifying. */
    passwordGeneration: p.integer().default(1),
    /** The user's latest and second-latest NPS ratings by date, kept by services/nps-ratings.ts. */
    currentNpsRatingId: p.integer().nullable(),
    previousNpsRatingId: p.integer().nullable(),
  },
});

export class User extends UserSchema.class {}
UserSchema.setClass(User);

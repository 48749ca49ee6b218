import type { EntityManager } from '@mikro-orm/sql';
import { DEFAULT_OWNER_EMAIL } from '../config.ts';
import { ApiClient, AuditEvent, Permission, User } from '../entities/index.ts';
import { ownerPermission } from '../services/permissions.ts';
import { auditRow, type AuditEntry } from './audit-log.ts';
import { ALL_SCOPES, type Scope } from './scopes.ts';
import { hashSecret, newClientKey, newSecret } from './secrets.ts';
import { nowOf } from '../db/clock.ts';
import { originsOf, storedOrigins } from './origins.ts';

export interface IssuedCredentials {
  client_id: string;
  client_secret: string;
}

export interface ClientOptions {
  /** Default: every scope (what clients had before scopes existed). */
  scopes?: readonly Scope[];
  expiresAt?: Date | null;
}

export interface ClientSummary {
  id: number;
  client_id: string;
  name: string;
  user_id: number;
  generation: number;
  revoked: boolean;
  scopes: string;
  publishable: boolean;
  /** A publishable key's allowed browser origins; null: any (and for secret clients, which have none). */
  origins: string[] | null;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

/** Publishable keys begin with `pk_` so they are told apart at a glance (and never taken for a secret). */
const PUBLISHABLE_PREFIX = 'pk_';

export class PublishableKeyError extends Error {}

export class ClientNotFoundError extends Error {
  constructor(ref: string) {
    super(`No API client "${ref}"`);
  }
}

/**
 * The account owner, created on first need: every client acts as an admin user. It gets `email` (like
 * UserVoice's owner, it has a real address); an owner made before it had one is given it now (unless
 * another user has it).
 */
async function accountOwner(em: EntityManager, email: string): Promise<User> {
  const existing = await em.findOne(User, { isOwner: true }, { orderBy: { id: 'asc' } });
  if (existing) {
    if (existing.emailAddress == null && !(await em.findOne(User, { emailAddress: email }))) {
      existing.emailAddress = email;
      await em.flush();
    }
    return existing;
  }
  // Addresses are unique: a user who already has the owner's address becomes the owner.
  const holder = await em.findOne(User, { emailAddress: email });
  if (holder) {
    holder.isOwner = true;
    holder.isAdmin = true;
    if (!(await em.findOne(Permission, { user: holder }))) ownerPermission(em, holder);
    await em.flush();
    return holder;
  }
  const owner = em.create(User, { name: 'Account Owner', emailAddress: email, isAdmin: true, isOwner: true, emailConfirmed: true });
  ownerPermission(em, owner);
  await em.flush();
  return owner;
}

/** Audit-log entry written in the same transaction as the change it records (CLI: no request, no ip). */
function audited(em: EntityManager, entry: AuditEntry): void {
  const row = auditRow(entry, nowOf(em));
  em.create(AuditEvent, {
    action: row.action,
    clientKey: row.client_key,
    reason: row.reason,
    scopes: row.scopes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

const scopesText = (c: ApiClient) => (c.publishable ? 'publishable' : c.scopes);

/** A new client with a secret; scopes default to all three. */
export async function createClient(
  em: EntityManager,
  name: string,
  ownerEmail = DEFAULT_OWNER_EMAIL,
  options: ClientOptions = {},
): Promise<IssuedCredentials> {
  const secret = newSecret();
  const client = await insertClient(em, name, ownerEmail, {
    key: newClientKey(),
    secretHash: hashSecret(secret),
    scopes: options.scopes?.join(',') ?? ALL_SCOPES,
    publishable: false,
    expiresAt: options.expiresAt ?? null,
  });
  return { client_id: client.key, client_secret: secret };
}

/**
 * A new publishable key (`pk_…`): no secret is issued (browsers get tokens with the key alone,
 * routes/oauth.ts); the required hash column holds the hash of a secret nobody ever sees.
 */
export async function createPublishableClient(
  em: EntityManager,
  name: string,
  ownerEmail = DEFAULT_OWNER_EMAIL,
  expiresAt: Date | null = null,
  origins: readonly string[] | null = null,
): Promise<{ client_id: string }> {
  const client = await insertClient(em, name, ownerEmail, {
    key: `${PUBLISHABLE_PREFIX}${newClientKey()}`,
    secretHash: hashSecret(newSecret()),
    scopes: 'read,write',
    publishable: true,
    expiresAt,
    allowedOrigins: storedOrigins(origins),
  });
  return { client_id: client.key };
}

async function insertClient(
  em: EntityManager,
  name: string,
  ownerEmail: string,
  fields: { key: string; secretHash: string; scopes: string; publishable: boolean; expiresAt: Date | null; allowedOrigins?: string | null },
): Promise<ApiClient> {
  return em.transactional(async (tx) => {
    const owner = await accountOwner(tx, ownerEmail);
    const client = tx.create(ApiClient, { name, user: owner, ...fields });
    const notes = [expiryNote(client.expiresAt), client.allowedOrigins ? `origins ${client.allowedOrigins}` : undefined].filter(Boolean);
    audited(tx, { action: 'client.created', clientKey: client.key, scopes: scopesText(client), reason: notes.join('; ') || undefined });
    await tx.flush();
    return client;
  });
}

const expiryNote = (at: Date | null | undefined) => (at ? `expires ${at.toISOString()}` : undefined);

/**
 * Changes a client's scopes, expiry (`null` removes it) and, for a publishable key, allowed origins
 * (`null`: any); tokens already issued follow at once.
 */
export async function updateClient(
  em: EntityManager,
  ref: string,
  changes: { scopes?: readonly Scope[]; expiresAt?: Date | null; origins?: readonly string[] | null },
): Promise<ClientSummary> {
  return em.transactional(async (tx) => {
    const client = await findClient(tx, ref);
    const notes: string[] = [];
    if (changes.scopes) {
      if (client.publishable) throw new PublishableKeyError('A publishable key has no scopes to change');
      const next = changes.scopes.join(',');
      if (next !== client.scopes) notes.push(`scopes ${client.scopes} → ${next}`);
      client.scopes = next;
    }
    if (changes.expiresAt !== undefined) {
      const before = client.expiresAt?.toISOString() ?? 'never';
      const after = changes.expiresAt?.toISOString() ?? 'never';
      if (before !== after) notes.push(`expiry ${before} → ${after}`);
      client.expiresAt = changes.expiresAt;
    }
    if (changes.origins !== undefined) {
      if (!client.publishable) throw new PublishableKeyError('Only a publishable key has allowed origins');
      const before = client.allowedOrigins ?? 'any';
      const after = storedOrigins(changes.origins) ?? 'any';
      if (before !== after) notes.push(`origins ${before} → ${after}`);
      client.allowedOrigins = storedOrigins(changes.origins);
    }
    audited(tx, { action: 'client.updated', clientKey: client.key, scopes: scopesText(client), reason: notes.join('; ') || 'no change' });
    await tx.flush();
    return summarize(client);
  });
}

async function findClient(em: EntityManager, ref: string): Promise<ApiClient> {
  const client = /^\d+$/.test(ref)
    ? await em.findOne(ApiClient, { $or: [{ id: Number(ref) }, { key: ref }] })
    : await em.findOne(ApiClient, { key: ref });
  if (!client) throw new ClientNotFoundError(ref);
  return client;
}

function summarize(c: ApiClient): ClientSummary {
  return {
    id: c.id,
    client_id: c.key,
    name: c.name,
    user_id: c.user.id,
    generation: c.generation,
    revoked: c.revokedAt != null,
    scopes: scopesText(c),
    publishable: c.publishable,
    origins: originsOf(c.allowedOrigins),
    expires_at: c.expiresAt?.toISOString() ?? null,
    last_used_at: c.lastUsedAt?.toISOString() ?? null,
    created_at: c.createdAt.toISOString(),
  };
}

export async function listClients(em: EntityManager): Promise<ClientSummary[]> {
  return (await em.find(ApiClient, {}, { orderBy: { id: 'asc' } })).map(summarize);
}

/** Revoking bumps the generation too, so tokens already issued fail even before the revoked check. */
export async function revokeClient(em: EntityManager, ref: string): Promise<ClientSummary> {
  const client = await findClient(em, ref);
  client.revokedAt ??= nowOf(em);
  client.generation += 1;
  audited(em, { action: 'client.revoked', clientKey: client.key, scopes: scopesText(client) });
  await em.flush();
  return summarize(client);
}

/** A new secret; tokens minted with the old generation stop verifying at once. */
export async function rotateClient(em: EntityManager, ref: string): Promise<IssuedCredentials> {
  const client = await findClient(em, ref);
  if (client.publishable) throw new PublishableKeyError('A publishable key has no secret to rotate: revoke it and create another');
  const secret = newSecret();
  client.secretHash = hashSecret(secret);
  client.generation += 1;
  audited(em, { action: 'client.rotated', clientKey: client.key, scopes: scopesText(client) });
  await em.flush();
  return { client_id: client.key, client_secret: secret };
}

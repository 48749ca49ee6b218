import type { EntityManager } from '@mikro-orm/sql';
import { DEFAULT_OWNER_EMAIL } from '../config.ts';
import { ApiClient, Permission, User } from '../entities/index.ts';
import { ownerPermission } from '../services/permissions.ts';
import { hashSecret, newClientKey, newSecret } from './secrets.ts';
import { nowOf } from '../db/clock.ts';

export interface IssuedCredentials {
  client_id: string;
  client_secret: string;
}

export interface ClientSummary {
  id: number;
  client_id: string;
  name: string;
  user_id: number;
  generation: number;
  revoked: boolean;
  created_at: string;
}

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

export async function createClient(em: EntityManager, name: string, ownerEmail = DEFAULT_OWNER_EMAIL): Promise<IssuedCredentials> {
  return em.transactional(async (tx) => {
    const owner = await accountOwner(tx, ownerEmail);
    const secret = newSecret();
    const client = tx.create(ApiClient, { key: newClientKey(), name, secretHash: hashSecret(secret), user: owner });
    await tx.flush();
    return { client_id: client.key, client_secret: secret };
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
  await em.flush();
  return summarize(client);
}

/** A new secret; tokens minted with the old generation stop verifying at once. */
export async function rotateClient(em: EntityManager, ref: string): Promise<IssuedCredentials> {
  const client = await findClient(em, ref);
  const secret = newSecret();
  client.secretHash = hashSecret(secret);
  client.generation += 1;
  await em.flush();
  return { client_id: client.key, client_secret: secret };
}

import { LockMode, ReferenceKind, UniqueConstraintViolationException, type EntityMetadata, type EntityProperty } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { sql } from 'kysely';
import { sqlNow } from '../db/clock.ts';
import { writeTransaction } from '../db/transaction.ts';
import { ValidationError } from '../errors.ts';
import type { Input } from '../schema/input.ts';
import type { WriteInput } from '../schema/write.ts';
import type { LinkDef, ResourceDef } from '../resources/define.ts';
import { resourceOf } from '../resources/registry.ts';
import { camel } from './assign.ts';
import { found } from './found.ts';

/**
 * Create, update and delete for any declared resource, from its declaration and its entity's metadata:
 * - writable scalars go to the entity property of the same name (`welcome_message` → `welcomeMessage`);
 * - a to-one link (`links.forum`, declared with `column`) must name an existing record (else 422
 *   "does not exist") and sets the relation on that column; `null` clears it;
 * - a to-many link through a pivot (`links.users`, declared with `many`) replaces the pivot rows; the
 *   records that join or leave get a new `updated_at`, since their own links changed;
 * - `created_by` (on create) and `updated_by` (on every write) are the token's user when the entity has them;
 * - a record that rows of another table must point at (a required link without a delete rule) is not
 *   deleted while such rows exist: 422 `{"<singular>": ["has <table>; move or delete them first"]}`.
 * A resource whose writes follow only these rules declares `crud: true` and needs no service or router;
 * one with rules of its own passes `CrudRules` (services/teams.ts, custom-fields.ts, segments.ts), whose
 * hooks get the declaration's typed input (`WriteInput<typeof def>`).
 */
export interface CrudRules<D extends ResourceDef = ResourceDef, E extends object = object> {
  /** Field errors of the resource's own, answered in one 422 with the declared ones (before the record is looked up). */
  check?(input: WriteInput<D>): Record<string, string[]>;
  /**
   * Runs first in the transaction, before anything is created or changed (a query would flush pending
   * changes): more checks (throw a ValidationError) and derived properties to set, by entity name.
   */
  prepare?(tx: EntityManager, input: WriteInput<D>, existing: E | undefined): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  /** Before the record is deleted, in the same transaction: a rule that refuses throws a ValidationError. */
  deleting?(tx: EntityManager, entity: E): Promise<void>;
  /** The 422 body when a unique index rejects the write (another request took the value at the same time). */
  taken?: Record<string, string[]>;
}

export interface Actor {
  /** The token's user (stamped as `created_by`/`updated_by` where the entity has them). */
  userId?: number;
}

/** The entity mapped to the declaration's table. */
export function entityOf(em: EntityManager, def: ResourceDef): EntityMetadata {
  for (const meta of em.getMetadata().getAll().values()) if (meta.tableName === def.table && !meta.embeddable) return meta;
  throw new Error(`No entity maps the table ${def.table} of ${def.type}`);
}

const relationOn = (meta: EntityMetadata, column: string): EntityProperty | undefined =>
  meta.relations.find((prop) => (prop.kind === ReferenceKind.MANY_TO_ONE || prop.kind === ReferenceKind.ONE_TO_ONE) && prop.fieldNames?.[0] === column);

/**
 * A link's checked value: one id (a `ref` rule) or a list of ids (`idList`, for links through a pivot).
 * A declaration whose link rule makes anything else is a programming error, not a bad request.
 */
function idOf(key: string, value: unknown): number {
  if (typeof value === 'number') return value;
  throw new TypeError(`${key}: the declaration's rule must make an id`);
}
function idsOf(key: string, value: unknown): number[] {
  if (Array.isArray(value) && value.every((id) => typeof id === 'number')) return value;
  throw new TypeError(`${key}: the declaration's rule must make a list of ids`);
}

const manyLinks = (def: ResourceDef, input: Input) => def.links.filter((link) => link.many && input.has(`links.${link.name}`));

/** Ids in `ids` that are not rows of `table`. */
async function missingIds(tx: EntityManager, table: string, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await sql<{ id: number }>`select id from ${sql.table(table)} where id in (${sql.join(ids)})`.execute(tx.getKysely());
  const present = new Set(rows.rows.map((row) => Number(row.id)));
  return ids.filter((id) => !present.has(id));
}

/** Target rows of a pivot link change their own links when the pivot does: a new updated_at for them. */
async function touch(tx: EntityManager, targetTable: string, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`update ${sql.table(targetTable)} set updated_at = ${sqlNow} where id in (${sql.join(ids)})`.execute(tx.getKysely());
}

async function replacePivot(tx: EntityManager, link: LinkDef, targetTable: string, ownerId: number, ids: readonly number[]): Promise<void> {
  const { table, owner, target } = link.many!;
  const db = tx.getKysely();
  const before = (await sql<{ id: number }>`select ${sql.ref(target)} as id from ${sql.table(table)} where ${sql.ref(owner)} = ${ownerId}`.execute(db)).rows.map((r) => Number(r.id));
  const leaving = before.filter((id) => !ids.includes(id));
  const joining = ids.filter((id) => !before.includes(id));
  if (leaving.length > 0) await sql`delete from ${sql.table(table)} where ${sql.ref(owner)} = ${ownerId} and ${sql.ref(target)} in (${sql.join(leaving)})`.execute(db);
  if (joining.length > 0) {
    const rows = joining.map((id) => sql`(${ownerId}, ${id})`);
    await sql`insert into ${sql.table(table)} (${sql.ref(owner)}, ${sql.ref(target)}) values ${sql.join(rows)}`.execute(db);
  }
  await touch(tx, targetTable, [...leaving, ...joining]);
}

/** Creates (`id` undefined) or updates a record from validated input; answers its id. */
export async function saveRecord<D extends ResourceDef>(
  em: EntityManager,
  def: D,
  id: number | undefined,
  typed: WriteInput<D>,
  actor: Actor = {},
  rules: CrudRules<D> = {},
): Promise<number> {
  const meta = entityOf(em, def);
  // The generic rules read fields by names built from the declaration (`links.${name}`).
  const input: Input = typed;
  try {
    return await writeTransaction(em, async (tx) => {
      const errors: Record<string, string[]> = {};
      const data: Record<string, unknown> = {};
      for (const [key, value] of input) if (!key.startsWith('links.')) data[camel(key)] = value;
      for (const link of def.links) {
        const key = `links.${link.name}`;
        if (!input.has(key)) continue;
        const value = input.get(key);
        if (link.many) {
          const missing = await missingIds(tx, resourceOf(link.type).table, idsOf(key, value));
          if (missing.length > 0) errors[key] = ['does not exist'];
          continue;
        }
        const prop = link.column ? relationOn(meta, link.column) : undefined;
        if (!prop) continue;
        if (value === null) data[prop.name] = null;
        else if ((await missingIds(tx, prop.targetMeta!.tableName, [idOf(key, value)])).length > 0) errors[key] = ['does not exist'];
        else data[prop.name] = tx.getReference(prop.targetMeta!.class, idOf(key, value));
      }
      input.check({ ...errors, ...rules.check?.(typed) });
      const existing = id === undefined ? undefined : await found(tx.findOne(meta.class, id, { lockMode: LockMode.PESSIMISTIC_WRITE }));
      Object.assign(data, (await rules.prepare?.(tx, typed, existing)) ?? {});
      if (actor.userId !== undefined) {
        const user = meta.properties.updatedBy ?? meta.properties.createdBy;
        const ref = user ? tx.getReference(user.targetMeta!.class, actor.userId) : undefined;
        if (meta.properties.updatedBy) data.updatedBy = ref;
        if (meta.properties.createdBy && !existing) data.createdBy = ref;
      }
      const entity = existing ?? tx.create(meta.class, data);
      if (existing) Object.assign(existing, data);
      await tx.flush();
      const recordId = Number((entity as { id: number }).id);
      for (const link of manyLinks(def, input)) await replacePivot(tx, link, resourceOf(link.type).table, recordId, idsOf(link.name, input.get(`links.${link.name}`)));
      return recordId;
    });
  } catch (error) {
    if (rules.taken && error instanceof UniqueConstraintViolationException) throw new ValidationError(rules.taken);
    throw error;
  }
}

/** Deletes a record (404 if there is none), unless rows of another table still need it (422). */
export async function deleteRecord<D extends ResourceDef>(em: EntityManager, def: D, id: number, rules: CrudRules<D> = {}): Promise<void> {
  const meta = entityOf(em, def);
  await writeTransaction(em, async (tx) => {
    const entity = await found(tx.findOne(meta.class, id, { lockMode: LockMode.PESSIMISTIC_WRITE }));
    await rules.deleting?.(tx, entity);
    for (const other of tx.getMetadata().getAll().values()) {
      for (const prop of other.relations) {
        const required = prop.kind === ReferenceKind.MANY_TO_ONE && prop.targetMeta?.className === meta.className && !prop.nullable && !prop.deleteRule;
        if (required && (await tx.count(other.class, { [prop.name]: id })) > 0) {
          throw new ValidationError({ [def.singular]: [`has ${other.tableName.replace(/_/g, ' ')}; move or delete them first`] });
        }
      }
    }
    for (const link of def.links.filter((l) => l.many)) {
      const { table, owner, target } = link.many!;
      const members = (await sql<{ id: number }>`select ${sql.ref(target)} as id from ${sql.table(table)} where ${sql.ref(owner)} = ${id}`.execute(tx.getKysely())).rows;
      await touch(tx, resourceOf(link.type).table, members.map((r) => Number(r.id)));
    }
    tx.remove(entity);
    await tx.flush();
  });
}

/** The declaration's create/update and delete, for routes/collection.ts writeRoutes. */
export function crud<D extends ResourceDef>(def: D, rules: CrudRules<D> = {}) {
  return {
    save: (em: EntityManager, id: number | undefined, input: WriteInput<D>, actor?: Actor) => saveRecord(em, def, id, input, actor, rules),
    remove: (em: EntityManager, id: number) => deleteRecord(em, def, id, rules),
  };
}

import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { writeTransaction } from '../db/transaction.ts';
import type { DB } from '../db/schema.ts';
import { Feature, FeatureStatus, ProductArea, User } from '../entities/index.ts';
import type { ResourceDef } from '../resources/define.ts';
import type { CrudRules } from './crud.ts';
import type { features } from '../resources/features.ts';
import type { WriteInput } from '../schema/write.ts';
import { assignScalars } from './assign.ts';
import { found } from './found.ts';
import { nowOf } from '../db/clock.ts';

/** Product areas, feature statuses and features: the roadmap. Writes to the first two are our extension. */

/**
 * Product areas and feature statuses are written by the generic service (services/crud.ts). Deleting one
 * unlinks its features (the foreign key sets null), which get a new updated_at: their links changed.
 */
const unlinksFeatures = (column: 'product_area_id' | 'feature_status_id'): CrudRules<ResourceDef, { id: number }> => ({
  deleting: async (tx, record) => {
    await tx.getKysely<DB>().updateTable('features').set({ updated_at: nowOf(tx) }).where(column, '=', record.id).execute();
  },
});
export const productAreaRules = unlinksFeatures('product_area_id');
export const featureStatusRules = unlinksFeatures('feature_status_id');

async function missing(tx: EntityManager, table: 'feature_statuses' | 'product_areas' | 'suggestions', ids: number[]): Promise<boolean> {
  if (ids.length === 0) return false;
  const rows = await tx.getKysely<DB>().selectFrom(table).select('id').where('id', 'in', ids).execute();
  return rows.length !== ids.length;
}

const refOf = (id: number | null | undefined): number[] => (typeof id === 'number' ? [id] : []);

/**
 * Creates or updates a feature; `links.suggestions`, when sent, replaces its suggestions. Suggestions that
 * join or leave get a new updated_at, since their `links.features` changed (incremental syncs pick them
 * up). Lock order: the feature, then those suggestions in id order; no suggestion write locks a feature.
 */
export async function saveFeature(em: EntityManager, id: number | undefined, input: WriteInput<typeof features>, userId: number): Promise<number> {
  const members = input.get('links.suggestions');
  return writeTransaction(em, async (tx) => {
    const errors: Record<string, string[]> = {};
    if (await missing(tx, 'feature_statuses', refOf(input.get('links.feature_status')))) errors['links.feature_status'] = ['does not exist'];
    if (await missing(tx, 'product_areas', refOf(input.get('links.product_area')))) errors['links.product_area'] = ['does not exist'];
    if (members && (await missing(tx, 'suggestions', members))) errors['links.suggestions'] = ['does not exist'];
    input.check(errors);
    const user = tx.getReference(User, userId);
    const feature =
      id === undefined
        ? tx.create(Feature, { name: input.get('name')!, createdBy: user })
        : await found(tx.findOne(Feature, id, { lockMode: LockMode.PESSIMISTIC_WRITE }));
    assignScalars(feature, input);
    if (input.has('links.feature_status')) {
      const status = input.get('links.feature_status');
      feature.featureStatus = status == null ? null : tx.getReference(FeatureStatus, status);
    }
    if (input.has('links.product_area')) {
      const area = input.get('links.product_area');
      feature.productArea = area == null ? null : tx.getReference(ProductArea, area);
    }
    feature.updatedBy = user;
    // A change to the links alone still changes the record.
    feature.updatedAt = nowOf(tx);
    await tx.flush();
    if (members) await replaceSuggestions(tx, feature.id, members);
    return feature.id;
  });
}

async function replaceSuggestions(tx: EntityManager, featureId: number, members: number[]): Promise<void> {
  const db = tx.getKysely<DB>();
  const before = (await db.selectFrom('feature_suggestions').select('suggestion_id').where('feature_id', '=', featureId).execute()).map((r) => Number(r.suggestion_id));
  const leaving = before.filter((s) => !members.includes(s));
  const joining = members.filter((s) => !before.includes(s));
  const changed = [...leaving, ...joining].sort((a, b) => a - b);
  if (changed.length === 0) return;
  await db.selectFrom('suggestions').select('id').where('id', 'in', changed).orderBy('id').forNoKeyUpdate().execute();
  if (leaving.length > 0) await db.deleteFrom('feature_suggestions').where('feature_id', '=', featureId).where('suggestion_id', 'in', leaving).execute();
  if (joining.length > 0) await db.insertInto('feature_suggestions').values(joining.map((s) => ({ feature_id: featureId, suggestion_id: s }))).execute();
  await db.updateTable('suggestions').set({ updated_at: nowOf(tx) }).where('id', 'in', changed).execute();
}

/** Its suggestions lose the link and get a new updated_at. */
export async function deleteFeature(em: EntityManager, id: number): Promise<void> {
  await writeTransaction(em, async (tx) => {
    const feature = await found(tx.findOne(Feature, id, { lockMode: LockMode.PESSIMISTIC_WRITE }));
    await replaceSuggestions(tx, id, []);
    tx.remove(feature);
    await tx.flush();
  });
}

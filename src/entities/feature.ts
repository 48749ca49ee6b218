import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, statusProperties } from './base.ts';
import { Suggestion } from './suggestion.ts';
import { User } from './user.ts';

/** Who created and last changed a roadmap record (UserVoice's `created_by`/`updated_by` links). */
const authorship = {
  createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  updatedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
};

/** A part of the product features are grouped under (UserVoice's roadmap product areas). */
export const ProductAreaSchema = defineEntity({
  name: 'ProductArea',
  tableName: 'product_areas',
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    ...authorship,
  },
});

export class ProductArea extends ProductAreaSchema.class {}
ProductAreaSchema.setClass(ProductArea);

/** A stage of a feature on the roadmap (planned, building, shipped …). */
export const FeatureStatusSchema = defineEntity({
  name: 'FeatureStatus',
  tableName: 'feature_statuses',
  properties: {
    ...baseProperties,
    ...statusProperties,
    isDefault: p.boolean().default(false),
    ...authorship,
  },
});

export class FeatureStatus extends FeatureStatusSchema.class {}
FeatureStatusSchema.setClass(FeatureStatus);

/** A roadmap feature: what the team builds in answer to suggestions. */
export const FeatureSchema = defineEntity({
  name: 'Feature',
  tableName: 'features',
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    description: p.text().nullable(),
    position: p.integer().default(0),
    featureStatus: () => p.manyToOne(FeatureStatus).nullable().deleteRule('set null').index(),
    productArea: () => p.manyToOne(ProductArea).nullable().deleteRule('set null').index(),
    ...authorship,
  },
});

export class Feature extends FeatureSchema.class {}
FeatureSchema.setClass(Feature);

/** The suggestions a feature answers; indexed by suggestion too, for suggestions' `links.features`. */
export const FeatureSuggestionSchema = defineEntity({
  name: 'FeatureSuggestion',
  tableName: 'feature_suggestions',
  properties: {
    feature: () => p.manyToOne(Feature).primary().deleteRule('cascade'),
    suggestion: () => p.manyToOne(Suggestion).primary().deleteRule('cascade').index(),
  },
});

export class FeatureSuggestion extends FeatureSuggestionSchema.class {}
FeatureSuggestionSchema.setClass(FeatureSuggestion);

import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

/** A custom field definition for external users, external accounts or features; keys are unique per object type. */
export const CustomFieldSchema = defineEntity({
  name: 'CustomField',
  tableName: 'custom_fields',
  uniques: [{ properties: ['objectType', 'key'] }],
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    key: p.string().length(100),
    /** boolean | timestamp | string | text | number */
    fieldType: p.string().length(32),
    /** external_users | external_accounts | features */
    objectType: p.string().length(32),
  },
});

export class CustomField extends CustomFieldSchema.class {}
CustomFieldSchema.setClass(CustomField);

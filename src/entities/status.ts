import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, statusProperties } from './base.ts';

export const StatusSchema = defineEntity({
  name: 'Status',
  tableName: 'statuses',
  properties: {
    ...baseProperties,
    ...statusProperties,
    isOpen: p.boolean().default(true),
    allowComments: p.boolean().default(true),
  },
});

export class Status extends StatusSchema.class {}
StatusSchema.setClass(Status);

import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

export const StatusSchema = defineEntity({
  name: 'Status',
  tableName: 'statuses',
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    hexColor: p.string().length(16).default('#808080'),
    position: p.integer().default(0),
    isOpen: p.boolean().default(true),
    allowComments: p.boolean().default(true),
  },
});

export class Status extends StatusSchema.class {}
StatusSchema.setClass(Status);

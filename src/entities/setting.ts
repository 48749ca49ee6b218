import { defineEntity, p } from '@mikro-orm/core';
import { nowOf } from '../db/clock.ts';

/** Server-wide values that must agree across restarts and replicas (e.g. the generated signing key). */
export const SettingSchema = defineEntity({
  name: 'Setting',
  tableName: 'settings',
  properties: {
    key: p.string().length(64).primary(),
    value: p.text(),
    createdAt: p.datetime().onCreate((_, em) => nowOf(em)),
  },
});

export class Setting extends SettingSchema.class {}
SettingSchema.setClass(Setting);

import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

/** One webhook delivery attempt. Nothing writes these yet: the server has no webhooks (README). */
export const ServiceHookLogSchema = defineEntity({
  name: 'ServiceHookLog',
  tableName: 'service_hook_logs',
  properties: {
    ...baseProperties,
    url: p.text(),
    event: p.string().length(64),
    objectId: p.integer().nullable(),
    httpStatus: p.integer().nullable(),
    exception: p.text().nullable(),
  },
});

export class ServiceHookLog extends ServiceHookLogSchema.class {}
ServiceHookLogSchema.setClass(ServiceHookLog);

import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

/** One webhook delivery attempt (services/hook-delivery.ts). */
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
    serviceHookId: p.integer().nullable().index(),
    eventId: p.integer().nullable(),
    attempt: p.integer().nullable(),
    durationMs: p.integer().nullable(),
    /** The start of the receiver's answer (at most RESPONSE_EXCERPT characters). */
    responseExcerpt: p.text().nullable(),
  },
});

export class ServiceHookLog extends ServiceHookLogSchema.class {}
ServiceHookLogSchema.setClass(ServiceHookLog);

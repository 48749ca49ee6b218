import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

/** A webhook: where to POST which events, signed with `secret` (services/hook-signature.ts). */
export const ServiceHookSchema = defineEntity({
  name: 'ServiceHook',
  tableName: 'service_hooks',
  properties: {
    ...baseProperties,
    url: p.text(),
    /** Event type names (services/events.ts EVENT_TYPES). */
    events: p.json<string[]>(),
    /** The HMAC key. Kept as given: signing needs it; the API only ever shows its last characters. */
    secret: p.text(),
    active: p.boolean().default(true),
    /** Set when a delivery gave up after its retries (24 h); cleared by the next successful delivery. */
    failingSince: p.datetime().nullable(),
  },
});

export class ServiceHook extends ServiceHookSchema.class {}
ServiceHookSchema.setClass(ServiceHook);

/**
 * The outbox: one row per (hook, event), written with the event in the change's transaction, so a
 * committed change always has its deliveries and a rolled-back one has none.
 */
export const ServiceHookDeliverySchema = defineEntity({
  name: 'ServiceHookDelivery',
  tableName: 'service_hook_deliveries',
  properties: {
    id: p.integer().primary().autoincrement(),
    hookId: p.integer().index(),
    eventId: p.integer().index(),
    /** pending | delivered | failed */
    state: p.string().length(16).default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    /** A claim by a delivering process; a process that dies leaves it to lapse, and the delivery runs again. */
    lockedUntil: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

export class ServiceHookDelivery extends ServiceHookDeliverySchema.class {}
ServiceHookDeliverySchema.setClass(ServiceHookDelivery);

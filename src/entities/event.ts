import { defineEntity, p } from '@mikro-orm/core';

/**
 * A change, written by the service that makes it in the same transaction (services/events.ts): the
 * source of the change feed (/admin/events) and of webhook deliveries. `position` is given after commit,
 * in the order events become visible (services/event-feed.ts), so the feed reads in commit order.
 */
export const EventSchema = defineEntity({
  name: 'Event',
  tableName: 'events',
  properties: {
    id: p.integer().primary().autoincrement(),
    type: p.string().length(64),
    data: p.json<Record<string, unknown>>(),
    createdAt: p.datetime(),
    /** Null until sequenced; unique, increasing in commit order. */
    position: p.bigint('number').nullable().unique(),
  },
});

export class Event extends EventSchema.class {}
EventSchema.setClass(Event);

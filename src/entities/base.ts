import { p } from '@mikro-orm/core';
import { nowOf } from '../db/clock.ts';

/** Columns every UserVoice record carries: an integer id and UTC timestamps. */
export const baseProperties = {
  id: p.integer().primary().autoincrement(),
  createdAt: p.datetime().onCreate((_, em) => nowOf(em)),
  updatedAt: p
    .datetime()
    .onCreate((_, em) => nowOf(em))
    .onUpdate((_, em) => nowOf(em))
    .index(),
};

/**
 * A status of any kind (suggestion, internal, feature): a name, a colour and a place in the order; the
 * kind's own flags follow.
 */
export const statusProperties = {
  name: p.string().length(255),
  hexColor: p.string().length(16).default('#808080'),
  position: p.integer().default(0),
};

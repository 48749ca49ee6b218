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

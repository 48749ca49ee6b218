import { p } from '@mikro-orm/core';

/** Columns every UserVoice record carries: an integer id and UTC timestamps. */
export const baseProperties = {
  id: p.integer().primary().autoincrement(),
  createdAt: p.datetime().onCreate(() => new Date()),
  updatedAt: p
    .datetime()
    .onCreate(() => new Date())
    .onUpdate(() => new Date())
    .index(),
};

import type { MikroORM } from '@mikro-orm/sql';
import type { AppMiddleware } from './state.ts';

/** One EntityManager fork per request, handed to handlers through ctx.state (never a global). */
export function forkEm(orm: MikroORM): AppMiddleware {
  return async (ctx, next) => {
    ctx.state.em = orm.em.fork();
    await next();
  };
}

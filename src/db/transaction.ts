import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager, MikroORM } from '@mikro-orm/sql';
import { IsolationLevel } from '@mikro-orm/core';
import { busy, isRetryable, sqlStateOf } from './errors.ts';
import { NOW_SETTING, nowOf } from './clock.ts';

/**
 * Every write service runs its transaction through `writeTransaction`:
 * - at most `concurrency` write transactions hold a pooled connection at once, so reads (and /health)
 *   always find one even when writers pile up behind a held row lock; a writer that waits longer than
 *   `queueTimeoutMs` for its turn is answered 503 (waiting for a slot holds no connection, so this
 *   bound can be longer than the pool's);
 * - each transaction sets `lock_timeout` and `statement_timeout` (`set_config(…, true)`: SET LOCAL with
 *   bound parameters), so a writer stuck behind a lock gives its connection back and answers 503
 *   instead of waiting for the lock holder;
 * - a transaction that PostgreSQL aborts with a deadlock (40P01) or a serialization failure (40001) runs
 *   again from the start, a bounded number of times with jittered backoff. `work` must therefore read
 *   what it needs inside the transaction and have no effects outside the database.
 * The database's default isolation level is used; see ESCALATE_AFTER for SERIALIZABLE.
 */
export interface WritePolicy {
  concurrency: number;
  queueTimeoutMs: number;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

export const MAX_ATTEMPTS = 10;
/** Serialization failures (40001) after which the transaction runs at READ COMMITTED. */
const ESCALATE_AFTER = 4;
const BACKOFF_BASE_MS = 10;
const BACKOFF_CAP_MS = 800;

/** A counting semaphore whose waiters give up after a deadline. */
class Slots {
  private free: number;
  private readonly size: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
    this.size = size;
  }
  async acquire(timeoutMs: number): Promise<boolean> {
    if (this.free > 0 && this.waiting.length === 0) {
      this.free--;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(false);
      }, timeoutMs);
      this.waiting.push(grant);
    });
  }
  /** Slots held and writers waiting for one (metrics). */
  usage(): { held: number; waiting: number } {
    return { held: this.size - this.free, waiting: this.waiting.length };
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

interface Guard {
  policy: WritePolicy;
  slots: Slots;
}

/** Keyed by the ORM's configuration object, which every fork of its EntityManager shares. */
const guards = new WeakMap<object, Guard>();

/** Used when an ORM was opened without a policy (none is in this code base; a safe fallback). */
const FALLBACK: WritePolicy = { concurrency: 4, queueTimeoutMs: 10_000, lockTimeoutMs: 2_000, statementTimeoutMs: 15_000 };

export function setWritePolicy(orm: MikroORM, policy: WritePolicy): void {
  guards.set(orm.config, { policy, slots: new Slots(policy.concurrency) });
}

function guardOf(em: EntityManager): Guard {
  let guard = guards.get(em.config);
  if (!guard) guards.set(em.config, (guard = { policy: FALLBACK, slots: new Slots(FALLBACK.concurrency) }));
  return guard;
}

/** Write slots of an ORM: how many writes hold one, how many wait, out of how many (metrics). */
export function writeSlotUsage(orm: MikroORM): { held: number; waiting: number; size: number } {
  const guard = guards.get(orm.config);
  if (!guard) return { held: 0, waiting: 0, size: 0 };
  return { ...guard.slots.usage(), size: guard.policy.concurrency };
}

/** Full jitter: a random wait up to an exponentially growing cap, so retried writers spread out. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

/**
 * Work a request asks each of its write transactions to do just before committing, in that transaction
 * (http/idempotency.ts records that the request's write is in the database, so a retry after a crash
 * never runs it again). Carried by the request's async context: services need not pass it on.
 */
export const beforeCommit = new AsyncLocalStorage<(tx: EntityManager) => Promise<void>>();

export async function writeTransaction<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  // Inside a caller's transaction: that one owns the slot, the timeouts and the retries.
  if (em.isInTransaction()) return em.transactional(work);
  const { policy, slots } = guardOf(em);
  if (!(await slots.acquire(policy.queueTimeoutMs))) throw busy();
  try {
    let serializationFailures = 0;
    for (let attempt = 1; ; attempt++) {
      // Writes are correct under READ COMMITTED (row locks in one order, relative counter updates), so a
      // transaction SERIALIZABLE keeps aborting on false conflicts finishes there instead of starving.
      const options = serializationFailures >= ESCALATE_AFTER ? { isolationLevel: IsolationLevel.READ_COMMITTED } : {};
      try {
        return await em.transactional(async (tx) => {
          // The injected clock's time for SQL that stamps rows (db/clock.ts sqlNow).
          await tx.execute(`select set_config('lock_timeout', ?, true), set_config('statement_timeout', ?, true), set_config(?, ?, true)`, [
            `${policy.lockTimeoutMs}ms`,
            `${policy.statementTimeoutMs}ms`,
            NOW_SETTING,
            nowOf(tx).toISOString(),
          ]);
          const result = await work(tx);
          await beforeCommit.getStore()?.(tx);
          return result;
        }, options);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
        if (sqlStateOf(error) === '40001') serializationFailures++;
        await sleep(backoff(attempt));
      }
    }
  } finally {
    slots.release();
  }
}

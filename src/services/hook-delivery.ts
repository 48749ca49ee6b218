import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { sql } from 'kysely';
import type { MikroORM } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { writeTransaction } from '../db/transaction.ts';
import type { Logger } from '../log.ts';
import { isoSeconds } from '../resources/define.ts';
import { SIGNATURE_HEADER, signPayload } from './hook-signature.ts';
import { isPrivateLiteral, PrivateTargetError, publicLookup } from './hook-targets.ts';

/**
 * Delivers webhooks from the outbox (service_hook_deliveries, written with each change: services/events.ts).
 * Every server process may run a deliverer. A tick claims due deliveries with one UPDATE whose rows are
 * picked `FOR UPDATE SKIP LOCKED` and leased (`locked_until`) before the HTTP request is sent, so two
 * processes never send the same delivery while both live; a process that dies mid-delivery leaves a lease
 * that lapses, and the delivery is sent again (at least once: receivers deduplicate by event id).
 * A failed attempt (not 2xx, network error, timeout) is retried with exponential backoff; once the event
 * is MAX_AGE_MS old the delivery is given up and the hook marked failing. Every attempt is logged in
 * service_hook_logs. Time comes from the injected clock, so tests move it instead of sleeping.
 */
export const BACKOFF_BASE_MS = 30_000;
export const BACKOFF_CAP_MS = 6 * 3600_000;
export const MAX_AGE_MS = 24 * 3600_000;
/** Deliveries claimed per tick (and sent at once). */
const BATCH = 20;
/** The most of a receiver's answer read (then the connection is dropped) and the most kept in the log. */
const MAX_RESPONSE_BYTES = 64 * 1024;
export const RESPONSE_EXCERPT = 1_000;
const MAX_EXCEPTION = 500;

export function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
}

export interface DelivererOptions {
  pollMs: number;
  timeoutMs: number;
  clock: () => number;
  log: Logger;
  /** Deliver to private, loopback and link-local addresses too (HOOK_ALLOW_PRIVATE_URLS). */
  allowPrivate: boolean;
}

export interface Deliverer {
  /** One round: claims due deliveries and sends them; answers how many were claimed. */
  tick(): Promise<number>;
  /** Stops polling, cuts requests in flight (their attempts count as failed) and waits for the round. */
  stop(): Promise<void>;
}

interface Outcome {
  status: number | null;
  excerpt: string | null;
  exception: string | null;
  durationMs: number;
}

function describe(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout or shutdown: no answer in time';
  const code = (error as { code?: unknown } | undefined)?.code;
  const text = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  return text.slice(0, MAX_EXCEPTION);
}

/**
 * POSTs one delivery. No redirects are followed (a hook may only reach the URL it was registered with),
 * and unless `allowPrivate`, the address connected to must be public (hook-targets.ts): an IP literal is
 * checked here, a name when its socket resolves it. At most MAX_RESPONSE_BYTES of the answer are read
 * (then the connection is dropped); the excerpt is their first RESPONSE_EXCERPT characters.
 */
function send(url: string, body: string, headers: Record<string, string>, signal: AbortSignal, allowPrivate: boolean): Promise<Outcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = new URL(url);
  if (!allowPrivate && isPrivateLiteral(target)) return Promise.resolve({ status: null, excerpt: null, exception: describe(new PrivateTargetError()), durationMs: 0 });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Omit<Outcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, durationMs: elapsed() });
    };
    const requestFn = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = requestFn(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        signal,
        ...(allowPrivate ? {} : { lookup: publicLookup as never }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          const excerpt = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8').slice(0, RESPONSE_EXCERPT);
          settle({ status: response.statusCode ?? null, excerpt, exception: null });
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.byteLength;
          if (size >= MAX_RESPONSE_BYTES) {
            finish();
            response.destroy();
          }
        });
        response.on('end', finish);
        response.on('error', (error) => settle({ status: null, excerpt: null, exception: describe(error) }));
        // Cut mid-answer (timeout, shutdown, the receiver hung up): no answer.
        response.on('close', () => settle({ status: null, excerpt: null, exception: describe(signal.aborted ? signal.reason : new Error('the connection closed before the answer ended')) }));
      },
    );
    req.on('error', (error) => settle({ status: null, excerpt: null, exception: describe(error) }));
    req.end(body);
  });
}

interface Claimed {
  id: number;
  hook_id: number;
  event_id: number;
  attempts: number;
}

export function createDeliverer(orm: MikroORM, options: DelivererOptions): Deliverer {
  const { clock, log } = options;
  const stopping = new AbortController();
  const kysely = () => orm.em.fork().getKysely<DB>();

  async function claim(now: Date): Promise<Claimed[]> {
    // The lease covers the request and the write of its outcome.
    const leaseEnd = new Date(now.getTime() + options.timeoutMs + 60_000);
    const result = await sql<Claimed>`update service_hook_deliveries set locked_until = ${leaseEnd}, attempts = attempts + 1, updated_at = ${now}
      where id in (
        select d.id from service_hook_deliveries d join service_hooks h on h.id = d.hook_id and h.active
        where d.state = 'pending' and d.next_attempt_at <= ${now} and (d.locked_until is null or d.locked_until <= ${now})
        order by d.next_attempt_at, d.id limit ${BATCH}
        for update of d skip locked)
      returning id, hook_id, event_id, attempts`.execute(kysely());
    return result.rows;
  }

  async function deliver(claimed: Claimed[]): Promise<void> {
    const db = kysely();
    const hookIds = [...new Set(claimed.map((c) => c.hook_id))];
    const eventIds = [...new Set(claimed.map((c) => c.event_id))];
    const hooks = new Map((await db.selectFrom('service_hooks').select(['id', 'url', 'secret']).where('id', 'in', hookIds).execute()).map((h) => [h.id, h]));
    const events = new Map(
      (await db.selectFrom('events').select(['id', 'type', 'data', 'created_at']).where('id', 'in', eventIds).execute()).map((e) => [e.id, e]),
    );
    await Promise.all(
      claimed.map(async (delivery) => {
        const hook = hooks.get(delivery.hook_id);
        const event = events.get(delivery.event_id);
        if (!hook || !event) return; // Deleted meanwhile (a hook's deletion takes its deliveries along).
        const createdAt = new Date(event.created_at as unknown as string | Date);
        const body = JSON.stringify({ id: event.id, type: event.type, created_at: isoSeconds(createdAt), data: event.data });
        const headers = {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'uservoice-compatible-server webhooks',
          'UserVoice-Event': event.type,
          'UserVoice-Event-Id': String(event.id),
          'UserVoice-Delivery-Attempt': String(delivery.attempts),
          [SIGNATURE_HEADER]: signPayload(hook.secret, body, Math.floor(clock() / 1000)),
        };
        const outcome = await send(hook.url, body, headers, AbortSignal.any([AbortSignal.timeout(options.timeoutMs), stopping.signal]), options.allowPrivate);
        await record(delivery, hook.url, event.type, event.data, createdAt, outcome).catch((error: unknown) =>
          log.warn('could not record a webhook delivery; it will be sent again', { delivery: delivery.id, error: String(error) }),
        );
      }),
    );
  }

  async function record(delivery: Claimed, url: string, type: string, data: Record<string, unknown>, createdAt: Date, outcome: Outcome): Promise<void> {
    const now = new Date(clock());
    const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const exhausted = !ok && now.getTime() - createdAt.getTime() >= MAX_AGE_MS;
    const objectId = [data.suggestion, data.nps_rating].find((v) => typeof v === 'number') as number | undefined;
    await writeTransaction(orm.em.fork(), async (tx) => {
      const db = tx.getKysely<DB>();
      await db
        .insertInto('service_hook_logs')
        .values({
          url,
          event: type,
          object_id: objectId ?? null,
          http_status: outcome.status,
          exception: outcome.exception ?? (ok ? null : `HTTP ${outcome.status}`),
          service_hook_id: delivery.hook_id,
          event_id: delivery.event_id,
          attempt: delivery.attempts,
          duration_ms: outcome.durationMs,
          response_excerpt: outcome.excerpt,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const next = ok || exhausted ? {} : { next_attempt_at: new Date(now.getTime() + backoffMs(delivery.attempts)) };
      await db
        .updateTable('service_hook_deliveries')
        .set({ state: ok ? 'delivered' : exhausted ? 'failed' : 'pending', locked_until: null, updated_at: now, ...next })
        .where('id', '=', delivery.id)
        .execute();
      if (ok) await db.updateTable('service_hooks').set({ failing_since: null }).where('id', '=', delivery.hook_id).where('failing_since', 'is not', null).execute();
      if (exhausted) await db.updateTable('service_hooks').set({ failing_since: now }).where('id', '=', delivery.hook_id).where('failing_since', 'is', null).execute();
    });
  }

  async function tick(): Promise<number> {
    const claimed = await claim(new Date(clock()));
    if (claimed.length > 0) await deliver(claimed);
    return claimed.length;
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = (delay: number) => {
    if (stopped || options.pollMs === 0) return;
    timer = setTimeout(() => {
      running = tick().then(
        // A full batch: more may be due, go on at once.
        (count) => schedule(count >= BATCH ? 0 : options.pollMs),
        (error: unknown) => {
          log.warn('webhook delivery round failed', { error: String(error) });
          schedule(options.pollMs);
        },
      );
    }, delay);
    timer.unref();
  };
  schedule(options.pollMs);
  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      stopping.abort();
      await running;
    },
  };
}

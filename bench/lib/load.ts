/** Load generation with autocannon (never pipelined: one request in flight per connection, like real clients). */
import autocannon from 'autocannon';

export interface LoadOptions {
  headers?: Record<string, string>;
  connections: number;
  /** Seconds. */
  duration: number;
  method?: 'GET' | 'POST' | 'PUT';
  /** Request bodies, used in turn (one body: every request sends it). */
  bodies?: string[];
}

export interface LoadResult {
  rps: number;
  /** Latency percentiles in ms, from every response's own time (autocannon's histogram rounds to whole ms). */
  p50: number;
  p99: number;
  /** Every 2xx response's time in ms, ascending. */
  latencies: Float64Array;
  requests: number;
  /** Non-2xx responses plus socket errors and timeouts. */
  failures: number;
  /** Status codes seen, with counts (to explain failures). */
  statuses: Record<string, number>;
}

/** The value at quantile q (0–1) of an ascending array (nearest rank). */
export function quantile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function load(url: string, options: LoadOptions): Promise<LoadResult> {
  const bodies = options.bodies ?? [];
  let next = 0;
  const instance = autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    pipelining: 1,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    timeout: 10,
    // autocannon stops at its first sample tick after `duration` (every 1 s by default, which turned
    // every run shorter than a second into one of a second): tick every 100 ms instead.
    sampleInt: 100,
    ...(bodies.length > 0
      ? {
          requests: [
            {
              method: options.method ?? 'POST',
              setupRequest: (request: Record<string, unknown>) => ({ ...request, body: bodies[next++ % bodies.length] }),
            },
          ],
        }
      : {}),
  });
  let times = new Float64Array(1 << 16);
  let count = 0;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode < 200 || statusCode > 299) return;
    if (count === times.length) {
      const grown = new Float64Array(times.length * 2);
      grown.set(times);
      times = grown;
    }
    times[count++] = responseTime;
  });
  const result = await instance;
  const sorted = times.slice(0, count).sort();
  return {
    rps: result.requests.total / result.duration,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    latencies: sorted,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count])),
  };
}

/** p50 and p99 over the responses of several runs together. */
export function percentiles(runs: Float64Array[]): { p50: number; p99: number } {
  const all = new Float64Array(runs.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of runs) {
    all.set(r, at);
    at += r.length;
  }
  all.sort();
  return { p50: quantile(all, 0.5), p99: quantile(all, 0.99) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

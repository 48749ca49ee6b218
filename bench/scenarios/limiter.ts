/**
 * Rate-limiter overhead (ENGINEERING.md §2.4 T6): a cheap authenticated GET with the per-client limiter
 * on (a limit so high nothing is ever limited) and off (RATE_LIMIT_PER_MINUTE=0), servers started in the
 * same run on equal fresh databases. A third server, also off, is the control: the off/control ratio
 * shows how far two identical servers differ on this machine in this run (the noise floor the on/off
 * ratio must be read against). Measured runs rotate through the servers so drift hits all alike; the
 * figures are medians over the repeats.
 */
import { load, median, type LoadResult } from '../lib/load.ts';
import { freshDatabase, startServer, tokenFor, type BenchDatabase, type BenchServer } from '../lib/server.ts';
import type { Scenario } from '../index.ts';

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

const PATH = '/api/v2/admin/users/current';
/** Far above what one run can send: headers are computed and counters kept, nothing is refused. */
const HUGE_LIMIT = '1000000000';

export const limiter: Scenario = {
  name: 'limiter',
  description: `GET ${PATH}, per-client rate limiter on vs off`,
  async run({ options, log }) {
    const variants = [
      { name: 'on', env: { RATE_LIMIT_PER_MINUTE: HUGE_LIMIT } },
      { name: 'off', env: { RATE_LIMIT_PER_MINUTE: '0' } },
      { name: 'control', env: { RATE_LIMIT_PER_MINUTE: '0' } },
    ] as const;
    const databases: BenchDatabase[] = [];
    const servers: BenchServer[] = [];
    try {
      const redis = process.env.REDIS_URL?.trim();
      const started: { name: string; server: BenchServer; headers: Record<string, string>; db: BenchDatabase }[] = [];
      for (const variant of variants) {
        const db = await freshDatabase(`limiter_${variant.name}`);
        databases.push(db);
        const server = await startServer({ ...db.env, BENCH: '1', ...(redis ? { REDIS_URL: redis } : {}), ...variant.env });
        servers.push(server);
        const headers = { Authorization: `Bearer ${await tokenFor(server)}` };
        // The switch really is what differs: headers with the limiter on, none with it off.
        const probe = await fetch(`${server.url}${PATH}`, { headers });
        const limited = probe.headers.has('x-rate-limit-limit');
        if (probe.status !== 200 || limited !== (variant.name === 'on')) {
          throw new Error(`${variant.name}: unexpected probe (${probe.status}, rate headers ${limited})`);
        }
        started.push({ ...variant, server, headers, db });
      }
      const store = redis ? 'redis' : started[0]!.db.kind === 'postgresql' ? 'postgresql' : 'memory';
      log(`database ${started[0]!.db.kind}, limiter store ${store}, -c ${options.connections}, ${options.duration} s × ${options.repeats}`);

      for (const v of started) {
        log(`warm-up ${v.name} (${options.warmup} s)`);
        await load(`${v.server.url}${PATH}`, { headers: v.headers, connections: options.connections, duration: options.warmup });
      }
      const statements = async (server: BenchServer) =>
        ((await (await fetch(`${server.url}/_bench/sql`)).json()) as { statements: number }).statements;
      const sql: Record<string, number> = {};
      for (const v of started) {
        const before = await statements(v.server);
        await (await fetch(`${v.server.url}${PATH}`, { headers: v.headers })).text();
        sql[v.name] = (await statements(v.server)) - before;
      }
      const runs: Record<string, (LoadResult & { cpuUs: number })[]> = { on: [], off: [], control: [] };
      for (let repeat = 0; repeat < options.repeats; repeat++) {
        // Each repeat starts with the next server: every one takes every position in turn.
        const order = started.map((_, i) => started[(i + repeat) % started.length]!);
        for (const v of order) {
          const cpuBefore = v.server.cpuMs();
          const result = await load(`${v.server.url}${PATH}`, { headers: v.headers, connections: options.connections, duration: options.duration });
          if (result.failures > 0) throw new Error(`${v.name}: ${result.failures} failed requests (non-2xx or socket errors)`);
          const cpuUs = ((v.server.cpuMs() - cpuBefore) * 1000) / result.requests;
          runs[v.name]!.push({ ...result, cpuUs });
          log(`run ${repeat + 1} ${v.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${cpuUs.toFixed(0)} µs CPU/request`);
        }
      }

      const summarize = (name: string) => {
        const list = runs[name]!;
        return {
          limiter: name,
          'req/s (median)': median(list.map((r) => r.rps)),
          'req/s (min–max)': `${Math.min(...list.map((r) => r.rps)).toFixed(0)}–${Math.max(...list.map((r) => r.rps)).toFixed(0)}`,
          'p50 ms': median(list.map((r) => r.p50)),
          'p99 ms': median(list.map((r) => r.p99)),
          // From /proc: the server's own CPU time per request (also affected by a busy or shared machine).
          'server CPU µs/req': median(list.map((r) => r.cpuUs)),
          requests: list.reduce((sum, r) => sum + r.requests, 0),
        };
      };
      const on = summarize('on');
      const off = summarize('off');
      const control = summarize('control');
      const ratio = on['req/s (median)'] / off['req/s (median)'];
      const controlRatio = control['req/s (median)'] / off['req/s (median)'];
      const cpuRatio = off['server CPU µs/req'] / on['server CPU µs/req'];
      const row = (s: typeof on, variant: string, r: number | undefined, vs: string) => ({
        scenario: 'limiter',
        variant,
        rps: s['req/s (median)'],
        spread: s['req/s (min–max)'],
        p50: s['p50 ms'],
        p99: s['p99 ms'],
        ratio: r,
        vs,
        sql: sql[s.limiter],
        cpuUs: s['server CPU µs/req'],
      });
      return {
        detail: [on, off, control],
        rows: [row(on, `on (${store})`, ratio, 'off'), row(off, 'off', undefined, ''), row(control, 'off (control)', controlRatio, 'off')],
        summary: {
          limiter: {
            rps: Math.round(on['req/s (median)']),
            p50_ms: round(on['p50 ms'], 2),
            p99_ms: round(on['p99 ms'], 2),
            ratio: round(ratio),
            sql: sql.on ?? null,
            store,
            rps_off: Math.round(off['req/s (median)']),
            control_ratio: round(controlRatio),
            cpu_ratio: round(cpuRatio),
          },
        },
        checks: [
          { target: `limiter (${store} store): on ÷ off req/s`, figure: ratio.toFixed(3), threshold: '≥ 0.95', pass: ratio >= 0.95 },
          {
            target: `limiter: p99 ≤ 4× p50 at -c ${options.connections}`,
            figure: `${on['p99 ms'].toFixed(1)} / ${on['p50 ms'].toFixed(1)} ms = ${(on['p99 ms'] / on['p50 ms']).toFixed(2)}×`,
            threshold: '≤ 4',
            pass: on['p99 ms'] <= 4 * on['p50 ms'],
          },
        ],
        notes: [
          `store: ${store}; ratio on/off ${ratio.toFixed(3)} (target ≥ 0.95); control/off ${controlRatio.toFixed(3)} ` +
            `(two identical servers: |1 − control/off| is this run's noise); ` +
            `CPU per request off/on ${cpuRatio.toFixed(3)}`,
        ],
      };
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      for (const db of databases) await db.drop();
    }
  },
};

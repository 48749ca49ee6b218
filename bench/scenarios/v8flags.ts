/**
 * `v8flags` (issue 15 point 6, run only when named): the same server started several times on one
 * database, each with other V8 flags, and the api scenario's read routes loaded on each in turn
 * (repeat by repeat, the order rotating), so throughput, server CPU per request, GC share and the
 * resident set are compared side by side in one run. Configurations: `--v8flags=NAME:FLAGS;NAME:FLAGS`
 * (flags comma-separated, given after `npm start`'s own, which they override; the first configuration is
 * the reference), default below. src/v8-flags.ts turns allocation-site pretenuring off unless a
 * pretenuring flag is given to node itself.
 *
 * RSS: the kernel's high-water mark (VmHWM) of each server once every route has run on it, and its RSS
 * at start; V8's young generation (new space) and the heap in use from /_bench/memory.
 */
import { loadDataset } from '../lib/dataset.ts';
import { load, median } from '../lib/load.ts';
import { freshDatabase, startServer, statusKb, tokenFor, type BenchServer } from '../lib/server.ts';
import type { Check, Figures, MeasuredRow, Scenario } from '../index.ts';
import type { Row } from '../lib/table.ts';

const INCLUDES = 'includes=forums,users,categories,statuses,labels';
const MB = 1024 * 1024;

/**
 * As `npm start` runs it (START_FLAGS: --max-semi-space-size=16 --heap-growing-percent=50); V8's own
 * old-generation growing (0: a factor V8 picks from the GC speed, up to 4×); V8's own young generation
 * too (0: sized from the heap limit, 64 MB semi-spaces on a 24 GB machine); a smaller young generation.
 */
const DEFAULT_CONFIGS = 'start:;v8grow:--heap-growing-percent=0;v8default:--max-semi-space-size=0,--heap-growing-percent=0;semi8:--max-semi-space-size=8';

const ROUTES: Array<[string, string]> = [
  ['list_100', `/_bench/uncached/api/v2/admin/suggestions?per_page=100&${INCLUDES}`],
  ['list_10', `/_bench/uncached/api/v2/admin/suggestions?per_page=10&${INCLUDES}`],
  ['list_100_cached', `/api/v2/admin/suggestions?per_page=100&${INCLUDES}`],
  ['get_one', `/_bench/uncached/api/v2/admin/suggestions/9998?${INCLUDES}`],
];

interface Config {
  name: string;
  flags: string[];
}

export function parseConfigs(text: string = DEFAULT_CONFIGS): Config[] {
  return text.split(';').map((part) => {
    const [name, flags = ''] = part.split(':');
    return { name: name!.trim(), flags: flags.split(',').map((f) => f.trim()).filter(Boolean) };
  });
}

interface Memory {
  heapUsed: number;
  heapTotal: number;
  external: number;
  spaces: Record<string, { size: number; used: number }>;
}

export const v8flags: Scenario = {
  name: 'v8flags',
  description: 'the read routes on servers started with different V8 flags, side by side (throughput, CPU/req, GC, RSS)',
  async run({ options, log }) {
    const configs = parseConfigs(options.v8flags);
    const db = await freshDatabase('v8flags');
    const servers: Array<{ config: Config; server: BenchServer; headers: Record<string, string>; startRss: number }> = [];
    try {
      const data = await loadDataset(db.env);
      for (const config of configs) {
        const server = await startServer({ ...db.env, RATE_LIMIT_PER_MINUTE: '1000000000' }, { credentials: data, nodeArgs: config.flags });
        servers.push({ config, server, headers: { Authorization: `Bearer ${await tokenFor(server)}` }, startRss: statusKb(server.pid, 'VmRSS') / 1024 });
        log(`v8flags: ${config.name} (${config.flags.join(' ') || 'no flags'}) pid ${server.pid}`);
      }
      type Run = { rps: number; cpuUs: number; gcPct: number; p50: number; p99: number };
      const runs = new Map<string, Run[]>();
      const key = (config: string, route: string) => `${config} ${route}`;
      for (const [route, path] of ROUTES) {
        for (const s of servers) await load(`${s.server.url}${path}`, { connections: options.connections, duration: Math.max(1, options.warmup), headers: s.headers });
        for (let repeat = 0; repeat < options.repeats; repeat++) {
          for (let i = 0; i < servers.length; i++) {
            const s = servers[(i + repeat) % servers.length]!;
            const gcBefore = ((await (await fetch(`${s.server.url}/_bench/counters`)).json()) as { gc_ms: number }).gc_ms;
            const cpuBefore = s.server.cpuMs();
            const started = performance.now();
            const r = await load(`${s.server.url}${path}`, { connections: options.connections, duration: options.duration, headers: s.headers });
            const elapsed = performance.now() - started;
            if (r.failures > 0) throw new Error(`v8flags ${s.config.name} ${route}: ${r.failures} failures ${JSON.stringify(r.statuses)}`);
            const gcAfter = ((await (await fetch(`${s.server.url}/_bench/counters`)).json()) as { gc_ms: number }).gc_ms;
            const run: Run = { rps: r.rps, cpuUs: ((s.server.cpuMs() - cpuBefore) * 1000) / r.requests, gcPct: ((gcAfter - gcBefore) * 100) / elapsed, p50: r.p50, p99: r.p99 };
            log(`v8flags ${route} run ${repeat + 1} ${s.config.name}: ${r.rps.toFixed(0)} req/s, ${run.cpuUs.toFixed(0)} µs CPU/req, GC ${run.gcPct.toFixed(1)}%`);
            runs.set(key(s.config.name, route), [...(runs.get(key(s.config.name, route)) ?? []), run]);
          }
        }
      }
      const reference = configs[0]!.name;
      const rows: MeasuredRow[] = [];
      const detail: Row[] = [];
      const summary: Record<string, Figures> = {};
      const checks: Check[] = [];
      for (const s of servers) {
        const memory = (await (await fetch(`${s.server.url}/_bench/memory`)).json()) as Memory;
        const hwm = statusKb(s.server.pid, 'VmHWM') / 1024;
        const young = ((memory.spaces.new_space?.size ?? 0) + (memory.spaces.new_large_object_space?.size ?? 0)) / MB;
        const figures: Figures = {
          flags: s.config.flags.join(' '),
          start_rss_mb: Math.round(s.startRss),
          rss_hwm_mb: Math.round(hwm),
          young_space_mb: Math.round(young),
          heap_used_mb: Math.round(memory.heapUsed / MB),
        };
        for (const [route] of ROUTES) {
          const mine = runs.get(key(s.config.name, route))!;
          const ref = runs.get(key(reference, route))!;
          const ratio = median(mine.map((r, i) => r.rps / ref[i]!.rps));
          const cpuRatio = median(mine.map((r, i) => r.cpuUs / ref[i]!.cpuUs));
          figures[`${route}_rps_ratio`] = Math.round(ratio * 1000) / 1000;
          figures[`${route}_cpu_ratio`] = Math.round(cpuRatio * 1000) / 1000;
          const rps = median(mine.map((r) => r.rps));
          rows.push({
            scenario: `v8flags ${route}`,
            variant: s.config.name,
            rps,
            spread: `${Math.min(...mine.map((r) => r.rps)).toFixed(0)}–${Math.max(...mine.map((r) => r.rps)).toFixed(0)}`,
            p50: median(mine.map((r) => r.p50)),
            p99: median(mine.map((r) => r.p99)),
            ratio,
            vs: reference,
            cpuUs: median(mine.map((r) => r.cpuUs)),
            gcPct: median(mine.map((r) => r.gcPct)),
          });
        }
        detail.push({
          config: s.config.name,
          flags: s.config.flags.join(' ') || '(none)',
          'RSS start MB': Math.round(s.startRss),
          'RSS high-water MB': Math.round(hwm),
          'young gen MB': Math.round(young),
          'heap used MB': Math.round(memory.heapUsed / MB),
          ...Object.fromEntries(ROUTES.map(([route]) => [`${route} req/s ÷ ${reference}`, (figures[`${route}_rps_ratio`] as number).toFixed(3)])),
        });
        summary[`v8flags_${s.config.name}`] = figures;
        checks.push({ target: `v8flags ${s.config.name}: RSS high-water`, figure: `${Math.round(hwm)} MB`, threshold: 'info', pass: null });
      }
      return { rows, summary, checks, detail, notes: ['v8flags: ratios are medians of runs adjacent in time (same repeat), against the first configuration.'] };
    } finally {
      for (const s of servers) await s.server.stop();
      await db.drop();
    }
  },
};

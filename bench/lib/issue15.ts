/**
 * Issue 15's six targets, one line each, from the figures the scenarios put in the run's JSON summary.
 * A point whose figures this run did not produce (its scenario not run, or not possible on this
 * database) is "not measured", never a pass.
 */
import type { Figures } from '../index.ts';
import type { Row } from './table.ts';

export type Verdict = 'pass' | 'FAIL' | 'not measured';

export interface TargetLine {
  point: number;
  what: string;
  figure: string;
  target: string;
  result: Verdict;
}

/** Point 5: a scenario's p99 ÷ p50 may exceed its same-run baseline's by this factor. */
export const TAIL_SLACK = 1.1;
/** Point 2: latency at the large data set ÷ at 10,000 rows. */
const SCALE_MAX = 1.5;

const num = (f: Figures | undefined, key: string): number | undefined => (typeof f?.[key] === 'number' ? (f[key] as number) : undefined);
const verdict = (ok: boolean): Verdict => (ok ? 'pass' : 'FAIL');
const missing = (point: number, what: string, target: string, why: string): TargetLine => ({ point, what, figure: `not measured (${why})`, target, result: 'not measured' });

/**
 * Point 6's target (README, Benchmarks): the RSS the server starts with, plus the response cache's
 * budget, plus a fixed allowance for V8's young generation and the working set of requests in flight.
 */
const RSS_ALLOWANCE_MB = 96;
function rssTarget(memory: Figures): { limitMb: number; explain: string } {
  const start = num(memory, 'start_rss_mb') ?? 0;
  const cache = num(memory, 'response_cache_max_mb') ?? 0;
  return { limitMb: start + cache + RSS_ALLOWANCE_MB, explain: `start ${start.toFixed(0)} + cache ${cache.toFixed(0)} + ${RSS_ALLOWANCE_MB}` };
}

export function issue15Targets(s: Record<string, Figures>): TargetLine[] {
  const lines: TargetLine[] = [];

  // 1. Server CPU per list_100 request ÷ the legacy (objects) path, same run.
  {
    const what = 'list_100 server CPU/req ÷ legacy path';
    const target = '≤ 0.5';
    const ratio = num(s.list_100, 'cpu_ratio');
    if (ratio === undefined) lines.push(missing(1, what, target, s.list_100 ? 'no legacy variant' : 'list_100 not run'));
    else lines.push({ point: 1, what, figure: `${num(s.list_100, 'cpu_us')} / ${num(s.list_100, 'legacy_cpu_us')} µs = ${ratio.toFixed(3)}`, target, result: verdict(ratio <= 0.5) });
  }

  // 2. Flat cost: every scale probe within 1.5× of its p50 at 10,000 rows, at 1,000,000 rows, and no
  // sequential scan of a big table in any probe's plan (the scale scenario EXPLAINs them at both sizes).
  // A smaller --large can fail the point, never pass it.
  {
    const what = 'scale: p50 at large ÷ at 10,000 (each); EXPLAIN';
    const target = `≤ ${SCALE_MAX} at 1,000,000; no seq scan`;
    const scale = s.scale;
    const probes = Object.keys(scale ?? {})
      .filter((k) => k.endsWith('_ratio') && k !== 'max_ratio')
      .map((k) => [k.slice(0, -'_ratio'.length), scale![k] as number] as const);
    const large = num(scale, 'large');
    if (!scale || probes.length === 0 || large === undefined) lines.push(missing(2, what, target, 'scale not run'));
    else {
      const over = probes.filter(([, ratio]) => ratio > SCALE_MAX);
      const worst = probes.reduce((x, y) => (y[1] > x[1] ? y : x));
      const explainOk = scale.explain_pass;
      const seq = probes.map(([name]) => [name, scale[`${name}_seq_scans`]] as const).filter(([, list]) => typeof list === 'string' && list !== '');
      const explain = explainOk === true ? 'no seq scan' : explainOk === false ? `seq scans: ${seq.map(([n, l]) => `${n} (${l})`).join(', ') || 'at 10,000'}` : 'EXPLAIN not reported';
      const figure =
        `${probes.length - over.length} of ${probes.length} within at ${large.toLocaleString('en')}` +
        (over.length ? ` (over: ${over.map(([n, r]) => `${n} ${r.toFixed(2)}`).join(', ')})` : ` (worst ${worst[0]} ${worst[1].toFixed(2)})`) +
        `; ${explain}`;
      const result: Verdict = over.length > 0 || explainOk === false ? 'FAIL' : large < 1_000_000 || explainOk !== true ? 'not measured' : 'pass';
      lines.push({ point: 2, what, figure, target, result });
    }
  }

  // 3. Cached list_100 ÷ the static-bytes ceiling, and the cache answering the fresh body after a write.
  {
    const what = 'list_100_cached ÷ ceiling; fresh after write';
    const target = '≥ 0.3; fresh';
    const ratio = num(s.list_100_cached, 'ratio');
    const fresh = s.fresh?.fresh_after_write;
    if (ratio === undefined || typeof fresh !== 'boolean') {
      lines.push(missing(3, what, target, [ratio === undefined ? 'list_100_cached' : '', typeof fresh !== 'boolean' ? 'fresh' : ''].filter(Boolean).join(', ') + ' not run'));
    } else {
      lines.push({ point: 3, what, figure: `${ratio.toFixed(3)}; ${fresh ? 'fresh' : 'STALE'}`, target, result: verdict(ratio >= 0.3 && fresh) });
    }
  }

  // 4. The Bearer check: no statement per cached request (but the once-a-minute record of use), and a
  // revocation by another process refused within 1 s.
  {
    const what = 'Bearer check SQL/req; CLI revocation refused within';
    const target = '0 (+ last use/min); ≤ 1000 ms';
    const r = s.revoke;
    const total = num(r, 'bearer_sql_total');
    const allowed = num(r, 'bearer_sql_allowed');
    const ms = num(r, 'revocation_ms');
    if (total === undefined || allowed === undefined) lines.push(missing(4, what, target, 'revoke not run'));
    else {
      const sqlText = `${num(r, 'bearer_sql_per_request')} (${total} in all, on ${num(r, 'bearer_sql_requests')} of 200 requests)`;
      const accepted = num(r, 'accepted_after_revocation') ?? 0;
      const revocation = ms === undefined ? 'revocation not measured (needs PostgreSQL)' : `${ms} ms${accepted > 0 ? `, ${accepted} accepted after it` : ''}`;
      const sqlOk = total <= allowed;
      const result: Verdict = !sqlOk || (ms !== undefined && (ms > 1000 || accepted > 0)) ? 'FAIL' : ms === undefined ? 'not measured' : 'pass';
      lines.push({ point: 4, what, figure: `${sqlText}; ${revocation}`, target, result });
    }
  }

  // 5. Each scenario's p99 ÷ p50 within its same-run baseline's × 1.1.
  {
    const what = `p99 ÷ p50 ≤ baseline's × ${TAIL_SLACK}, per scenario`;
    const target = `all within`;
    const tails = Object.entries(s).filter(([, f]) => typeof f.tail === 'number' && typeof f.baseline_tail === 'number');
    if (tails.length === 0) lines.push(missing(5, what, target, 'no api scenario run'));
    else {
      const over = tails.filter(([, f]) => (f.tail as number) > (f.baseline_tail as number) * TAIL_SLACK);
      const named = over.map(([name, f]) => `${name} ${(f.tail as number).toFixed(2)} vs ${(f.baseline_tail as number).toFixed(2)}`);
      lines.push({ point: 5, what, figure: `${tails.length - over.length} of ${tails.length} within${named.length ? `; over: ${named.join(', ')}` : ''}`, target, result: verdict(over.length === 0) });
    }
  }

  // 6. The server's RSS high-water mark after the api scenario.
  {
    const what = 'server RSS high-water after the api scenario';
    const memory = s.memory;
    const hwm = num(memory, 'rss_hwm_mb');
    if (!memory || hwm === undefined) lines.push(missing(6, what, 'see README', 'api scenario not run'));
    else {
      const { limitMb, explain } = rssTarget(memory);
      lines.push({ point: 6, what, figure: `${hwm.toFixed(1)} MB (after ${memory.after})`, target: `≤ ${limitMb.toFixed(0)} MB (${explain})`, result: verdict(hwm <= limitMb) });
    }
  }
  return lines;
}

export const targetRows = (lines: TargetLine[]): Row[] =>
  lines.map((l) => ({ point: String(l.point), what: l.what, figure: l.figure, target: l.target, result: l.result }));

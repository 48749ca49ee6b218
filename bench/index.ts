/**
 * Benchmark runner: `npm run bench [-- NAME… --quick --pglite --duration=S --repeats=N --connections=C --warmup=S --cpu-prof]`.
 *
 * Scenarios start what they measure (real server processes on fresh databases), measure it next to a
 * baseline from the same run, stop it again and return rows, headline figures and target checks. The
 * runner prints each scenario's details as it goes, then one table of every measurement, the targets
 * with pass/fail, and — as the last line — one JSON object keyed by scenario name for machines.
 *
 * Database: a temp database on DATABASE_URL's server when it is set (created and dropped by the bench),
 * else — or with --pglite — a temp PGlite directory. REDIS_URL, when set, is passed on to the servers.
 * NAME selects scenarios (`api`, `limiter`, `uploads`) or parts of `api` (`token`, `health`, `list_100`,
 * `list_10`, `get_one`, `create`).
 */
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { api } from './scenarios/api.ts';
import { limiter } from './scenarios/limiter.ts';
import { uploads } from './scenarios/uploads.ts';
import { databaseKind, pinSelf, useEmbeddedDatabase } from './lib/server.ts';
import { formatTable, type Row } from './lib/table.ts';

export interface BenchOptions {
  /** Seconds per measured run. */
  duration: number;
  /** Measured runs per variant (the report takes the median). */
  repeats: number;
  /** Concurrent connections (not pipelined). */
  connections: number;
  /** Seconds of warm-up per variant before measuring. */
  warmup: number;
  /** Start the API server with `node --cpu-prof` (profiles in bench/results/tmp/profiles/). */
  cpuProf: boolean;
}

/** One measured variant of a scenario, for the combined table. */
export interface MeasuredRow {
  scenario: string;
  variant: string;
  /** Median req/s over the repeats, and the min–max spread. */
  rps: number;
  spread: string;
  p50: number;
  p99: number;
  /** real: real / baseline req/s; a baseline: baseline / real. */
  ratio?: number;
  vs?: string;
  /** SQL statements one request sends. */
  sql?: number;
  /** Server CPU time per request, µs. */
  cpuUs?: number;
}

/** Headline figures of a scenario (the JSON line): at least rps, p50_ms, p99_ms, ratio, sql. */
export type Figures = Record<string, number | string | boolean | null>;

/** A target from the issue / ENGINEERING.md §2.4; `pass: null` is informational. */
export interface Check {
  target: string;
  figure: string;
  threshold: string;
  pass: boolean | null;
}

export interface ScenarioResult {
  rows: MeasuredRow[];
  summary: Record<string, Figures>;
  checks: Check[];
  /** A scenario's own table (printed with its notes when it ends). */
  detail?: Row[];
  notes?: string[];
}

export interface ScenarioContext {
  options: BenchOptions;
  log: (line: string) => void;
  /** Part names asked for on the command line (undefined: everything). */
  only?: ReadonlySet<string>;
}

export interface Scenario {
  name: string;
  description: string;
  /** Names of parts that can be selected on their own. */
  parts?: string[];
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

/** Every scenario, in the order they run. Add new ones here. */
const SCENARIOS: Scenario[] = [api, limiter, uploads];

const QUICK: BenchOptions = { duration: 1, repeats: 1, connections: 10, warmup: 0.5, cpuProf: false };

function parseArgs(argv: string[]): { names: string[]; options: BenchOptions; quick: boolean; pglite: boolean } {
  const quick = argv.includes('--quick');
  const options: BenchOptions = quick ? { ...QUICK } : { duration: 10, repeats: 3, connections: 10, warmup: 3, cpuProf: false };
  const names: string[] = [];
  let pglite = false;
  for (const arg of argv) {
    const flag = /^--(duration|repeats|connections|warmup)=(\d+(?:\.\d+)?)$/.exec(arg);
    if (flag) options[flag[1] as 'duration' | 'repeats' | 'connections' | 'warmup'] = Number(flag[2]);
    else if (arg === '--quick') continue;
    else if (arg === '--pglite') pglite = true;
    else if (arg === '--cpu-prof') options.cpuProf = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  const known = SCENARIOS.flatMap((s) => [s.name, ...(s.parts ?? [])]);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return { names, options, quick, pglite };
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let rev = 'unknown';
  try {
    rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim()) rev += '+dirty';
  } catch {
    // not a git checkout
  }
  return `${os.availableParallelism()} CPUs (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}, git ${rev}`;
}

const fixed = (digits: number) => (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '' : x.toFixed(digits));

async function main(): Promise<void> {
  const started = performance.now();
  const { names, options, quick, pglite } = parseArgs(process.argv.slice(2));
  if (pglite) useEmbeddedDatabase();
  const only = names.length > 0 ? new Set(names) : undefined;
  const selected = SCENARIOS.filter((s) => !only || only.has(s.name) || (s.parts ?? []).some((p) => only.has(p)));
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const kind = databaseKind();
  process.stdout.write(
    `bench: ${kind === 'postgresql' ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (embedded)'}${process.env.REDIS_URL ? ' + Redis' : ''}; ` +
      `${quick ? 'quick, ' : ''}${options.duration} s × ${options.repeats} per variant after ${options.warmup} s warm-up, ` +
      `-c ${options.connections} (autocannon, not pipelined); ${machine()}\n`,
  );
  log(pinSelf());
  const [load1] = os.loadavg();
  if (load1! > 0.7) {
    process.stdout.write(`warning: load average ${load1!.toFixed(2)} at start — something else is running; absolute figures will be low and noisy\n`);
  }
  const rows: MeasuredRow[] = [];
  const checks: Check[] = [];
  const summaries: Record<string, Figures> = {};
  for (const scenario of selected) {
    process.stdout.write(`\n== ${scenario.name}: ${scenario.description}\n`);
    const result = await scenario.run({ options, log, only });
    if (result.detail) process.stdout.write(`${formatTable(result.detail)}\n`);
    for (const note of result.notes ?? []) process.stdout.write(`${note}\n`);
    rows.push(...result.rows);
    checks.push(...result.checks);
    Object.assign(summaries, result.summary);
  }

  process.stdout.write(`\n== results (${kind}; medians; ratio: real ÷ baseline for real rows, baseline ÷ real for baselines)\n`);
  process.stdout.write(
    `${formatTable(
      rows.map((r) => ({
        scenario: r.scenario,
        variant: r.variant,
        'req/s': fixed(0)(r.rps),
        'min–max': r.spread,
        'p50 ms': fixed(2)(r.p50),
        'p99 ms': fixed(2)(r.p99),
        ratio: fixed(3)(r.ratio),
        vs: r.vs ?? '',
        'SQL/req': r.sql === undefined ? '' : String(r.sql),
        'CPU µs/req': fixed(0)(r.cpuUs),
      })),
    )}\n`,
  );
  process.stdout.write(`\n== targets\n`);
  process.stdout.write(
    `${formatTable(checks.map((c) => ({ target: c.target, figure: c.figure, threshold: c.threshold, result: c.pass === null ? 'info' : c.pass ? 'pass' : 'FAIL' })))}\n`,
  );
  const failed = checks.filter((c) => c.pass === false).length;
  const passed = checks.filter((c) => c.pass === true).length;
  process.stdout.write(`${passed} passed, ${failed} failed (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  process.stdout.write(`${JSON.stringify(summaries)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

/**
 * Benchmark runner: `npm run bench [-- NAME… --quick --pglite --save --duration=S --repeats=N --connections=C --warmup=S --cpu-prof --large=N]`.
 *
 * Scenarios start what they measure (real server processes on fresh databases), measure it next to a
 * baseline from the same run, stop it again and return rows, headline figures and target checks. The
 * runner prints each scenario's details as it goes, then one table of every measurement, the targets
 * with pass/fail, and — as the last line — one JSON object keyed by scenario name for machines.
 *
 * Database: a temp database on DATABASE_URL's server when it is set (created and dropped by the bench),
 * else — or with --pglite — a temp PGlite directory. REDIS_URL, when set, is passed on to the servers.
 * NAME selects scenarios (`api`, `uploads`, `import`) or parts of `api` (`token`, `health`, `list_100`, `list_10`,
 * `get_one`, `limiter`, `create`). `scale` (lists at 10,000 vs `--large=N` suggestions, default 1,000,000)
 * runs in a full run on PostgreSQL, and in a `--quick` or PGlite run only when named.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { api } from './scenarios/api.ts';
import { uploads } from './scenarios/uploads.ts';
import { importScenario } from './scenarios/import.ts';
import { scale } from './scenarios/scale.ts';
import { v8flags } from './scenarios/v8flags.ts';
import { databaseKind, pinSelf, REPO_ROOT, useEmbeddedDatabase } from './lib/server.ts';
import { formatTable, type Row } from './lib/table.ts';
import { issue15Targets, targetRows } from './lib/issue15.ts';

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
  /** Suggestions in the `scale` scenario's large data set (`--large=N`). */
  large: number;
  /** `v8flags` scenario: `NAME:FLAG,FLAG;NAME:…` (`--v8flags=…`); undefined: its default set. */
  v8flags?: string;
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
  /** Share of the run the server spent in GC pauses (%), and its longest pause per `--duration` seconds (ms). */
  gcPct?: number;
  gcMaxMs?: number;
  /** The server's largest RSS sampled (every 50 ms) while this variant ran, MB. */
  rssMaxMb?: number;
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
const SCENARIOS: Scenario[] = [api, uploads, importScenario, scale, v8flags];
/**
 * Scenarios a `--quick` or PGlite run leaves out unless named (`scale` loads a million rows, minutes on
 * PostgreSQL); a full run on PostgreSQL runs them (issue 15 point 2 is judged there).
 */
const ON_REQUEST = new Set(['scale']);
/** Experiments: run only when named (`v8flags` compares V8 flags side by side). */
const EXPERIMENTS = new Set(['v8flags']);

const QUICK: BenchOptions = { duration: 0.75, repeats: 1, connections: 10, warmup: 0, cpuProf: false, large: 1_000_000 };

function parseArgs(argv: string[]): { names: string[]; options: BenchOptions; quick: boolean; pglite: boolean; save: boolean } {
  const quick = argv.includes('--quick');
  const options: BenchOptions = quick ? { ...QUICK } : { duration: 10, repeats: 3, connections: 10, warmup: 3, cpuProf: false, large: 1_000_000 };
  const names: string[] = [];
  let pglite = false;
  let save = false;
  for (const arg of argv) {
    const flag = /^--(duration|repeats|connections|warmup|large)=(\d+(?:\.\d+)?)$/.exec(arg);
    if (flag) options[flag[1] as 'duration' | 'repeats' | 'connections' | 'warmup' | 'large'] = Number(flag[2]);
    else if (arg === '--quick') continue;
    else if (arg === '--pglite') pglite = true;
    else if (arg === '--cpu-prof') options.cpuProf = true;
    else if (arg === '--save') save = true;
    else if (arg.startsWith('--v8flags=')) options.v8flags = arg.slice('--v8flags='.length);
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  const known = SCENARIOS.flatMap((s) => [s.name, ...(s.parts ?? [])]);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return { names, options, quick, pglite, save };
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

/** Everything written to stdout, for --save. */
const printed: string[] = [];
const print = (text: string) => {
  printed.push(text);
  process.stdout.write(text);
};

/** `--save`: the run's report as bench/results/<date>-<machine>-<database>.md (command, machine, output). */
async function saveReport(kind: string, argv: string[]): Promise<string> {
  const date = new Date().toISOString().slice(0, 10);
  const cpu = (os.cpus()[0]?.model ?? 'cpu').toLowerCase().replace(/\(r\)|\(tm\)|processor|cpu|@.*$/g, '').trim().replace(/[^a-z0-9]+/g, '-');
  // os.cpus(), not availableParallelism(): this process is pinned to one CPU by now.
  const name = `${date}-${os.cpus().length}cpu-${cpu}-${kind === 'postgresql' ? 'pg' : 'pglite'}.md`;
  const file = path.join(REPO_ROOT, 'bench/results', name);
  const run = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  const model = /^model name\s*:\s*(.*)$/m.exec(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ?? 'unknown';
  let database = 'PGlite (embedded, @electric-sql/pglite)';
  if (kind === 'postgresql') {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    database = `PostgreSQL ${(await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version} on 127.0.0.1`;
    await client.end();
  }
  const env = [process.env.DATABASE_URL ? 'DATABASE_URL=postgres://…' : '', process.env.REDIS_URL ? 'REDIS_URL=redis://…' : ''].filter(Boolean).join(' ');
  const body = [
    `# Benchmark run ${date} (${kind})`,
    '',
    `- command: \`${env ? `${env} ` : ''}npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}\``,
    `- machine: \`nproc --all\` = ${run('nproc', ['--all'])}, CPU: ${model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, ${os.type()} ${os.release()}`,
    `- node ${process.version}; database: ${database}; git ${run('git', ['rev-parse', 'HEAD'])}${run('git', ['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : ''}`,
    '',
    '```',
    printed.join('').trimEnd(),
    '```',
    '',
  ].join('\n');
  fs.writeFileSync(file, body);
  return file;
}

async function main(): Promise<void> {
  const started = performance.now();
  const argv = process.argv.slice(2);
  const { names, options, quick, pglite, save } = parseArgs(argv);
  if (pglite) useEmbeddedDatabase();
  const only = names.length > 0 ? new Set(names) : undefined;
  const everything = !quick && !pglite && databaseKind() === 'postgresql';
  const selected = SCENARIOS.filter((s) => (only ? only.has(s.name) || (s.parts ?? []).some((p) => only.has(p)) : !EXPERIMENTS.has(s.name) && (everything || !ON_REQUEST.has(s.name))));
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const kind = databaseKind();
  print(
    `bench: ${kind === 'postgresql' ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (embedded)'}${process.env.REDIS_URL ? ' + Redis' : ''}; ` +
      `${quick ? 'quick, ' : ''}${options.duration} s × ${options.repeats} per variant after ${options.warmup} s warm-up, ` +
      `-c ${options.connections} (autocannon, not pipelined); ${machine()}\n`,
  );
  log(pinSelf());
  const [loadStart] = os.loadavg();
  // The machine is shared: the 1-minute load average every 15 s, for the report.
  const loads: number[] = [];
  setInterval(() => loads.push(os.loadavg()[0]!), 15_000).unref();
  if (loadStart! > 1) {
    print(`warning: load average ${loadStart!.toFixed(2)} at start — something else is running; absolute figures will be low and noisy\n`);
  }
  const rows: MeasuredRow[] = [];
  const checks: Check[] = [];
  const summaries: Record<string, Figures> = {};
  for (const scenario of selected) {
    print(`\n== ${scenario.name}: ${scenario.description}\n`);
    let result: ScenarioResult;
    try {
      result = await scenario.run({ options, log, only });
    } catch (error) {
      // One scenario's failure costs its own figures, not the rest of a long run's report.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      print(`${scenario.name}: FAILED — ${message}\n`);
      checks.push({ target: `${scenario.name}: ran to the end`, figure: 'failed', threshold: 'ran', pass: false });
      continue;
    }
    if (result.detail) print(`${formatTable(result.detail)}\n`);
    for (const note of result.notes ?? []) print(`${note}\n`);
    rows.push(...result.rows);
    checks.push(...result.checks);
    Object.assign(summaries, result.summary);
  }

  print(`\n== results (${kind}; medians; ratio: real ÷ baseline for real rows, baseline ÷ real for baselines)\n`);
  print(
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
        'GC %': fixed(1)(r.gcPct),
        'GC max ms': fixed(1)(r.gcMaxMs),
        'RSS max MB': fixed(0)(r.rssMaxMb),
      })),
    )}\n`,
  );
  print(`\n== targets\n`);
  print(
    `${formatTable(checks.map((c) => ({ target: c.target, figure: c.figure, threshold: c.threshold, result: c.pass === null ? 'info' : c.pass ? 'pass' : 'FAIL' })))}\n`,
  );
  const failed = checks.filter((c) => c.pass === false).length;
  const passed = checks.filter((c) => c.pass === true).length;
  print(`${passed} passed, ${failed} failed\n`);
  const issue15 = issue15Targets(summaries);
  print(`\n== issue 15 targets (one line per point; "not measured": this run has no figures for it)\n`);
  print(`${formatTable(targetRows(issue15))}\n`);
  const count = (v: string) => issue15.filter((l) => l.result === v).length;
  print(`issue 15: ${count('pass')} pass, ${count('FAIL')} fail, ${count('not measured')} not measured\n`);
  summaries.issue15 = Object.fromEntries(issue15.map((l) => [String(l.point), l.result]));
  if (quick) print('quick run (no warm-up time, 0.75 s per variant): figures and pass/fail are indicative only\n');
  loads.push(os.loadavg()[0]!);
  const sorted = [...loads].sort((a, b) => a - b);
  print(
    `${((performance.now() - started) / 1000).toFixed(0)} s; 1-min load average ${loadStart!.toFixed(2)} at start, ` +
      `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} and max ${sorted.at(-1)!.toFixed(2)} over the run (every 15 s), ${loads.at(-1)!.toFixed(2)} at the end\n`,
  );
  print(`${JSON.stringify(summaries)}\n`);
  if (save) log(`report written to ${path.relative(REPO_ROOT, await saveReport(kind, argv))}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

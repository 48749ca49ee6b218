/**
 * Benchmark runner: `npm run bench [-- NAME… --duration=S --repeats=N --connections=C --warmup=S]`.
 *
 * A scenario is a name and a function that starts what it measures (real server processes on fresh
 * databases), measures, stops it again and returns a table plus a few headline figures. The runner
 * prints each table and ends with one JSON line `{"<scenario>": {<figures>}, …}` for machines.
 * The database is a temp PGlite directory, or a temp database on DATABASE_URL's server when it is set;
 * REDIS_URL, when set, is passed on to the servers.
 */
import { limiter } from './scenarios/limiter.ts';
import { uploads } from './scenarios/uploads.ts';
import { pinSelf } from './lib/server.ts';
import { formatTable, type Row } from './lib/table.ts';

export interface BenchOptions {
  /** Seconds per measured run. */
  duration: number;
  /** Measured runs per variant (the report takes the median). */
  repeats: number;
  /** Concurrent connections (not pipelined). */
  connections: number;
  /** Seconds of warm-up per server before measuring. */
  warmup: number;
}

export interface ScenarioResult {
  table: Row[];
  summary: Record<string, number | string>;
  notes?: string[];
}

export interface Scenario {
  name: string;
  description: string;
  run(context: { options: BenchOptions; log: (line: string) => void }): Promise<ScenarioResult>;
}

/** Every scenario, in the order they run. Add new ones here. */
const SCENARIOS: Scenario[] = [limiter, uploads];

function parseArgs(argv: string[]): { names: string[]; options: BenchOptions } {
  const options: BenchOptions = { duration: 10, repeats: 3, connections: 10, warmup: 3 };
  const names: string[] = [];
  for (const arg of argv) {
    const flag = /^--(duration|repeats|connections|warmup)=(\d+)$/.exec(arg);
    if (flag) options[flag[1] as keyof BenchOptions] = Number(flag[2]);
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return { names, options };
}

async function main(): Promise<void> {
  const { names, options } = parseArgs(process.argv.slice(2));
  const selected = SCENARIOS.filter((s) => names.length === 0 || names.includes(s.name));
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  log(pinSelf());
  const summaries: Record<string, ScenarioResult['summary']> = {};
  for (const scenario of selected) {
    process.stdout.write(`\n== ${scenario.name}: ${scenario.description}\n`);
    const result = await scenario.run({ options, log });
    process.stdout.write(`${formatTable(result.table)}\n`);
    for (const note of result.notes ?? []) process.stdout.write(`${note}\n`);
    summaries[scenario.name] = result.summary;
  }
  process.stdout.write(`${JSON.stringify(summaries)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

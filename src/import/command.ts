import type { Config } from '../config.ts';
import type { Database } from '../db/index.ts';
import { EXIT } from '../exit-codes.ts';
import { openStore } from '../storage/open.ts';
import { selectSteps, type Step } from './plan.ts';
import { createReporter } from './progress.ts';
import { runImport, type ImportSummary } from './run.ts';
import { Source, SourceError } from './source.ts';

export class ImportUsageError extends Error {}

export interface ImportArgs {
  url?: string;
  clientId?: string;
  clientSecret?: string;
  since?: string;
  only?: string;
  dryRun: boolean;
  perPage?: string;
  stopAfterPages?: string;
  json: boolean;
}

function positive(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ImportUsageError(`${name} must be a whole number from 1 to ${max}`);
  return n;
}

/** The arguments, checked: what an import run needs. */
export interface ImportPlan {
  url: string;
  clientId: string;
  clientSecret: string;
  since?: string;
  steps: Step[];
  dryRun: boolean;
  perPage: number;
  stopAfterPages?: number;
  json: boolean;
}

/**
 * Checks `cli import uservoice` arguments; throws ImportUsageError. Runs before the database is opened,
 * so a typo is answered at once (exit 2), also while the server holds the embedded database.
 */
export function checkImportArgs(args: ImportArgs): ImportPlan {
  if (!args.url || !args.clientId || !args.clientSecret) throw new ImportUsageError('import uservoice needs --url, --client-id and --client-secret');
  let url: URL;
  try {
    url = new URL(args.url);
  } catch {
    throw new ImportUsageError(`--url is not a URL: ${args.url}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ImportUsageError('--url must be an http(s) URL');
  if (args.since !== undefined && Number.isNaN(Date.parse(args.since))) throw new ImportUsageError(`--since is not a date: ${args.since}`);
  let steps;
  try {
    steps = selectSteps((args.only ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  } catch (error) {
    throw new ImportUsageError((error as Error).message);
  }
  return {
    url: url.origin + url.pathname,
    clientId: args.clientId,
    clientSecret: args.clientSecret,
    since: args.since,
    steps,
    dryRun: args.dryRun,
    perPage: positive(args.perPage, '--per-page', 100) ?? 100,
    stopAfterPages: positive(args.stopAfterPages, '--stop-after-pages', 1_000_000),
    json: args.json,
  };
}

/** `cli import uservoice` with checked arguments: runs the import, prints the summary; returns the exit code. */
export async function importUservoice(db: Database, config: Config, args: ImportPlan): Promise<number> {
  const reporter = createReporter();
  const source = new Source({ url: args.url, clientId: args.clientId, clientSecret: args.clientSecret, onWait: (ms, why) => reporter.wait(ms, why) });
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(EXIT.failure);
    stop = true;
    reporter.line('stopping after the current page (Ctrl-C again to quit now)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let summary: ImportSummary;
  const store = openStore(config);
  try {
    summary = await runImport({
      source,
      em: db.orm.em.fork(),
      store,
      steps: args.steps,
      since: args.since,
      dryRun: args.dryRun,
      perPage: args.perPage,
      stopAfterPages: args.stopAfterPages,
      reporter,
      stopRequested: () => stop,
    });
  } catch (error) {
    reporter.stop();
    if (error instanceof SourceError) {
      process.stderr.write(`import stopped: ${error.message}\nWhat was written is kept; run the same command again to continue.\n`);
      return EXIT.failure;
    }
    throw error;
  } finally {
    await store.close?.();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  reporter.stop();
  process.stdout.write(args.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  return summary.complete ? EXIT.ok : EXIT.failure;
}

export function formatSummary(s: ImportSummary): string {
  const lines = [s.dryRun ? 'dry run (nothing written):' : s.complete ? 'import complete:' : 'import stopped early; run the same command again to continue:'];
  lines.push(`  ${'resource'.padEnd(18)} ${'fetched'.padStart(8)} ${'created'.padStart(8)} ${'updated'.padStart(8)} ${'same'.padStart(8)} ${'skipped'.padStart(8)}`);
  for (const r of s.resources) {
    lines.push(`  ${r.resource.padEnd(18)} ${String(r.fetched).padStart(8)} ${String(r.created).padStart(8)} ${String(r.updated).padStart(8)} ${String(r.unchanged).padStart(8)} ${String(r.skippedCount).padStart(8)}`);
  }
  for (const r of s.resources) {
    for (const k of r.skipped.slice(0, 20)) lines.push(`  skipped ${r.resource} ${String(k.id)}: ${k.reason}`);
    if (r.skippedCount > 20) lines.push(`  … and ${r.skippedCount - 20} more ${r.resource} (--json lists up to 200)`);
  }
  for (const r of s.resources) {
    if (r.missingCount === 0) continue;
    const rest = r.missingCount > 20 ? ` … (${r.missingCount} in all, --json lists up to 200)` : '';
    lines.push(`  not at the source (deleted there, or created here; left as they are): ${r.resource} ${r.missing.slice(0, 20).join(', ')}${rest}`);
  }
  for (const u of s.unresolved) lines.push(`  not linked: ${u.table} ${u.id} ${u.column} → ${u.value} (never arrived)`);
  lines.push(`  ${s.requests} requests, ${s.retries} retried`);
  if (s.complete && s.nextSince) lines.push(`  next incremental pass: --since ${s.nextSince}`);
  return `${lines.join('\n')}\n`;
}

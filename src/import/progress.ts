import cliProgress from 'cli-progress';

/** What the importer tells the person watching. */
export interface Reporter {
  /** A resource's walk starts (its rate counts from here). */
  begin(resource: string, alreadyFetched: number): void;
  page(resource: string, fetched: number, total: number): void;
  wait(ms: number, reason: string): void;
  line(text: string): void;
  stop(): void;
}

/**
 * In a terminal: one cli-progress bar per resource (fetched / total_records, rate, ETA). Otherwise
 * (logs, CI): a plain line per page with the same numbers.
 */
export function createReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  /** When each resource began in this run, and how many of its records an earlier run had fetched. */
  const started = new Map<string, { at: number; base: number }>();
  const rate = (resource: string, fetched: number) => {
    const start = started.get(resource) ?? { at: Date.now(), base: 0 };
    const seconds = (Date.now() - start.at) / 1000;
    return seconds > 0 ? (fetched - start.base) / seconds : 0;
  };
  if (!stream.isTTY) {
    return {
      begin: (resource, base) => void started.set(resource, { at: Date.now(), base }),
      page(resource, fetched, total) {
        const r = rate(resource, fetched);
        const eta = r > 0 && total > fetched ? ` eta ${Math.ceil((total - fetched) / r)}s` : '';
        stream.write(`${resource}: ${fetched}/${total} (${r.toFixed(1)}/s)${eta}\n`);
      },
      wait: (ms, reason) => stream.write(`waiting ${(ms / 1000).toFixed(1)}s: ${reason}\n`),
      line: (text) => stream.write(`${text}\n`),
      stop: () => undefined,
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: false,
      hideCursor: true,
      format: '{resource} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted}',
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    begin: (resource, base) => void started.set(resource, { at: Date.now(), base }),
    page(resource, fetched, total) {
      const payload = { resource: resource.padEnd(18), rate: rate(resource, fetched).toFixed(1) };
      let bar = bars.get(resource);
      if (!bar) bars.set(resource, (bar = multi.create(Math.max(total, fetched), fetched, payload)));
      bar.setTotal(Math.max(total, fetched));
      bar.update(fetched, payload);
    },
    wait: (ms, reason) => multi.log(`waiting ${(ms / 1000).toFixed(1)}s: ${reason}\n`),
    line: (text) => multi.log(`${text}\n`),
    stop: () => multi.stop(),
  };
}

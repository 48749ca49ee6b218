/**
 * Figures of the reliability suite: each test prints one summary line and appends its figures to a file
 * the suite's global setup (summary-setup.ts) totals at the end, so the run ends with one line
 * (requests, errors, lost writes) across every file.
 */
import fs from 'node:fs';
import { inject } from 'vitest';
import type {} from './summary-setup.ts';

export interface Figures {
  requests: number;
  errors: number;
  lostWrites: number;
  /** status (or error code) → count */
  statuses: Record<string, number>;
}

export const newFigures = (): Figures => ({ requests: 0, errors: 0, lostWrites: 0, statuses: {} });

export function count(f: Figures, status: number | string, isError: boolean): void {
  f.requests++;
  f.statuses[status] = (f.statuses[status] ?? 0) + 1;
  if (isError) f.errors++;
}

/**
 * Prints `ID name: requests=… errors=… lost_writes=… <extra>` and records the figures for the suite total;
 * `headline` figures (e.g. L1's req/s and p99) are repeated in the suite's closing line.
 */
export function report(id: string, name: string, f: Figures, extra: Record<string, unknown> = {}, headline?: Record<string, number>): void {
  const rest = Object.entries({ ...headline, statuses: f.statuses, ...extra })
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  console.log(`${id} ${name}: requests=${f.requests} errors=${f.errors} lost_writes=${f.lostWrites} ${rest}`);
  record(id, f, headline);
}

/** Adds a test's figures to the suite total (report() does this; for tests that print their own line). */
export function record(id: string, f: Pick<Figures, 'requests' | 'errors' | 'lostWrites'>, headline?: Record<string, number>): void {
  const file = inject('reliabilityFigures');
  if (file) fs.appendFileSync(file, `${JSON.stringify({ id, requests: f.requests, errors: f.errors, lostWrites: f.lostWrites, headline })}\n`);
}

/** Global setup of the reliability suite: a figures file for the run, totalled in one line at the end. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each reliability test appends its figures (one JSON line). */
    reliabilityFigures: string;
  }
}

export default function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-reliability-'));
  const file = path.join(dir, 'figures.jsonl');
  fs.writeFileSync(file, '');
  project.provide('reliabilityFigures', file);
  return () => {
    const rows = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string; requests: number; errors: number; lostWrites: number; headline?: Record<string, number> });
    const sum = (key: 'requests' | 'errors' | 'lostWrites') => rows.reduce((n, r) => n + r[key], 0);
    const headlines = rows
      .filter((r) => r.headline)
      .map((r) => ` ${r.id}=${Object.entries(r.headline!).map(([k, v]) => `${k}:${v}`).join(',')}`)
      .join('');
    console.log(
      `reliability suite: tests=${rows.length} (${rows.map((r) => r.id).join(',')}) requests=${sum('requests')} errors=${sum('errors')} lost_writes=${sum('lostWrites')}${headlines}`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

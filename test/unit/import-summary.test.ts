import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/import/command.ts';
import type { ImportSummary } from '../../src/import/run.ts';

const row = (resource: string, extra: Partial<ImportSummary['resources'][number]> = {}): ImportSummary['resources'][number] => ({
  resource,
  since: '',
  done: true,
  lastUpdatedAt: '2026-01-02T03:04:05.000Z',
  total: 3,
  fetched: 3,
  created: 1,
  updated: 1,
  unchanged: 1,
  skipped: [],
  skippedCount: 0,
  missing: [],
  missingCount: 0,
  ...extra,
});

describe('import summary (text)', () => {
  it('lists tallies, skipped records with reasons, and records the source no longer has', () => {
    const missing = Array.from({ length: 25 }, (_, i) => 100 + i);
    const text = formatSummary({
      complete: true,
      dryRun: false,
      resources: [
        row('custom_fields', { missing: [7], missingCount: 1 }),
        row('nps_ratings', { skipped: [{ id: 9, reason: 'rating is not an integer' }], skippedCount: 1 }),
        row('comments', { missing, missingCount: 230 }),
      ],
      unresolved: [],
      nextSince: '2026-01-02T03:04:05.000Z',
      requests: 12,
      retries: 2,
    });
    expect(text).toBe(
      [
        'import complete:',
        '  resource            fetched  created  updated     same  skipped',
        '  custom_fields             3        1        1        1        0',
        '  nps_ratings               3        1        1        1        1',
        '  comments                  3        1        1        1        0',
        '  skipped nps_ratings 9: rating is not an integer',
        '  not at the source (deleted there, or created here; left as they are): custom_fields 7',
        `  not at the source (deleted there, or created here; left as they are): comments ${missing.slice(0, 20).join(', ')} … (230 in all, --json lists up to 200)`,
        '  12 requests, 2 retried',
        '  next incremental pass: --since 2026-01-02T03:04:05.000Z',
        '',
      ].join('\n'),
    );
  });
});

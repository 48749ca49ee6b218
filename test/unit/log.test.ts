import { describe, expect, it } from 'vitest';
import { createLogger, prettyLine } from '../../src/log.ts';

describe('logger', () => {
  it('writes one JSON line per call: time, level name, msg and the fields', () => {
    const lines: string[] = [];
    const log = createLogger('info', (line) => lines.push(line));
    log.debug('hidden');
    log.info('request', { request_id: 'r1', status: 200 });
    log.error('failed', { error: 'boom' });
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), level: 'info', msg: 'request', request_id: 'r1', status: 200 },
      { time: expect.any(String), level: 'error', msg: 'failed', error: 'boom' },
    ]);
  });

  it('never writes the values of secret-named fields, at the top or one level down', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (line) => lines.push(line));
    log.warn('oops', {
      password: 'hunter2-hunter2',
      client_secret: 'cs-123456789',
      authorization: 'Bearer abc.def.ghi',
      nested: { token: 'tok-987654321', access_token: 'at-555', kept: 'visible' },
    });
    const text = lines.join('');
    for (const secret of ['hunter2-hunter2', 'cs-123456789', 'abc.def.ghi', 'tok-987654321', 'at-555']) expect(text).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({ password: '[redacted]', nested: { token: '[redacted]', kept: 'visible' } });
  });

  it('formats lines for a terminal with LOG_FORMAT=pretty', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line) => lines.push(line), format: 'pretty' });
    log.info('request', { method: 'GET', path: '/health', status: 200, note: 'two words' });
    expect(lines).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}request method=GET path=\/health status=200 note="two words"\n$/)]);
    expect(prettyLine('not json')).toBe('not json');
  });
});

import { pino, type DestinationStream } from 'pino';
import type { LogFormat, LogLevel } from './config.ts';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Field names whose values never reach a log line, whoever passes them. Callers already pass only safe
 * fields (never bodies, query strings, headers or tokens); this is the second line of defence.
 */
const SECRETS = ['authorization', 'password', 'client_secret', 'access_token', 'token', 'secret', 'token_secret'];
const REDACT = [...SECRETS, ...SECRETS.map((name) => `*.${name}`)];

const COLORS: Record<string, string> = { debug: '\x1b[90m', info: '\x1b[32m', warn: '\x1b[33m', error: '\x1b[31m' };

/** One JSON line as a person reads it in a terminal: `12:00:01.234 INFO  request method=GET status=200 …`. */
export function prettyLine(line: string, color = true): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, ...fields } = record;
  const label = String(level ?? '').toUpperCase().padEnd(5);
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const rest = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      // Stack traces read better on their own lines.
      return text.includes('\n') ? `\n  ${key}=${text.replace(/\n/g, '\n  ')}` : `${key}=${/\s/.test(text) ? JSON.stringify(text) : text}`;
    })
    .join(' ');
  const tint = color ? (COLORS[String(level)] ?? '') : '';
  return `${clock} ${tint}${label}${tint ? '\x1b[0m' : ''} ${String(msg ?? '')}${rest ? ` ${rest}` : ''}\n`;
}

export interface LoggerOptions {
  /** Where lines go (tests collect them); default stdout. */
  write?: (line: string) => void;
  /** `pretty` formats lines for a person (prettyLine); default: pretty when stdout is a terminal, else JSON. */
  format?: LogFormat;
}

/**
 * pino, one JSON object per line: `level` (its name), `time` (ISO 8601), `msg`, then the fields. Written
 * synchronously, so the last lines before process.exit are not lost.
 */
export function createLogger(level: LogLevel, options: LoggerOptions | ((line: string) => void) = {}): Logger {
  const { write, format } = typeof options === 'function' ? { write: options, format: undefined } : options;
  const pretty = (format ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  const sink = write ?? ((line: string) => process.stdout.write(line));
  const destination: DestinationStream = write && !pretty
    ? { write: sink }
    : pretty
      ? { write: (line: string) => sink(prettyLine(line, !write && Boolean(process.stdout.isTTY))) }
      : pino.destination({ dest: 1, sync: true });
  const logger = pino(
    {
      level,
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  );
  // `msg` goes in as the first field, not as pino's message argument (which pino writes last): lines
  // keep reading `…"msg":"shutting down","signal":"SIGTERM"…`, as before pino and as tools grep them.
  return {
    debug: (message, fields) => logger.debug({ msg: message, ...fields }),
    info: (message, fields) => logger.info({ msg: message, ...fields }),
    warn: (message, fields) => logger.warn({ msg: message, ...fields }),
    error: (message, fields) => logger.error({ msg: message, ...fields }),
  };
}

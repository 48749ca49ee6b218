import { baseSorts, timestamps } from './common.ts';
import { defineResource, type Parsed } from './define.ts';
import { ACTIVITY_KINDS } from './suggestion-activity-entries.ts';

/* Event types: services/events.ts writes them, hooks subscribe to them. */

/** Activity kinds whose events are named apart (suggestion_…), or split (a state change to `deleted`). */
const RENAMED = ['state_changed', 'status_changed', 'merged'] as const;
type Renamed = (typeof RENAMED)[number];
/** Activity kinds whose event has the same name. */
export type KeptKind = Exclude<(typeof ACTIVITY_KINDS)[number], Renamed>;

export const EVENT_TYPES = [
  ...ACTIVITY_KINDS.filter((kind): kind is KeptKind => !(RENAMED as readonly string[]).includes(kind)),
  'suggestion_status_changed',
  'suggestion_state_changed',
  'suggestion_deleted',
  'suggestion_merged',
  'nps_rating_created',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const MAX_URL = 2_000;
export const MIN_SECRET = 16;
const MAX_SECRET = 255;

/**
 * Target URLs: http or https only (no file:, data:, or other schemes fetch would follow), no credentials
 * (they would show in every log line and listing), bounded length. Deliveries never follow redirects.
 */
function parseUrl(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return { error: "can't be blank" };
  const text = raw.trim();
  if (text.length > MAX_URL) return { error: `is too long (maximum is ${MAX_URL} characters)` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: 'must be an http:// or https:// URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: 'must be an http:// or https:// URL' };
  if (url.username || url.password) return { error: 'must not contain credentials' };
  return { value: url.href };
}

/** An array of event names, or a comma list; each one of EVENT_TYPES, at least one. */
function parseEvents(raw: unknown): Parsed<string[]> {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : typeof raw === 'object' && raw !== null ? Object.values(raw) : undefined;
  if (!items) return { error: 'must be a list of event names' };
  const names = [...new Set(items.map((item) => (typeof item === 'string' ? item.trim() : '')).filter((name) => name !== ''))];
  if (names.length === 0) return { error: "can't be blank" };
  const unknown = names.filter((name) => !(EVENT_TYPES as readonly string[]).includes(name));
  if (unknown.length > 0) return { error: `has unknown events: ${unknown.slice(0, 5).join(', ')} (known: ${EVENT_TYPES.join(', ')})` };
  return { value: names };
}

function parseSecret(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return { error: "can't be blank" };
  if (raw.length < MIN_SECRET) return { error: `is too short (minimum is ${MIN_SECRET} characters)` };
  if (raw.length > MAX_SECRET) return { error: `is too long (maximum is ${MAX_SECRET} characters)` };
  if (!/^[\x21-\x7e]+$/.test(raw)) return { error: 'must be visible ASCII characters' };
  return { value: raw };
}

/** A jsonb value as the driver hands it over (an object, or its text). */
export const jsonValue = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

/** The secret as reads show it: its last four characters; the whole secret is answered once, on create. */
export const maskSecret = (secret: string) => `…${secret.slice(-4)}`;

/**
 * Webhooks (UserVoice's service hooks): POST `url`, `events` and optionally `secret` (else one is made);
 * `active` pauses one. `failing_since` is set when a delivery gave up after 24 hours of retries.
 */
export const serviceHooks = defineResource({
  type: 'service_hooks',
  singular: 'service_hook',
  table: 'service_hooks',
  fields: [
    { name: 'url', type: 'string' },
    { name: 'events', type: 'object', value: (row) => jsonValue(row.events), uses: ['events'] },
    { name: 'active', type: 'boolean' },
    { name: 'failing', type: 'boolean', value: (row) => row.failing_since != null, uses: ['failing_since'] },
    { name: 'failing_since', type: 'timestamp' },
    { name: 'secret', type: 'string', value: (row) => maskSecret(String(row.secret)), uses: ['secret'] },
    ...timestamps,
  ],
  links: [],
  filters: { active: { kind: 'bool', column: 'active' } },
  sorts: baseSorts,
  writable: {
    url: { type: 'custom', required: true, parse: parseUrl, example: 'https://hooks.example.com/uservoice' },
    events: { type: 'custom', required: true, parse: parseEvents, example: ['suggestion_created'] },
    secret: { type: 'custom', parse: parseSecret },
    active: { type: 'boolean' },
  },
});

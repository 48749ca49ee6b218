import { z } from 'zod';
import type { WritableDef } from '../resources/define.ts';
import { parseBool } from '../values.ts';
import { refId, required } from './write.ts';

/** Bodies of the routes that are not plain writes of a declaration (merge, label attach, OAuth token). */

/** POST /admin/labels/attach|detach: both links required, as write rules (422 field errors). */
export const labelLink = {
  writable: {
    'links.label': { type: 'ref', required: true },
    'links.suggestion': { type: 'ref', required: true },
  },
} as const satisfies { writable: Record<string, WritableDef> };

export const MAX_MERGE = 100;

/**
 * POST /admin/suggestions/bulk/merge: `include_ids` (comma string, number, array or indexed form keys)
 * and `action.links.to_suggestion`; `action.notify_supporters` and `action.reply_to` are accepted and
 * checked, but no mail is sent. Keys are the dotted paths; each reports its first problem.
 */
export const mergeRequest = z.object({
  include_ids: z
    .union([z.string().transform((text) => text.split(',')), z.number().transform((n) => [n]), z.array(z.unknown())], { error: "can't be blank" })
    .refine((ids) => ids.length > 0, { error: "can't be blank", abort: true })
    .refine((ids) => ids.length <= MAX_MERGE, { error: `has more than ${MAX_MERGE} ids`, abort: true })
    .pipe(z.array(refId('is invalid')))
    .transform((ids) => [...new Set(ids)]),
  'action.links.to_suggestion': required(refId('does not exist')),
  'action.notify_supporters': z.union(
    [z.undefined(), z.boolean(), z.string().refine((text) => parseBool(text) !== undefined, 'is invalid')],
    { error: 'is invalid' },
  ),
});

const TOKEN_PARAMS = ['grant_type', 'client_id', 'client_secret', 'username', 'password'] as const;
export type TokenParam = (typeof TOKEN_PARAMS)[number];

/** A token parameter from the query string and the body: once, a string; empty counts as absent. */
const tokenParam = (name: string) =>
  z
    .tuple([z.unknown(), z.unknown()])
    .transform((sources) => sources.filter((value) => value !== undefined))
    .refine((values) => values.length <= 1 && !Array.isArray(values[0]), { error: `The parameter ${name} is repeated`, abort: true })
    .refine((values) => values.length === 0 || typeof values[0] === 'string', { error: `The parameter ${name} must be a string`, abort: true })
    .transform(([value]) => (typeof value === 'string' && value !== '' ? value : undefined));

/**
 * POST /oauth/token's parameters, each given as [query value, body value]. A parameter sent twice, or as
 * anything but a string, is an invalid_request (RFC 6749 §3.2); the first problem in this order answers.
 */
export const tokenRequest = z.object(Object.fromEntries(TOKEN_PARAMS.map((name) => [name, tokenParam(name)])) as Record<TokenParam, ReturnType<typeof tokenParam>>);
export { TOKEN_PARAMS };

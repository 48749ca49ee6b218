import { parseId } from '../values.ts';
import type { Parsed, WritableDef } from './define.ts';

/** Write rules (`type: 'custom'`) shared by several declarations: enumerations, id lists, expressions. */

/** One of `values` (a string); `null`/empty clears it only when `nullable`. */
export function oneOf<const V extends readonly string[]>(values: V, options: { required?: boolean; nullable: true }): WritableDef<V[number] | null>;
export function oneOf<const V extends readonly string[]>(values: V, options?: { required?: boolean; nullable?: false }): WritableDef<V[number]>;
export function oneOf(values: readonly string[], options: { required?: boolean; nullable?: boolean } = {}): WritableDef<string | null> {
  return {
    type: 'custom',
    ...options,
    // Example bodies hold the required rules (openapi/examples.ts).
    ...(options.required ? { example: values[0] } : {}),
    parse(raw): Parsed<string | null> {
      if (raw === null || raw === '') {
        if (options.nullable) return { value: null };
        return { error: options.required ? "can't be blank" : 'is invalid' };
      }
      const value = typeof raw === 'string' ? values.find((v) => v === raw.trim()) : undefined;
      if (value !== undefined) return { value };
      return { error: `must be one of ${values.join(', ')}` };
    },
  };
}

const MAX_IDS = 1000;

/**
 * A list of ids: a JSON array, a comma string (`1,2`) or indexed form keys (`links.users[0]=1`); `null`
 * or an empty value is the empty list. Duplicates are dropped, the order kept.
 */
export function idList(): WritableDef<number[]> {
  return {
    type: 'custom',
    parse(raw): Parsed<number[]> {
      if (raw === null || raw === '') return { value: [] };
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' || typeof raw === 'number' ? String(raw).split(',') : undefined;
      if (!items) return { error: 'is invalid' };
      if (items.length > MAX_IDS) return { error: `has more than ${MAX_IDS} ids` };
      const ids: number[] = [];
      for (const item of items) {
        const id = typeof item === 'number' ? parseId(String(item)) : typeof item === 'string' ? parseId(item.trim()) : undefined;
        if (id === undefined) return { error: 'does not exist' };
        if (!ids.includes(id)) ids.push(id);
      }
      return { value: ids };
    },
  };
}

/** Limits on a segment's filter expression (it is stored and sent back whole). */
export const EXPRESSION_LIMITS = { depth: 5, nodes: 100, bytes: 10_000, text: 255 } as const;

export type Expression = {
  column: string | null;
  operator: string | null;
  operand: { val: string | null } | null;
  unit: string | null;
  expressions: Expression[];
};

const EXPRESSION_KEYS = new Set(['column', 'operator', 'operand', 'unit', 'expressions']);

class ExpressionError extends Error {}

/** `expressions[0].column`: where in the tree a problem is (empty at the root). */
const at = (path: string, key: string) => (path ? `${path}.${key}` : key);
const fail = (path: string, problem: string) => new ExpressionError(path ? `${path} ${problem}` : problem);

function text(value: unknown, where: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw fail(where, 'must be a string');
  if (value.includes('\u0000')) throw fail(where, 'contains invalid characters');
  if ([...value].length > EXPRESSION_LIMITS.text) throw fail(where, `is too long (maximum is ${EXPRESSION_LIMITS.text} characters)`);
  return value;
}

/** Form keys make arrays of up to 100 items; beyond that qs gives an object with numeric keys. */
function asArray(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object' && Object.keys(value).every((k) => /^\d+$/.test(k))) {
    return Object.entries(value)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => v);
  }
  return undefined;
}

function expression(raw: unknown, path: string, depth: number, count: { nodes: number }): Expression {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw fail(path, 'must be an object');
  if (depth > EXPRESSION_LIMITS.depth) throw new ExpressionError(`nests deeper than ${EXPRESSION_LIMITS.depth} levels`);
  if (++count.nodes > EXPRESSION_LIMITS.nodes) throw new ExpressionError(`has more than ${EXPRESSION_LIMITS.nodes} expressions`);
  const node = raw as Record<string, unknown>;
  const unknown = Object.keys(node).find((key) => !EXPRESSION_KEYS.has(key));
  if (unknown !== undefined) throw fail(path, `has an unknown key ${JSON.stringify(unknown.slice(0, 40))}`);
  // The 2018 SDK's form model sends the operand as a plain string; the wire form is `{val}`.
  let operand: Expression['operand'] = null;
  if (node.operand !== undefined && node.operand !== null) {
    if (typeof node.operand === 'object' && !Array.isArray(node.operand)) {
      if (Object.keys(node.operand).some((key) => key !== 'val')) throw fail(at(path, 'operand'), 'accepts only val');
      operand = { val: text((node.operand as Record<string, unknown>).val, at(path, 'operand.val')) };
    } else {
      operand = { val: text(node.operand, at(path, 'operand')) };
    }
  }
  let children: Expression[] = [];
  if (node.expressions !== undefined && node.expressions !== null && node.expressions !== '') {
    const items = asArray(node.expressions);
    if (!items) throw fail(at(path, 'expressions'), 'must be an array');
    children = items.map((item, i) => expression(item, at(path, `expressions[${i}]`), depth + 1, count));
  }
  return {
    column: text(node.column, at(path, 'column')),
    operator: text(node.operator, at(path, 'operator')),
    operand,
    unit: text(node.unit, at(path, 'unit')),
    expressions: children,
  };
}

/**
 * A segment's `filters`: the SDK's Expression tree `{column, operator, operand: {val}, unit,
 * expressions: [...]}`, from JSON or dotted form keys (`filters.column=…&filters.expressions[0].column=…`).
 * Unknown keys are refused (a typo would otherwise silently match everyone); every node comes back with
 * all five keys. Bounded in depth, node count and size.
 */
export function expressionRule(): WritableDef<Expression | null> {
  return {
    type: 'custom',
    nullable: true,
    parse(raw): Parsed<Expression | null> {
      if (raw === null || raw === '') return { value: null };
      try {
        const value = expression(raw, '', 1, { nodes: 0 });
        if (JSON.stringify(value).length > EXPRESSION_LIMITS.bytes) return { error: `is too large (maximum is ${EXPRESSION_LIMITS.bytes} characters)` };
        return { value };
      } catch (error) {
        if (error instanceof ExpressionError) return { error: error.message };
        throw error;
      }
    },
  };
}

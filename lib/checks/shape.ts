/**
 * Runtime shape checks of what callers pass in: the library is used from JavaScript and from YAML/JSON
 * definitions too, where nothing checks types before the constructors run. A shape is declared once per
 * props type ({@link S}); {@link checkShape} walks a value against it and refuses the first mismatch with
 * a ValidationError naming the construct path and the field (`hosts[0].paths "/" is not a list`), never
 * a TypeError from deeper in. Values (ranges, names, formats) are checked later by the constructors.
 */
import { fail, Where } from './validation';

/** What a value must look like. Build shapes with {@link S}. */
export type Shape =
  | { readonly kind: 'string' | 'number' | 'boolean' | 'unknown' | 'construct' }
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'list' | 'map'; readonly of: Shape }
  | { readonly kind: 'object'; readonly name: string; readonly fields: ReadonlyMap<string, Field>; readonly open?: boolean }
  | { readonly kind: 'either'; readonly options: readonly Shape[] };

/** A field of an object shape. */
export interface Field {
  /** Its shape. */
  readonly shape: Shape;
  /** Whether it may be left out (undefined). */
  readonly optional: boolean;
}

/** An optional field, as {@link S.optional} marks it. */
interface Optional {
  readonly optional: Shape;
}

/** Builders of shapes. */
export const S = {
  /** A string. */
  string: { kind: 'string' } as Shape,
  /** A finite number. */
  number: { kind: 'number' } as Shape,
  /** true or false. */
  boolean: { kind: 'boolean' } as Shape,
  /** Anything (checked by the constructor itself). */
  unknown: { kind: 'unknown' } as Shape,
  /** A construct (an object with a `node`). */
  construct: { kind: 'construct' } as Shape,
  /** Exactly this value. */
  literal: (value: string | number | boolean): Shape => ({ kind: 'literal', value }),
  /** A list whose entries all have shape `of`. */
  list: (of: Shape): Shape => ({ kind: 'list', of }),
  /** An object of string keys whose values all have shape `of` (labels, annotations). */
  map: (of: Shape): Shape => ({ kind: 'map', of }),
  /** One of several shapes (the first that fits). */
  either: (...options: Shape[]): Shape => ({ kind: 'either', options }),
  /** Marks an object field as optional. */
  optional: (shape: Shape): Optional => ({ optional: shape }),
  /** An object with these fields and no others; `name` says what it is in messages. */
  object: (name: string, fields: Record<string, Shape | Optional>): Shape => ({
    kind: 'object',
    name,
    fields: new Map(Object.entries(fields).map(([key, f]) =>
      [key, 'optional' in f ? { shape: f.optional, optional: true } : { shape: f, optional: false }])),
  }),
};

const WHAT: Record<string, string> = {
  string: 'is not a string', number: 'is not a number', boolean: 'is not true or false', list: 'is not a list',
  map: 'is not an object of named values', construct: 'is not a construct',
};

function isPlainValue(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Edit distance of two short names, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length];
}

/** The hint for an unknown field: the closest known name, else the list of known names. */
function unknownField(name: string, fields: ReadonlyMap<string, Field>): string {
  const known = [...fields.keys()];
  const best = known.map((k) => ({ k, d: distance(name.slice(0, 64), k) })).sort((x, y) => x.d - y.d)[0];
  if (best && best.d <= Math.max(2, Math.floor(best.k.length / 3))) return `did you mean "${best.k}"?`;
  return `known fields: ${known.join(', ')}`;
}

/** The field path of a key: `a.b`, or `a["odd key"]` when the key is not a plain name. */
function join(field: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return field ? `${field}.${key}` : key;
  return `${field}[${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}]`;
}

/** What {@link check} throws when it only tests (`quiet`): one shared value, so a mismatch costs no message and no stack trace. */
const NO_FIT: unique symbol = Symbol('no fit');

/** True when `value` has shape `shape` (no message). */
function fits(value: unknown, shape: Shape): boolean {
  try {
    check('', '', value, shape, true);
    return true;
  } catch {
    return false;
  }
}

/** A mismatch: the ValidationError naming it, or, when only testing, {@link NO_FIT} before any message is made. */
function mismatch(quiet: boolean, where: Where, field: string, value: unknown, reason: () => string): never {
  if (quiet) throw NO_FIT;
  return fail(where, field, value, reason());
}

function check(where: Where, field: string, value: unknown, shape: Shape, quiet = false): void {
  switch (shape.kind) {
    case 'unknown':
      return;
    case 'string':
      if (typeof value !== 'string') mismatch(quiet, where, field, value, () => WHAT.string);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') mismatch(quiet, where, field, value, () => `${WHAT.boolean}${value === 'true' || value === 'false' ? ` (write ${value} without quotes)` : ''}`);
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        const unquoted = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? ` (write ${value} without quotes)` : '';
        mismatch(quiet, where, field, value, () => typeof value === 'number' ? 'is not a finite number' : `${WHAT.number}${unquoted}`);
      }
      return;
    case 'construct':
      if (!isPlainValue(value) || !isPlainValue((value as { node?: unknown }).node)) mismatch(quiet, where, field, value, () => WHAT.construct);
      return;
    case 'literal':
      if (value !== shape.value) mismatch(quiet, where, field, value, () => `is not ${JSON.stringify(shape.value)}`);
      return;
    case 'list':
      if (!Array.isArray(value)) mismatch(quiet, where, field, value, () => WHAT.list);
      // A sparse list's holes are entries too (undefined).
      for (let i = 0; i < value.length; i++) check(where, `${field}[${i}]`, value[i], shape.of, quiet);
      return;
    case 'map':
      if (!isPlainValue(value)) mismatch(quiet, where, field, value, () => WHAT.map);
      for (const key of Object.keys(value)) check(where, join(field, key), value[key], shape.of, quiet);
      return;
    case 'either':
      if (!shape.options.some((o) => fits(value, o))) {
        if (quiet) throw NO_FIT;
        // Report against the option the value looks most like: an object against an object shape.
        const near = shape.options.find((o) => (o.kind === 'object' || o.kind === 'map') && isPlainValue(value))
          ?? shape.options.find((o) => o.kind === 'list' && Array.isArray(value));
        if (near) check(where, field, value, near);
        mismatch(quiet, where, field, value, () => `is not ${shape.options.map(describe).join(' or ')}`);
      }
      return;
    case 'object': {
      if (!isPlainValue(value)) mismatch(quiet, where, field || 'props', value, () => `is not an object (${shape.name})`);
      for (const key of shape.open ? [] : Object.keys(value)) {
        if (!shape.fields.has(key)) mismatch(quiet, where, join(field, key), value[key], () => `is not a field of ${shape.name}; ${unknownField(key, shape.fields)}`);
      }
      for (const [key, f] of shape.fields) {
        const v = value[key];
        if (v === undefined) {
          if (!f.optional) mismatch(quiet, where, join(field, key), v, () => `is required (${shape.name})`);
          continue;
        }
        check(where, join(field, key), v, f.shape, quiet);
      }
    }
  }
}

function describe(shape: Shape): string {
  switch (shape.kind) {
    case 'literal': return JSON.stringify(shape.value);
    case 'object': return `an object (${shape.name})`;
    case 'either': return shape.options.map(describe).join(' or ');
    case 'unknown': return 'anything';
    default: return `a ${shape.kind === 'map' ? 'map' : shape.kind}`;
  }
}

/**
 * Checks a value (a construct's props, a definition) against its shape; throws a ValidationError naming
 * `where` and the field of the first mismatch: a wrong type, a `null` entry, a missing required field,
 * or a field the shape does not have (with the closest known name).
 */
export function checkShape(where: Where, value: unknown, shape: Shape, field = ''): void {
  check(where, field, value, shape);
}

/**
 * API server: the CEL rules of a CRD (`x-kubernetes-validations`), evaluated on create as
 * k8s.io/apiextensions-apiserver pkg/apiserver/schema/cel/validation.go (Validator.validate) does: after the
 * schema's defaults are applied (pkg/apiserver/schema/defaulting/algorithm.go Default), each rule of a schema
 * node runs with `self` bound to the value at that node, for every list item and map value the schema
 * describes, and the object is refused when a rule is not true or cannot be evaluated.
 *
 * Rules are evaluated with @bufbuild/cel plus the functions of `cel-kubernetes.ts`. A rule this check cannot
 * compile (syntax, a function or variable it does not know) or evaluate is reported, never skipped.
 */

import type { CelEnv, CelResult, CelValue } from '@bufbuild/cel';
import { CRD_SCHEMAS } from '../../imports/crd-schemas';
import type { CheckContext, RenderedObjects } from './index';

/**
 * The packages the rules are evaluated with (loaded by {@link runtime} and `cel-kubernetes.ts`): with their
 * dependencies, what a rule's answer depends on besides this library's code and imports.
 */
export const CEL_PACKAGES: readonly string[] = ['@bufbuild/cel', 're2js'];

/** One `x-kubernetes-validations` entry of a CRD schema. */
export interface CrdValidationRule {
  /** The CEL expression; `self` is the value at the schema node. */
  readonly rule: string;
  /** Message when the rule is not true. @default "failed rule: <rule>" */
  readonly message?: string;
  /** CEL expression giving the message (a string); falls back to `message`. @default - none */
  readonly messageExpression?: string;
  /** Field the error is reported on, relative to the node. @default - the node itself */
  readonly fieldPath?: string;
  /** Evaluate a transition rule on create too, with `oldSelf` an empty optional. @default false */
  readonly optionalOldSelf?: boolean;
}

/** The part of a CRD's structural OpenAPI schema this check reads. */
export interface CrdSchemaNode {
  /** OpenAPI type. @default - any */
  readonly type?: string;
  /** OpenAPI format (`date-time`, `duration`, `byte`, ...). @default - none */
  readonly format?: string;
  /** Fields of an object. @default - none */
  readonly properties?: Readonly<Record<string, CrdSchemaNode>>;
  /** Values of a map. @default - none */
  readonly additionalProperties?: CrdSchemaNode | boolean;
  /** Items of a list. @default - none */
  readonly items?: CrdSchemaNode;
  /** Further schemas the value must match; their rules apply too. @default - none */
  readonly allOf?: readonly CrdSchemaNode[];
  /** Value the API server writes when the field is absent. @default - none */
  readonly default?: unknown;
  /** Whether null is a value. @default false */
  readonly nullable?: boolean;
  /** Integer or string. @default false */
  readonly 'x-kubernetes-int-or-string'?: boolean;
  /** The CEL rules of this node. @default - none */
  readonly 'x-kubernetes-validations'?: readonly CrdValidationRule[];
}

/** One rule an object breaks (or that could not be evaluated on it). */
export interface CelViolation {
  /** Field path of the node, e.g. `spec.rules[0].filters`. */
  readonly field: string;
  /** The rule's message (or messageExpression result), or why it could not be evaluated. */
  readonly message: string;
  /** The rule's CEL expression. */
  readonly rule: string;
}

interface Runtime {
  readonly cel: typeof import('@bufbuild/cel');
  readonly env: CelEnv;
  /** `name/m<args>` (method) and `name/f<args>` (function) of every overload the environment knows. */
  readonly overloads: ReadonlySet<string>;
}
let loaded: Runtime | undefined;

/**
 * The CEL environment, loaded on first use: @bufbuild/cel takes ~0.2 s to load, which an app (or a test)
 * without custom resources that carry rules does not pay.
 */
function runtime(): Runtime {
  if (!loaded) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const cel = require('@bufbuild/cel') as typeof import('@bufbuild/cel');
    const k8s = require('./cel-kubernetes') as typeof import('./cel-kubernetes');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const env = cel.celEnv({ funcs: [...k8s.KUBERNETES_CEL_FUNCTIONS], re2: k8s.KUBERNETES_RE2 });
    const overloads = new Set([...env.funcs].map((f) => `${f.name}/${f.target ? 'm' : 'f'}${f.arguments.length}`));
    loaded = { cel, env, overloads };
  }
  return loaded;
}

/** Functions the planner evaluates itself rather than through the environment's function list. */
const INTRINSICS = new Set(['_[_]', '_?_:_', '_&&_', '_||_', '@not_strictly_false', '__not_strictly_false__']);

type Program = (bindings: Record<string, unknown>) => CelResult;

/** A compiled rule: its program, or why it cannot be evaluated. */
export interface CompiledCelRule {
  /** The evaluation function, when the rule compiled. @default - none */
  readonly program?: Program;
  /** Why the rule cannot be evaluated here. @default - none */
  readonly error?: string;
  /** Whether the rule reads `oldSelf` (a transition rule). */
  readonly usesOldSelf: boolean;
}

// A parsed expression as @bufbuild/cel's parser returns it (cel.expr.Expr); only what the walk reads.
interface Expr {
  readonly exprKind: { readonly case?: string; readonly value?: any };
}

/** Problems a type checker would refuse: unknown functions/overloads and unknown variables (cel-go's checker). */
function unsupported(expr: Expr, scope: ReadonlySet<string>, found: Set<string>, uses: Set<string>, overloads: ReadonlySet<string>): void {
  const walk = (e: Expr, s = scope) => unsupported(e, s, found, uses, overloads);
  const { case: kind, value } = expr.exprKind;
  switch (kind) {
    case 'identExpr':
      if (!scope.has(value.name)) found.add(`undeclared reference to '${value.name}'`);
      uses.add(value.name);
      return;
    case 'selectExpr':
      return walk(value.operand);
    case 'callExpr': {
      const arity = `${value.target ? 'm' : 'f'}${value.args.length}`;
      if (!INTRINSICS.has(value.function) && !overloads.has(`${value.function}/${arity}`)) {
        found.add(`unsupported function ${value.target ? '<value>.' : ''}${value.function}() with ${value.args.length} argument(s)`);
      }
      if (value.target) walk(value.target);
      for (const a of value.args) walk(a);
      return;
    }
    case 'listExpr':
      for (const e of value.elements) walk(e);
      return;
    case 'structExpr':
      if (value.messageName) found.add(`unsupported object construction ${value.messageName}{}`);
      for (const e of value.entries) {
        if (e.keyKind.case === 'mapKey') walk(e.keyKind.value);
        walk(e.value);
      }
      return;
    case 'comprehensionExpr': {
      walk(value.iterRange);
      walk(value.accuInit);
      const inner = new Set([...scope, value.iterVar, value.iterVar2, value.accuVar].filter(Boolean));
      for (const e of [value.loopCondition, value.loopStep, value.result]) walk(e, inner);
      return;
    }
    default:
      return;
  }
}

/** What a rule may name: `self`, `oldSelf` and CEL's type denotations (`type(x) == int`). */
const VARIABLES = new Set(['self', 'oldSelf', 'int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type']);

const compiled = new Map<string, CompiledCelRule>();
const stats = { compiled: 0, evaluated: 0 };

/**
 * Compiles one CEL expression once (cached by its text: compiling does not depend on where the rule sits,
 * so the identical rules of a CRD's versions and repeated places share one program). A rule with a syntax
 * error, an unknown function or overload, or a variable other than `self`/`oldSelf` gets `error`.
 */
export function compileCelRule(expression: string): CompiledCelRule {
  let c = compiled.get(expression);
  if (c) return c;
  stats.compiled++;
  const { cel, env, overloads } = runtime();
  try {
    const parsed = cel.parse(expression);
    const problems = new Set<string>();
    const uses = new Set<string>();
    unsupported(parsed.expr as Expr, VARIABLES, problems, uses, overloads);
    c = problems.size > 0
      ? { error: [...problems].join('; '), usesOldSelf: uses.has('oldSelf') }
      : { program: cel.plan(env, parsed) as Program, usesOldSelf: uses.has('oldSelf') };
  } catch (e) {
    c = { error: `syntax error: ${(e as Error).message}`, usesOldSelf: false };
  }
  compiled.set(expression, c);
  return c;
}

/** How many distinct expressions were compiled and how many rule evaluations ran, since the process started. */
export function celRuleStats(): { readonly compiled: number; readonly evaluated: number } {
  return { ...stats };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const nonNullableNull = (v: unknown, s: CrdSchemaNode | undefined) => v === null && !s?.nullable;
const mapValues = (s: CrdSchemaNode): CrdSchemaNode | undefined => (isObject(s.additionalProperties) ? s.additionalProperties : undefined);

/**
 * Applies a structural schema's defaults in place, as the API server does before validating
 * (k8s.io/apiextensions-apiserver pkg/apiserver/schema/defaulting/algorithm.go Default): an absent (or
 * non-nullable null) field with a `default` gets a copy of it, then every value is defaulted in turn.
 */
export function applyDefaults(value: unknown, schema: CrdSchemaNode | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (nonNullableNull(item, schema.items) && schema.items?.default !== undefined) value[i] = clone(schema.items.default);
      applyDefaults(value[i], schema.items);
    });
    return;
  }
  if (!isObject(value)) return;
  for (const [k, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default === undefined) continue;
    if (!(k in value) || nonNullableNull(value[k], prop)) value[k] = clone(prop.default);
  }
  const values = mapValues(schema);
  for (const k of Object.keys(value)) {
    const prop = schema.properties?.[k];
    if (prop) applyDefaults(value[k], prop);
    else if (values) {
      if (nonNullableNull(value[k], values) && values.default !== undefined) value[k] = clone(values.default);
      applyDefaults(value[k], values);
    }
  }
}

/** CEL reserved words a field name is escaped from (k8s.io/apiserver pkg/cel/escaping.go). */
const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function',
  'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/**
 * The CEL name of an object field (k8s.io/apiserver pkg/cel/escaping.go Escape): reserved words become
 * `__word__`, and `__`, `.`, `-`, `/` become `__underscores__`, `__dot__`, `__dash__`, `__slash__`;
 * undefined for a name CEL cannot reach (it starts with a digit or has another character).
 */
export function escapeFieldName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name) || /[^a-zA-Z0-9_./-]/.test(name)) return undefined;
  if (RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__|[./-]/g, (s) => ({ '__': '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' })[s]!);
}

const stringConversions = new Map<string, Program>();
function convertString(expression: string, s: string): unknown {
  let p = stringConversions.get(expression);
  const { cel, env } = runtime();
  if (!p) stringConversions.set(expression, (p = cel.plan(env, cel.parse(expression)) as Program));
  const v = p({ s });
  if (cel.isCelError(v)) throw v;
  return v;
}

/**
 * The CEL value of a JSON value typed by its schema (k8s.io/apiserver pkg/cel/common/values.go
 * UnstructuredToVal): integers are CEL ints, strings with format `duration`/`date`/`date-time`/`byte` are
 * durations, timestamps and bytes, objects with properties expose their (escaped) fields, and at the
 * resource root only `metadata.name` and `metadata.generateName` are visible.
 */
function toCel(value: unknown, schema: CrdSchemaNode | undefined, root = false): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items));
  if (typeof value === 'number') {
    const integer = schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] || (!schema?.type && Number.isInteger(value));
    return integer && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value === 'string') {
    switch (schema?.type === 'string' ? schema.format : undefined) {
      case 'duration': return convertString('duration(s)', value);
      case 'date': return convertString('timestamp(s + "T00:00:00Z")', value);
      case 'date-time': return convertString('timestamp(s)', value);
      case 'byte': return new Uint8Array(Buffer.from(value, 'base64'));
      default: return value;
    }
  }
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  if (!schema) {
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v, undefined);
    return out;
  }
  // An object reaches CEL through its properties or its map values; one with neither (only
  // x-kubernetes-preserve-unknown-fields) is an empty object.
  const values = mapValues(schema);
  for (const [k, v] of Object.entries(value)) {
    const prop = schema.properties?.[k];
    if (prop) {
      const name = escapeFieldName(k);
      if (name === undefined || (v === null && !prop.nullable)) continue;
      if (root && k === 'metadata' && isObject(v)) {
        out.metadata = Object.fromEntries(['name', 'generateName'].filter((m) => typeof v[m] === 'string').map((m) => [m, v[m]]));
      } else out[name] = toCel(v, prop);
    } else if (values && !schema.properties) out[k] = toCel(v, values);
  }
  return out;
}

function child(path: string, key: string | number, map = false): string {
  if (typeof key === 'number' || map) return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** apiextensions-apiserver validation.go ruleMessageOrDefault: the message, or `failed rule: <rule>`. */
function ruleMessage(r: CrdValidationRule): string {
  return r.message?.trim() ? r.message.trim() : `failed rule: ${r.rule.trim()}`;
}

/** apiextensions-apiserver validation.go ruleErrorString: the message, or the rule. */
function ruleName(r: CrdValidationRule): string {
  return r.message?.trim() ? r.message.trim() : r.rule.trim();
}

/** The messageExpression's string, or undefined when it does not give a usable one (then `message` is used). */
function messageFrom(r: CrdValidationRule, self: unknown): string | undefined {
  if (!r.messageExpression) return undefined;
  const c = compileCelRule(r.messageExpression);
  if (!c.program) return undefined;
  const v = c.program({ self });
  if (typeof v !== 'string') return undefined;
  const trimmed = v.trim();
  return trimmed && !trimmed.includes('\n') ? trimmed : undefined;
}

function evaluate(rules: readonly CrdValidationRule[], self: () => unknown, path: string, out: CelViolation[]): void {
  for (const r of rules) {
    const c = compileCelRule(r.rule);
    // Transition rules (those reading oldSelf) apply to updates only: on create there is no old object and
    // the API server skips them (apiextensions-apiserver pkg/apiserver/schema/cel/validation.go
    // validateExpressions: `if compiled.UsesOldSelf && oldObj == nil { ... continue }`), unless
    // optionalOldSelf asks for them to run with oldSelf = optional.none(), which needs CEL optionals.
    if (c.usesOldSelf && !r.optionalOldSelf) continue;
    if (c.error || !c.program) {
      out.push({ field: path, rule: r.rule, message: `this check cannot evaluate the CRD's rule (${c.error}); it is reported, not skipped` });
      continue;
    }
    if (c.usesOldSelf) {
      out.push({ field: path, rule: r.rule, message: 'this check cannot evaluate the CRD\'s rule (optionalOldSelf needs CEL optional values, which @bufbuild/cel lacks); it is reported, not skipped' });
      continue;
    }
    stats.evaluated++;
    let value: unknown;
    let result: CelResult;
    try {
      value = self();
      result = c.program({ self: value });
    } catch (e) {
      // A string the schema types as a date-time, date or duration that is none (values.go gives an error value).
      out.push({ field: path, rule: r.rule, message: `${(e as Error).message} evaluating rule: ${ruleName(r)}` });
      continue;
    }
    const field = r.fieldPath ? `${path}${r.fieldPath.startsWith('[') || r.fieldPath.startsWith('.') ? '' : '.'}${r.fieldPath}` : path;
    if (runtime().cel.isCelError(result)) {
      // As the API server words it (cel-go says "no such key" where @bufbuild/cel says "field not found").
      out.push({ field: path, rule: r.rule, message: `${result.message.replace(/^field not found: /, 'no such key: ')} evaluating rule: ${ruleName(r)}` });
    } else if (typeof result !== 'boolean') {
      out.push({ field: path, rule: r.rule, message: `rule gives ${String(result as CelValue)}, not a bool` });
    } else if (!result) {
      out.push({ field, rule: r.rule, message: messageFrom(r, value) ?? ruleMessage(r) });
    }
  }
}

const hasRules = new WeakMap<object, boolean>();
/** Whether a schema node or anything below it has rules (the walk skips subtrees without any). */
function anyRules(s: CrdSchemaNode | undefined): boolean {
  if (!s || typeof s !== 'object') return false;
  let r = hasRules.get(s);
  if (r === undefined) {
    r = (s['x-kubernetes-validations']?.length ?? 0) > 0 || anyRules(s.items) || anyRules(mapValues(s))
      || Object.values(s.properties ?? {}).some(anyRules) || (s.allOf ?? []).some(anyRules);
    hasRules.set(s, r);
  }
  return r;
}

/**
 * Walks a value along its schema (apiextensions-apiserver Validator.validate): the rules of `rules` (the node
 * or one of its allOf schemas) with `self` typed by `types` (the node), then each field, map value or item.
 */
function walk(rules: CrdSchemaNode, types: CrdSchemaNode, value: unknown, path: string, root: boolean, out: CelViolation[]): void {
  if (value === null || value === undefined || !anyRules(rules)) return;
  const own = rules['x-kubernetes-validations'];
  if (own?.length) {
    let converted: unknown;
    evaluate(own, () => (converted ??= toCel(value, types, root)), path, out);
  }
  for (const sub of rules.allOf ?? []) walk(sub, types, value, path, root, out);
  if (Array.isArray(value)) {
    if (rules.items && types.items) value.forEach((v, i) => walk(rules.items!, types.items!, v, child(path, i), false, out));
    return;
  }
  if (!isObject(value)) return;
  const ruleValues = mapValues(rules);
  const typeValues = mapValues(types);
  for (const [k, v] of Object.entries(value)) {
    if (ruleValues && typeValues) walk(ruleValues, typeValues, v, child(path, k, true), false, out);
    const rp = rules.properties?.[k];
    const tp = types.properties?.[k];
    if (rp && tp) walk(rp, tp, v, child(path, k), false, out);
  }
}

/**
 * Evaluates every CEL rule of a CRD version's `openAPIV3Schema` on one object as the API server would on
 * create: on a defaulted copy (the object itself is not changed), transition rules skipped.
 */
export function validateCelRules(object: unknown, schema: CrdSchemaNode): CelViolation[] {
  const out: CelViolation[] = [];
  if (!anyRules(schema)) return out;
  const defaulted = clone(object);
  applyDefaults(defaulted, schema);
  walk(schema, schema, defaulted, '', true, out);
  return out;
}

/** Every rule of a schema with the field path of its node (`[*]` for list items and map values). */
export function rulesOf(schema: CrdSchemaNode, path = ''): Array<{ readonly field: string; readonly rule: CrdValidationRule }> {
  const own = (schema['x-kubernetes-validations'] ?? []).map((rule) => ({ field: path, rule }));
  const values = mapValues(schema);
  return [
    ...own,
    ...(schema.allOf ?? []).flatMap((s) => rulesOf(s, path)),
    ...(schema.items ? rulesOf(schema.items, `${path}[*]`) : []),
    ...(values ? rulesOf(values, `${path}[*]`) : []),
    ...Object.entries(schema.properties ?? {}).flatMap(([k, s]) => rulesOf(s, child(path, k))),
  ];
}

const schemas = new Map(CRD_SCHEMAS.map((c) => [`${c.apiVersion}/${c.kind}`, c.schema as CrdSchemaNode]));

/**
 * API server: CRD validation rules (x-kubernetes-validations, apiextensions-apiserver
 * pkg/apiserver/schema/cel/validation.go) of every custom resource whose CRD we import (imports/crd-schemas.ts).
 */
export function crdValidationRules(objects: RenderedObjects, context?: Pick<CheckContext, 'passed'>): string[] {
  const problems: string[] = [];
  for (const { manifest, constructPath } of objects) {
    const schema = schemas.get(`${manifest.apiVersion}/${manifest.kind}`);
    if (!schema) continue;
    const ns = manifest.metadata?.namespace;
    const id = `${manifest.kind} ${ns ? `${ns}/` : ''}${manifest.metadata?.name}`;
    // The rules are the imported CRD's, so the answer follows from the object (and this code and its imports).
    const violations = context?.passed ? context.passed.problems('crd-cel', manifest, () => validateCelRules(manifest, schema)) : validateCelRules(manifest, schema);
    for (const v of violations) {
      problems.push(`${constructPath}: ${id}: ${v.field || '(object)'}: ${v.message} (CRD rule: ${v.rule})`);
    }
  }
  return problems;
}

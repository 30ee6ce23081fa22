/**
 * Checks synthesized objects against the Kubernetes 1.27 API schema (kubernetes-models 4.5.x, generated
 * from the v1.27.1 OpenAPI spec) and custom resources against their CRD's OpenAPI schema.
 *
 * The generated validators accept fields the schema does not know, which the API server (kubectl's
 * default `--validate=strict`) refuses. So each object is validated through a proxy that records which
 * properties the validator looked up: a schema with `properties` reads every property it knows, and a
 * map (`additionalProperties`) reads every key. A key of a checked object that was never read is a field
 * the schema does not define. Objects whose schema reads no key at all are free-form and not judged.
 */

import Ajv from 'ajv';
import { CRD_SCHEMAS } from '../imports/crd-schemas';

/** One error as ajv reports it. */
export interface SchemaError {
  /** JSON pointer to the offending value, e.g. `/spec/replicas`. */
  readonly instancePath: string;
  /** The schema keyword that failed (`type`, `required`, `additionalProperties`, …). */
  readonly keyword: string;
  /** Details of the failure (the missing property, the expected type, …). */
  readonly params: Record<string, unknown>;
  /** What is wrong, in words. @default - none */
  readonly message?: string;
}

/** Checks one object and returns its schema errors (empty when valid). */
export type SchemaCheck = (data: unknown) => readonly SchemaError[];

/** One reason an object does not match its schema. */
export interface SchemaViolation {
  /** `Kind namespace/name` of the object. */
  readonly object: string;
  /** Dotted path of the field inside the object, e.g. `spec.template.spec.containers[0].ports`. */
  readonly field: string;
  /** What is wrong with it. */
  readonly message: string;
}

const customValidators = new Map<string, () => SchemaCheck>();

/**
 * Registers the schema of a custom resource kind, e.g. from a CRD's `openAPIV3Schema`
 * (see `lib/crd-schemas.ts`). The factory runs once, on first use.
 */
export function registerCustomResourceSchema(apiVersion: string, kind: string, factory: () => SchemaCheck): void {
  customValidators.set(`${apiVersion}/${kind}`, factory);
}

/**
 * Compiles a CRD's `openAPIV3Schema` with ajv. Kubernetes' extensions (`x-kubernetes-*`) are not JSON
 * Schema keywords and are ignored, so CEL `x-kubernetes-validations` rules are not evaluated here.
 */
export function compileCrdSchema(schema: object): SchemaCheck {
  // Skipping ajv's code optimisation pass halves the compile of large CRDs (Argo CD's Application) and checks the same.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { optimize: false } });
  const validate = ajv.compile(schema);
  return (data) => (validate(data) ? [] : (validate.errors ?? []));
}

for (const crd of CRD_SCHEMAS) registerCustomResourceSchema(crd.apiVersion, crd.kind, () => compileCrdSchema(crd.schema));

const cache = new Map<string, SchemaCheck | null>();

/**
 * Group/versions a Kubernetes 1.27 API server serves by default. kubernetes-models also ships removed
 * ones (extensions/v1beta1, networking.k8s.io/v1beta1, autoscaling/v2beta2, ...) that 1.27 refuses.
 */
export const SERVED_API_VERSIONS_1_27: ReadonlySet<string> = new Set([
  'v1', 'apps/v1', 'autoscaling/v1', 'autoscaling/v2', 'batch/v1', 'policy/v1', 'networking.k8s.io/v1',
  'storage.k8s.io/v1', 'rbac.authorization.k8s.io/v1', 'scheduling.k8s.io/v1', 'coordination.k8s.io/v1',
  'discovery.k8s.io/v1', 'events.k8s.io/v1', 'node.k8s.io/v1', 'admissionregistration.k8s.io/v1',
  'apiextensions.k8s.io/v1', 'apiregistration.k8s.io/v1', 'certificates.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1beta2', 'flowcontrol.apiserver.k8s.io/v1beta3',
]);

// kubernetes-models publishes one model class per kind at kubernetes-models/<group>/<version>/<Kind>
// (core group: kubernetes-models/v1/<Kind>); its prototype.validate runs the generated validator on `this`.
function builtinCheck(apiVersion: string, kind: string): SchemaCheck | null {
  if (!SERVED_API_VERSIONS_1_27.has(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return null;
  let model: { prototype: { validate(): void } } | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    model = require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
  } catch {
    return null;
  }
  if (!model) return null;
  const validate = model.prototype.validate;
  return (data) => {
    try {
      validate.call(data);
      return [];
    } catch (e) {
      const errors = (e as { errors?: SchemaError[] }).errors;
      if (!errors) throw e;
      return errors;
    }
  };
}

function checkFor(apiVersion: string, kind: string): SchemaCheck | null {
  const key = `${apiVersion}/${kind}`;
  let check = cache.get(key);
  if (check === undefined) {
    const custom = customValidators.get(key);
    check = custom ? custom() : builtinCheck(apiVersion, kind);
    cache.set(key, check);
  }
  return check;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Wraps a value so that every property lookup on it (and below it) is recorded in `reads`. */
function tracked(value: unknown, reads: WeakMap<object, Set<string | symbol>>, proxies: WeakMap<object, object>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const existing = proxies.get(value);
  if (existing) return existing;
  const seen = new Set<string | symbol>();
  reads.set(value, seen);
  const proxy = new Proxy(value, {
    get(target, prop, receiver) {
      seen.add(prop);
      return tracked(Reflect.get(target, prop, receiver), reads, proxies);
    },
    has(target, prop) {
      seen.add(prop);
      return Reflect.has(target, prop);
    },
    getOwnPropertyDescriptor(target, prop) {
      seen.add(prop);
      return Reflect.getOwnPropertyDescriptor(target, prop);
    },
  });
  proxies.set(value, proxy);
  return proxy;
}

function dotted(segments: Array<string | number>): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function fromPointer(pointer: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return dotted(segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s))) || '(object)';
}

function unknownFields(value: unknown, reads: WeakMap<object, Set<string | symbol>>, at: Array<string | number>, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownFields(item, reads, [...at, i], out));
    return;
  }
  if (!isPlainObject(value)) return;
  const seen = reads.get(value);
  if (!seen || seen.size === 0) return; // never checked, or free-form
  for (const key of Object.keys(value)) {
    if (!seen.has(key)) out.push(dotted([...at, key]));
    else unknownFields(value[key], reads, [...at, key], out);
  }
}

function describe(err: { keyword: string; params: Record<string, unknown>; message?: string }): string {
  const p = err.params;
  switch (err.keyword) {
    case 'type': return `must be of type ${p.type}`;
    case 'required': return `is missing required field "${p.missingProperty}"`;
    case 'enum': return `must be one of ${JSON.stringify(p.allowedValues)}`;
    case 'format': return `must match format "${p.format}"`;
    case 'pattern': return `must match pattern ${p.pattern}`;
    default: return err.message ?? `fails "${err.keyword}" ${JSON.stringify(p)}`;
  }
}

/** The API group of an apiVersion: `apps` for `apps/v1`, "" for the core group's `v1`. */
export function apiGroup(apiVersion: unknown): string {
  const v = String(apiVersion ?? '');
  return v.includes('/') ? v.split('/')[0] : '';
}

/** Identifies an object as `Kind namespace/name` (or `Kind name` when cluster-scoped). */
export function objectId(obj: { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }): string {
  const ns = obj.metadata?.namespace;
  return `${String(obj.kind)} ${ns ? `${String(ns)}/` : ''}${String(obj.metadata?.name)}`;
}

/**
 * Validates one manifest object. Returns every violation found (empty when the object is valid):
 * unknown apiVersion/kind, schema errors (wrong types, missing required fields, bad enum values) and
 * fields the schema does not define.
 */
export function validateManifest(obj: unknown): SchemaViolation[] {
  if (!isPlainObject(obj)) return [{ object: '(document)', field: '(object)', message: 'is not an object' }];
  const id = objectId(obj as never);
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return [{ object: id, field: 'apiVersion/kind', message: 'must both be strings' }];
  }
  const check = checkFor(apiVersion, kind);
  if (!check) {
    return [{ object: id, field: 'apiVersion/kind', message: `${apiVersion} ${kind} is not a Kubernetes 1.27 kind nor a registered custom resource` }];
  }
  const reads = new WeakMap<object, Set<string | symbol>>();
  const violations: SchemaViolation[] = [];
  for (const err of check(tracked(obj, reads, new WeakMap()))) {
    violations.push({ object: id, field: fromPointer(err.instancePath), message: describe(err) });
  }
  const unknown: string[] = [];
  unknownFields(obj, reads, [], unknown);
  for (const field of unknown) {
    violations.push({ object: id, field, message: `is not a field of ${apiVersion} ${kind}` });
  }
  return violations;
}

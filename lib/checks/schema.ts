/**
 * Checks synthesized objects against the Kubernetes API schema of the cluster's version and custom
 * resources against their CRD's OpenAPI schema.
 *
 * Built-in kinds: the group/versions the cluster's minor serves (exact, `lib/checks/api-versions.ts`), then
 * the generated validators of the schema set of that minor (`lib/checks/schema-sets.ts`: kubernetes-models
 * 4.5.1, Kubernetes v1.33.0, for 1.27-1.33; kubernetes-models 5.1.0, v1.36.0, for 1.34-1.36, loaded on
 * first use).
 *
 * The generated validators accept fields the schema does not know, which the API server (kubectl's
 * default `--validate=strict`) refuses. So each object is validated through a proxy that records which
 * properties the validator looked up: a schema with `properties` reads every property it knows, and a
 * map (`additionalProperties`) reads every key. A key of a checked object that was never read is a field
 * the schema does not define. Objects whose schema reads no key at all are free-form and not judged.
 */

import * as crypto from 'crypto';
import type { ValidateFunction } from 'ajv';
import { version as AJV_VERSION } from 'ajv/package.json';
import { CRD_SCHEMAS } from '../../imports/crd-schemas';
import { readCache, writeCache } from './cache';
import { isKnownApiVersion, isServed, notServedMessage, parseKubernetesMinor, servedApiVersions } from './api-versions';
import { hasModel, modelValidate, schemaSetFor } from './schema-sets';

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
/** The custom kinds whose schema is still the imported CRD's (imports/crd-schemas.ts), not one registered at runtime. */
const importedSchemas = new Set<string>();

/**
 * Registers the schema of a custom resource kind, e.g. from a CRD's `openAPIV3Schema`
 * (see `lib/crd-schemas.ts`). The factory runs once, on first use.
 */
export function registerCustomResourceSchema(apiVersion: string, kind: string, factory: () => SchemaCheck): void {
  customValidators.set(`${apiVersion}/${kind}`, factory);
  importedSchemas.delete(`${apiVersion}/${kind}`);
}

/**
 * Compiles a CRD's `openAPIV3Schema` with ajv. Kubernetes' extensions (`x-kubernetes-*`) are not JSON
 * Schema keywords and are ignored, so CEL `x-kubernetes-validations` rules are not evaluated here.
 */
export function compileCrdSchema(schema: object): SchemaCheck {
  const validate = cachedValidator(schema);
  return (data) => (validate(data) ? [] : (validate.errors ?? []));
}

// Skipping ajv's code optimisation pass halves the compile of large CRDs (Argo CD's Application) and checks
// the same; `source` keeps the generated code, which the validator cache stores.
const AJV_OPTIONS = { strict: false, allErrors: true, validateFormats: false, code: { optimize: false, source: true } };

/**
 * ajv's validator of `schema`. Compiling a large CRD schema takes a second or more (Argo CD's Application),
 * loading its generated code a tenth of that: the code (ajv's standalone output) is kept in the render
 * cache (`lib/cluster/chart-render.ts`) under the sha256 of the schema, ajv's version and options, so each
 * schema is compiled once per machine, not once per process. A cached file that does not load is compiled again.
 */
function cachedValidator(schema: object): ValidateFunction {
  const name = `ajv-${crypto.createHash('sha256').update(JSON.stringify({ ajv: AJV_VERSION, options: AJV_OPTIONS, schema })).digest('hex')}.json`;
  const cached = readCache<string>(name);
  if (typeof cached === 'string') {
    try {
      return loadStandalone(cached);
    } catch {
      // not usable: compiled again below, and replaced
    }
  }
  // Loaded here, not on start-up: a synth whose validators are all cached never needs ajv's compiler.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { default: Ajv } = require('ajv') as typeof import('ajv');
  const { default: standaloneCode } = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const ajv = new Ajv(AJV_OPTIONS);
  const validate = ajv.compile(schema);
  writeCache(name, standaloneCode(ajv, validate));
  return validate;
}

/** The validator a module of ajv's standalone code exports (its `require`s are ajv's runtime helpers). */
function loadStandalone(code: string): ValidateFunction {
  const module = { exports: {} as { default?: unknown } };
  new Function('module', 'exports', 'require', code)(module, module.exports, require);
  const validate = module.exports.default ?? module.exports;
  if (typeof validate !== 'function') throw new Error('no validator in the cached code');
  return validate as ValidateFunction;
}

const crdChecks = new WeakMap<object, SchemaCheck>();

/**
 * API server (apiextensions-apiserver, structural schema validation): violations of one custom resource
 * against the `openAPIV3Schema` of its CRD version; each schema is compiled once.
 */
export function validateWithCrdSchema(obj: { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }, schema: object): SchemaViolation[] {
  let check = crdChecks.get(schema);
  if (!check) crdChecks.set(schema, check = compileCrdSchema(schema));
  return check(obj).map((err) => ({ object: objectId(obj), field: fromPointer(err.instancePath), message: describe(err) }));
}

/** Whether a custom resource kind has a registered schema (an imported CRD). */
export function hasRegisteredSchema(apiVersion: string, kind: string): boolean {
  return customValidators.has(`${apiVersion}/${kind}`);
}

/**
 * Whether {@link validateManifest}'s answer for this kind follows from the object, the Kubernetes version, this
 * library's code and imports and the schema packages alone: true unless its schema was registered at runtime
 * ({@link registerCustomResourceSchema}), a factory no cache key can name. Such answers may be remembered.
 */
export function isPureSchemaCheck(apiVersion: string, kind: string): boolean {
  const key = `${apiVersion}/${kind}`;
  return !customValidators.has(key) || importedSchemas.has(key);
}

for (const crd of CRD_SCHEMAS) {
  registerCustomResourceSchema(crd.apiVersion, crd.kind, () => compileCrdSchema(crd.schema));
  importedSchemas.add(`${crd.apiVersion}/${crd.kind}`);
}

const cache = new Map<string, SchemaCheck | null>();

/**
 * Group/versions a Kubernetes 1.27 API server serves by default. For any minor 1.27-1.36, see
 * `servedApiVersions` and the table `SERVED_APIS` in `lib/checks/api-versions.ts`.
 */
export const SERVED_API_VERSIONS_1_27: ReadonlySet<string> = servedApiVersions(27);

// API server: validates the object against its group/version's OpenAPI schema (kubectl --validate=strict,
// server-side field validation); the schema comes from the schema set of the cluster's minor.
function builtinCheck(apiVersion: string, kind: string, minor: number): SchemaCheck | null {
  const validate = modelValidate(schemaSetFor(minor), apiVersion, kind);
  if (!validate) return null;
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

function checkFor(apiVersion: string, kind: string, minor: number): SchemaCheck | null {
  const custom = customValidators.get(`${apiVersion}/${kind}`);
  // Built-in validators are shared by every minor of one schema set.
  const key = custom ? `${apiVersion}/${kind}` : `${schemaSetFor(minor).packageName} ${apiVersion}/${kind}`;
  let check = cache.get(key);
  if (check === undefined) {
    check = custom ? custom() : builtinCheck(apiVersion, kind, minor);
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
 * Validates one manifest object as the API server of a cluster running Kubernetes `version` would.
 * Returns every violation found (empty when the object is valid): an apiVersion/kind that minor does not
 * serve (removed, or not yet served by default: the message names the versions it does serve), an
 * unknown apiVersion/kind that is no registered custom resource, schema errors (wrong types, missing
 * required fields, bad enum values) and fields the schema does not define. Custom resources are checked
 * against their CRD's schema whatever the version.
 *
 * Contract for the cluster wiring: pass the cluster's `kubernetesVersion` (`ClusterFacts`, "1.27" to
 * "1.36"). 1.27-1.33 are validated against Kubernetes v1.33.0 schemas, 1.34-1.36 against v1.36.0 ones
 * (loaded on the first 1.34+ object): a field newer than the cluster but not newer than its schema set is
 * not caught. The served group/versions are exact per minor.
 *
 * @param obj the manifest object (as rendered, e.g. `ApiObject.toJson()`)
 * @param version the cluster's Kubernetes minor version, e.g. "1.34"; anything else throws our ValidationError
 * @default version "1.27"
 */
export function validateManifest(obj: unknown, version = '1.27'): SchemaViolation[] {
  const minor = parseKubernetesMinor(version);
  if (!isPlainObject(obj)) return [{ object: '(document)', field: '(object)', message: 'is not an object' }];
  const id = objectId(obj as never);
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return [{ object: id, field: 'apiVersion/kind', message: 'must both be strings' }];
  }
  const custom = customValidators.has(`${apiVersion}/${kind}`);
  if (!custom && isKnownApiVersion(apiVersion, kind) && !isServed(apiVersion, kind, minor)) {
    const set = schemaSetFor(minor);
    return [{ object: id, field: 'apiVersion', message: notServedMessage(apiVersion, kind, minor, (v) => hasModel(set, v, kind)) }];
  }
  const check = custom || isServed(apiVersion, kind, minor) ? checkFor(apiVersion, kind, minor) : null;
  if (!check) {
    return [{ object: id, field: 'apiVersion/kind', message: `${apiVersion} ${kind} is not a Kubernetes 1.${minor} kind nor a registered custom resource` }];
  }
  const reads = new WeakMap<object, Set<string | symbol>>();
  const violations: SchemaViolation[] = [];
  for (const err of check(tracked(obj, reads, new WeakMap()))) {
    violations.push({ object: id, field: fromPointer(err.instancePath), message: describe(err) });
  }
  const unknown: string[] = [];
  unknownFields(obj, reads, [], unknown);
  for (const field of unknown) {
    // kubernetes-models' generated validators drop properties named `description` (CustomResourceColumnDefinition's
    // real field) and do not descend into a CRD's recursive JSONSchemaProps: reads there are not tracked.
    if (kind === 'CustomResourceDefinition' && /^spec\.versions\[\d+\]\.(schema\.openAPIV3Schema\.|additionalPrinterColumns\[\d+\]\.description$)/.test(field)) continue;
    violations.push({ object: id, field, message: `is not a field of ${apiVersion} ${kind}` });
  }
  return violations;
}

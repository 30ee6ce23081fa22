/**
 * Helpers for testing an app built with this library in your own repository, with any test runner:
 * synthesize in memory with every check on, find objects, assert on parts of them with readable failures,
 * and take a stable YAML snapshot. Nothing here writes the output or needs jest.
 *
 * ```ts
 * import { expectObject, findObject, snapshotOf, synthesizeApp } from 'onprem-k8s-constructs/testing';
 * const result = synthesizeApp(buildApp());
 * expectObject(result, { kind: 'Deployment', name: 'web' }, { spec: { template: { spec: { containers: [{ image: 'web:1.2.3' }] } } } });
 * expect(snapshotOf(result, { environment: 'shop', platform: false })).toMatchSnapshot();
 * ```
 * @module
 */
import { App } from 'cdk8s';
import { renderApp, RenderedFile } from './synth/synth';
import { stringifyYaml } from './synth/yaml-writer';

/** Which objects to select; every field given must match, fields left out match anything. */
export interface ObjectQuery {
  /** The object's `kind` (`Deployment`). @default - any kind */
  readonly kind?: string;
  /** The object's `apiVersion` (`apps/v1`). @default - any apiVersion */
  readonly apiVersion?: string;
  /** The object's `metadata.namespace`. @default - any namespace (and cluster-scoped objects) */
  readonly namespace?: string;
  /** The object's `metadata.name`. @default - any name */
  readonly name?: string;
  /** The name of the cluster the object is applied to. @default - any cluster */
  readonly cluster?: string;
  /** The name of the environment whose file holds the object (`''` for a cluster's platform and GitOps files). @default - any environment */
  readonly environment?: string;
  /**
   * `true`: only the objects of the clusters' platform files (`<cluster>/platform/...`); `false`: every
   * other object (the environments' and the GitOps files').
   * @default - both
   */
  readonly platform?: boolean;
}

/** One object of a synthesized app, with where it is written and the construct that made it. */
export interface SynthesizedObject {
  /** The manifest as it will be written. */
  readonly manifest: Record<string, any>;
  /** Construct path of the object (for a platform file's object, the platform component). */
  readonly constructPath: string;
  /** The file it is written to, relative to the output folder (`<cluster>/<env>/<tier>-<chart>.yaml`). */
  readonly file: string;
  /** Name of the cluster it is applied to. */
  readonly cluster: string;
  /** Name of the environment whose file holds it; `''` for a cluster's platform and GitOps files. */
  readonly environment: string;
  /** Whether it belongs to a cluster's platform files. */
  readonly platform: boolean;
}

/** What {@link synthesizeApp} returns: the rendered files, every object, and the helpers bound to them. */
export interface SynthesizedApp {
  /** The files as the synth would write them (without the kustomizations), in output order. */
  readonly files: readonly RenderedFile[];
  /** Every object of every file, in output order. */
  readonly objects: readonly SynthesizedObject[];
  /** {@link findObjects} on this result. */
  findObjects(query?: ObjectQuery): SynthesizedObject[];
  /** {@link findObject} on this result. */
  findObject(query: ObjectQuery): SynthesizedObject;
  /** {@link expectObject} on this result. */
  expectObject(query: ObjectQuery, partial: unknown): Record<string, any>;
  /** {@link snapshotOf} on this result. */
  snapshotOf(query?: ObjectQuery): string;
}

/** Options of {@link synthesizeApp}. */
export interface SynthesizeAppOptions {
  /**
   * Render only these environments (every environment of their clusters is still checked, as the synth
   * does; the clusters' platform and GitOps files are included).
   * @default - every environment
   */
  readonly environments?: readonly string[];
}

/**
 * Synthesizes an app in memory, with every check the synth runs (construct rules, environment-wide
 * checks, schema validation, cross-object and per-cluster checks), and writes no output: no files, no
 * folders (only a cluster that manages its platform renders its Helm charts through the render cache,
 * `$ONPREM_RENDER_CACHE`, as the synth does). A refused synth throws the library's `SynthError` unchanged
 * (its `problems` list every problem). Call it once per app.
 * @param app the app, as your `main.ts` builds it
 * @param options which environments to render
 */
export function synthesizeApp(app: App, options: SynthesizeAppOptions = {}): SynthesizedApp {
  const files = renderApp(app, options.environments);
  const objects: SynthesizedObject[] = files.flatMap((f) => f.objects.map((o) => ({
    manifest: o.manifest, constructPath: o.constructPath, file: f.file, cluster: f.cluster, environment: f.environment, platform: f.layer !== undefined,
  })));
  const result: SynthesizedApp = {
    files,
    objects,
    findObjects: (query = {}) => findObjects(result, query),
    findObject: (query) => findObject(result, query),
    expectObject: (query, partial) => expectObject(result, query, partial),
    snapshotOf: (query = {}) => snapshotOf(result, query),
  };
  return result;
}

function matches(o: SynthesizedObject, q: ObjectQuery): boolean {
  const m = o.manifest;
  return (q.kind === undefined || m.kind === q.kind)
    && (q.apiVersion === undefined || m.apiVersion === q.apiVersion)
    && (q.namespace === undefined || m.metadata?.namespace === q.namespace)
    && (q.name === undefined || m.metadata?.name === q.name)
    && (q.cluster === undefined || o.cluster === q.cluster)
    && (q.environment === undefined || o.environment === q.environment)
    && (q.platform === undefined || o.platform === q.platform);
}

/** `Deployment dev/web` (namespace/name; name only for a cluster-scoped object). */
function describeObject(o: SynthesizedObject): string {
  const ns = o.manifest.metadata?.namespace;
  return `${o.manifest.kind} ${ns ? `${ns}/` : ''}${o.manifest.metadata?.name}`;
}

function describeQuery(q: ObjectQuery): string {
  const fields = (Object.keys(q) as Array<keyof ObjectQuery>).filter((k) => q[k] !== undefined).map((k) => `${k}=${JSON.stringify(q[k])}`);
  return fields.length > 0 ? fields.join(' ') : 'any object';
}

/**
 * The objects matching every field of the query, in output order (none: an empty list).
 * @param result what {@link synthesizeApp} returned
 * @param query which objects @default - every object
 */
export function findObjects(result: SynthesizedApp, query: ObjectQuery = {}): SynthesizedObject[] {
  return result.objects.filter((o) => matches(o, query));
}

/**
 * The one object matching the query. Throws an Error when there is none (listing, by kind, the objects
 * present in the selection without its `name`) or more than one (listing them with their files).
 * @param result what {@link synthesizeApp} returned
 * @param query which object
 */
export function findObject(result: SynthesizedApp, query: ObjectQuery): SynthesizedObject {
  const found = findObjects(result, query);
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new Error(`expected one object with ${describeQuery(query)}, found ${found.length}:\n${found.map((o) => `  - ${describeObject(o)} (${o.file})`).join('\n')}`);
  }
  const { name: _name, namespace: _namespace, ...wider } = query;
  let nearby = findObjects(result, wider);
  let where = describeQuery(wider);
  if (nearby.length === 0) {
    nearby = result.objects.slice();
    where = 'any object';
  }
  const present = [...new Set(nearby.map(describeObject))].sort();
  throw new Error(`expected one object with ${describeQuery(query)}, found none; present (${where}): ${present.length > 0 ? present.join(', ') : 'nothing'}`);
}

const show = (v: unknown): string => (v === undefined ? 'undefined (missing)' : JSON.stringify(v));

/** The path and the two sides of the first difference of `actual` from the partial `expected`, or undefined. */
function firstDifference(expected: unknown, actual: unknown, path: string): string | undefined {
  const at = path === '' ? '(the object itself)' : path;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `at ${at}: expected an array ${show(expected)}, got ${show(actual)}`;
    if (actual.length !== expected.length) return `at ${at}: expected ${expected.length} items, got ${actual.length}: ${show(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `at ${at}: expected an object ${show(expected)}, got ${show(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const key = /^[A-Za-z_$][\w$]*$/.test(k) ? (path === '' ? k : `${path}.${k}`) : `${path}[${JSON.stringify(k)}]`;
      const d = firstDifference(v, (actual as Record<string, unknown>)[k], key);
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : `at ${at}: expected ${show(expected)}, got ${show(actual)}`;
}

/**
 * Asserts that the one object matching the query (see {@link findObject}) holds `partial`: every key given
 * must be there with that value; objects match partially at any depth, arrays item by item with the same
 * length. Throws an Error naming the object, the path of the first difference and both values
 * (`Deployment dev/web (dev/50-web.yaml) differs at spec.replicas: expected 3, got 2`). Returns the manifest.
 * @param result what {@link synthesizeApp} returned
 * @param query which object
 * @param partial the part of its manifest it must hold
 */
export function expectObject(result: SynthesizedApp, query: ObjectQuery, partial: unknown): Record<string, any> {
  const o = findObject(result, query);
  const d = firstDifference(partial, o.manifest, '');
  if (d) throw new Error(`${describeObject(o)} (${o.file}) differs ${d}`);
  return o.manifest;
}

const ORDER: Array<(o: SynthesizedObject) => string> = [
  (o) => o.cluster, (o) => o.environment, (o) => o.manifest.kind ?? '', (o) => o.manifest.metadata?.namespace ?? '',
  (o) => o.manifest.metadata?.name ?? '', (o) => o.manifest.apiVersion ?? '', (o) => o.file,
];

/**
 * The selected objects as one YAML text (documents separated by `---`), sorted by cluster, environment,
 * kind, namespace, name and apiVersion, so it changes only when an object does: for your test runner's own
 * snapshot (`expect(snapshotOf(result)).toMatchSnapshot()`) or a comparison with a file.
 * @param result what {@link synthesizeApp} returned
 * @param query which objects @default - every object
 */
export function snapshotOf(result: SynthesizedApp, query: ObjectQuery = {}): string {
  const sorted = findObjects(result, query).sort((a, b) => {
    for (const key of ORDER) {
      const x = key(a);
      const y = key(b);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
  return sorted.length > 0 ? stringifyYaml(...sorted.map((o) => o.manifest)) : '';
}

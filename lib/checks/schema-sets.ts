/**
 * Which built-in schema validates the objects of which Kubernetes minor version.
 *
 * Two maintained packages of generated validators (kubernetes-models, github.com/tommy351/kubernetes-models-ts,
 * ajv standalone code compiled from the upstream OpenAPI spec of one release, merged with older releases'
 * specs for the group/versions removed since):
 * - `kubernetes-models-1-27` = `kubernetes-models` 4.4.2: Kubernetes **v1.27.1**, the last release generated
 *   from it (4.5.0 moved to v1.33.0). Used for 1.27 exactly.
 * - `kubernetes-models` 4.5.1: Kubernetes **v1.33.0** (its CHANGELOG 4.5.0 "Update schema version to
 *   v1.33.0"; scripts/generate.ts VERSIONS ends with "1.33.0"). Used for 1.28 to 1.33.
 * - `kubernetes-models-current` = `kubernetes-models` 5.1.0: Kubernetes **v1.36.0** (CHANGELOG 5.0.0 "Update
 *   to Kubernetes v1.36.0", 5.1.0 only exports the schema files; scripts/generate.ts VERSIONS ends with
 *   "1.36.0"; it has resource.k8s.io/v1, admissionregistration v1 MutatingAdmissionPolicy and PodSpec
 *   `schedulingGroup`). Used for 1.34 to 1.36.
 *
 * Approximation: a minor is validated against the newest schema of its set, so a field added after that
 * minor but by the set's release (e.g. Service `trafficDistribution`, 1.31, on a 1.30 cluster) is accepted.
 * Which group/versions and kinds a minor serves is exact (see `api-versions.ts`), whatever the set.
 *
 * 5.1.0 is ESM-only (`exports` has only the `import` condition). It is loaded lazily, on the first
 * object of a 1.34+ cluster, with Node's own require (which loads ES modules synchronously from Node
 * 20.19 / 22.12), taken from `process.getBuiltinModule` so that it also works under Jest, whose module
 * registry cannot load ES modules.
 */

import * as fs from 'fs';
import * as path from 'path';

/** Runs the generated validator on an object; throws an error carrying `errors` when invalid. */
export type ModelValidate = (this: unknown) => void;

/** A generated model class: a top-level kind has static `apiVersion` and `kind`. */
interface Model {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly prototype: { validate: ModelValidate };
}

/** A package of generated validators and the minors it validates. */
export interface SchemaSet {
  /** The npm package (or alias) it is loaded from. */
  readonly packageName: string;
  /** The Kubernetes release its schemas were generated from. */
  readonly kubernetes: string;
  /** The minors it validates, inclusive. */
  readonly minors: readonly [number, number];
  /** How to load one model file. */
  readonly load: (file: string) => Record<string, Model | undefined>;
}

// Node's own require, not the test runner's: it loads ES modules (require(esm)).
const nodeRequire = process.getBuiltinModule('module').createRequire(__filename);

/** The schema sets, oldest first. */
export const SCHEMA_SETS: readonly SchemaSet[] = [
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  { packageName: 'kubernetes-models-1-27', kubernetes: '1.27.1', minors: [27, 27], load: (file) => require(file) },
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  { packageName: 'kubernetes-models', kubernetes: '1.33.0', minors: [28, 33], load: (file) => require(file) },
  { packageName: 'kubernetes-models-current', kubernetes: '1.36.0', minors: [34, 36], load: (file) => nodeRequire(file) },
];

/** The schema set that validates Kubernetes 1.`minor`. */
export function schemaSetFor(minor: number): SchemaSet {
  const set = SCHEMA_SETS.find((s) => s.minors[0] <= minor && minor <= s.minors[1]);
  if (!set) throw new Error(`no schema set for Kubernetes 1.${minor}`);
  return set;
}

const folders = new Map<string, string>();
const loaded = new Set<string>();

/** The packages of the schema sets loaded so far (the current set only once a 1.34+ object was checked). */
export function loadedSchemaSets(): string[] {
  return [...loaded];
}

/** The installed folder of a package, found the way Node resolves it (its `exports` may hide package.json). */
function folderOf(packageName: string): string {
  let folder = folders.get(packageName);
  if (folder === undefined) {
    const found = (nodeRequire.resolve.paths(packageName) ?? [])
      .map((dir) => path.join(dir, packageName))
      .find((dir) => fs.existsSync(path.join(dir, 'package.json')));
    if (!found) throw new Error(`${packageName} is not installed`);
    folder = found;
    folders.set(packageName, folder);
  }
  return folder;
}

function modelOf(set: SchemaSet, apiVersion: string, kind: string): Model | undefined {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const file = path.join(folderOf(set.packageName), apiVersion, `${kind}.js`);
  if (!fs.existsSync(file)) return undefined;
  loaded.add(set.packageName);
  const model = set.load(file)[kind];
  // Structs that are no kind (core v1 `ResourceClaim` is a pod's claim reference) have no static kind.
  return model?.kind === kind && model.apiVersion === apiVersion ? model : undefined;
}

/** Whether the set has `kind` as a top-level kind of `apiVersion` (core group: `v1`). */
export function hasModel(set: SchemaSet, apiVersion: string, kind: string): boolean {
  return modelOf(set, apiVersion, kind) !== undefined;
}

/**
 * The generated validator of `apiVersion` `kind` in the set, or undefined when the set has no such kind.
 * The package publishes one model class per kind at `<group>/<version>/<Kind>.js` (core: `v1/<Kind>.js`);
 * its `prototype.validate` runs the validator on `this`.
 */
export function modelValidate(set: SchemaSet, apiVersion: string, kind: string): ModelValidate | undefined {
  return modelOf(set, apiVersion, kind)?.prototype.validate;
}

let identity: string | undefined;

/**
 * What a result of the schema sets' validators depends on besides this library's code: the name and version of
 * every package in each set's dependency closure (the set itself, its validator and model packages, their
 * ajv and formats: {@link packagesIdentity}). Read once per process.
 */
export function schemaSetsIdentity(): string {
  identity ??= JSON.stringify(SCHEMA_SETS.map((s) => s.packageName).concat(packagesIdentity(SCHEMA_SETS.map((s) => s.packageName))));
  return identity;
}

/**
 * `name@version` of every package in the closure of `packageNames` (each, its dependencies and its installed
 * peer dependencies, and theirs), each resolved from the folder that requires it as Node does, sorted: what a
 * result computed with those packages depends on besides this library's code.
 */
export function packagesIdentity(packageNames: readonly string[]): string[] {
  const seen = new Map<string, string>();
  const visit = (folder: string) => {
    if (seen.has(folder)) return;
    const pkg = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as { name?: string; version?: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    seen.set(folder, `${pkg.name}@${pkg.version}`);
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
      const found = installedFolder(folder, dep);
      if (found) visit(found);
    }
  };
  for (const name of packageNames) visit(folderOf(name));
  return [...seen.values()].sort();
}

/** The folder Node resolves package `name` to when `from` requires it (`node_modules` folders from `from` up), or undefined. */
function installedFolder(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

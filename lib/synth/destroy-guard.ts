/**
 * The destructive-change guard: compares the output about to be written with the output already in the
 * folder (the committed one, in a GitOps repository) and lists each change that loses data or that the
 * API server refuses: a stateful object removed or renamed, an immutable field changed. The synth
 * refuses to write while any of them is not explicitly accepted, per object.
 */
import { parseAllDocuments } from 'yaml';
import { GITOPS_OUTPUT_FOLDER as GITOPS_FOLDER } from '../gitops/cluster-gitops';
import { PLATFORM_FOLDER } from '../cluster/cluster-platform';
import { STATEFUL_KINDS } from '../gitops/gitops';
import { apiGroup } from '../checks/schema';
// Used inside functions only: synth.ts imports this module too.
import { SynthError } from './synth';
import { parseQuantity } from '../checks/validation';

type Manifest = Record<string, any>;

/** One change that loses data or cannot be applied in place. */
export interface DestructiveChange {
  /** The object, as `--allow-destroy` takes it: `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
  readonly id: string;
  /** Output folder (environment) it was in: `<cluster>/<env>` (`<env>` in an output written before clusters). */
  readonly folder: string;
  /** What changes. */
  readonly change: string;
  /** Why that is dangerous. */
  readonly danger: string;
}

const REMOVED: Record<string, string> = {
  Namespace: 'deleting a Namespace deletes everything in it, claims and their data included',
  PersistentVolume: 'the volume object is deleted (with Delete as its reclaim policy, its data too); with Retain the data stays on the server but no claim can use it until the volume is written again and released by hand',
  PersistentVolumeClaim: 'deleting a claim releases its volume (and deletes the data when the reclaim policy is Delete); a claim under a new name is a new, empty volume',
  StatefulSet: "its pods stop; a StatefulSet under a new name starts with new, empty claims while the old ones stay behind (or are deleted, with a Delete retention policy)",
  CustomResourceDefinition: 'deleting a CustomResourceDefinition deletes every custom resource of its kind in the cluster (pools, certificates, routes: a rename is a removal)',
  StorageClass: 'claims that name it can no longer be provisioned, and the class decides what happens to its volumes on delete',
};

const REFUSED = 'the API server refuses this change (immutable field), so every apply fails until the object is deleted and created again';

/** Immutable fields per kind (dotted paths under the object) and what recreating the object costs. */
const IMMUTABLE: Record<string, { fields: string[]; recreate: string }> = {
  StatefulSet: {
    fields: ['spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy'],
    recreate: 'recreating the StatefulSet stops its pods, and changed claim templates give every pod a new, empty claim',
  },
  Deployment: { fields: ['spec.selector'], recreate: 'recreating it stops every pod at once' },
  DaemonSet: { fields: ['spec.selector'], recreate: 'recreating it stops the agent on every node at once' },
  PersistentVolumeClaim: {
    fields: ['spec.storageClassName', 'spec.accessModes', 'spec.volumeName', 'spec.selector', 'spec.volumeMode', 'spec.dataSource'],
    recreate: 'recreating the claim binds a new volume: its data is not carried over',
  },
  StorageClass: {
    fields: ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'],
    recreate: 'claims provisioned from it keep the old settings',
  },
};

/** Fields of a PersistentVolume spec that are not its source (the source is immutable). */
const PV_NOT_SOURCE = new Set([
  'accessModes', 'capacity', 'claimRef', 'mountOptions', 'nodeAffinity', 'persistentVolumeReclaimPolicy', 'storageClassName', 'volumeMode',
]);

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
export function objectKey(m: Manifest): string {
  const ns = m.metadata?.namespace;
  return `${m.kind}/${ns ? `${ns}/` : ''}${m.metadata?.name}`;
}

/** JSON with object keys sorted, so equal values give equal strings whatever their key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Manifest)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

function at(m: Manifest, dotted: string): unknown {
  return dotted.split('.').reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), m);
}

/** A value as the report shows it, in full: canonical JSON, or `(unset)`. */
function shown(v: unknown): string {
  return v === undefined ? '(unset)' : canonical(v);
}

/** Values longer than this (either side) get a line diff under the change. */
const DIFF_OVER = 100;

/**
 * Where `was` and `is` differ, deepest first: `[path, old, new]` per differing leaf, the path dotted with
 * list indexes (`spec.volumeClaimTemplates[0].spec.storageClassName`); a value that changes type, or a
 * list or map that appears or disappears, is one leaf.
 */
function differences(path: string, was: unknown, is: unknown): Array<[string, unknown, unknown]> {
  if (canonical(was) === canonical(is)) return [];
  const bothLists = Array.isArray(was) && Array.isArray(is);
  const bothMaps = !!was && !!is && typeof was === 'object' && typeof is === 'object' && !Array.isArray(was) && !Array.isArray(is);
  if (bothLists) {
    const a = was as unknown[];
    const b = is as unknown[];
    return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => differences(`${path}[${i}]`, a[i], b[i])).flat();
  }
  if (bothMaps) {
    const a = was as Manifest;
    const b = is as Manifest;
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) => differences(`${path}.${k}`, a[k], b[k]));
  }
  return [[path, was, is]];
}

/** Lines of a value for the line diff: indented JSON, keys sorted; a string's own lines. */
function linesOf(v: unknown): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return v.split('\n');
  return JSON.stringify(JSON.parse(canonical(v)), null, 2).split('\n');
}

/** A line diff (`-` old, `+` new, two-space context), from the longest common subsequence of the lines. */
function lineDiff(was: readonly string[], is: readonly string[]): string[] {
  const n = was.length;
  const m = is.length;
  const lcs = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = was[i] === is[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && was[i] === is[j]) out.push(`  ${was[i++]}`), j++;
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) out.push(`- ${was[i++]}`);
    else out.push(`+ ${is[j++]}`);
  }
  return out;
}

/**
 * How a field changes: per differing path inside it, the full old and new values (`(unset)` when absent),
 * and for a long value a line diff below (one line each, to be indented by the report).
 */
function describeChange(field: string, was: unknown, is: unknown): string {
  return differences(field, was, is).map(([where, a, b]) => {
    const line = `${where} changes from ${shown(a)} to ${shown(b)}`;
    if (Math.max(shown(a).length, shown(b).length) <= DIFF_OVER) return line;
    return [line, '```diff', ...lineDiff(linesOf(a), linesOf(b)), '```'].join('\n');
  }).join(';\n');
}

/**
 * The manifests of one output file. YAML that does not parse, or that the `yaml` library refuses (more
 * than 100 aliases: its guard against alias bombs), is a {@link SynthError} naming the file.
 */
function parseOutputFile(rel: string, text: string, side: string): unknown[] {
  const cannot = (why: string) => new SynthError([
    `${side} file ${rel} cannot be read as YAML (${why.split('\n')[0].slice(0, 200)}): the guard cannot compare with it; restore it from Git or delete it, then run again`,
  ], `the ${side} cannot be parsed`);
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  const bad = docs.flatMap((d) => d.errors);
  if (bad.length > 0) throw cannot(bad[0].message);
  try {
    return docs.map((d) => d.toJS());
  } catch (e) {
    throw cannot((e as Error).message);
  }
}

/** An object of the output, with the environment folder it is in. */
interface Placed {
  readonly manifest: Manifest;
  readonly folder: string;
}

/**
 * The cluster and environment folder of an output file, or undefined for a file that holds no applied
 * object of an environment (kustomizations, maps, `gitops/`). `<cluster>/<env>/<file>.yaml` is the layout
 * with clusters; `<env>/<file>.yaml` an output written before them, whose environment counts as on the
 * cluster that holds it now (`clusterOfEnv`), else on one of its own.
 */
function placeOf(rel: string, clusterOfEnv: ReadonlyMap<string, string>): { cluster: string; folder: string } | undefined {
  const parts = rel.split('/');
  const name = parts[parts.length - 1];
  if (!name.endsWith('.yaml') || name === 'kustomization.yaml' || parts[0] === GITOPS_FOLDER) return undefined;
  if (parts.length === 3) return { cluster: parts[0], folder: `${parts[0]}/${parts[1]}` };
  if (parts.length === 4 && parts[1] === PLATFORM_FOLDER) return { cluster: parts[0], folder: `${parts[0]}/${parts[1]}/${parts[2]}` };
  if (parts.length === 2) return { cluster: clusterOfEnv.get(parts[0]) ?? parts[0], folder: parts[0] };
  return undefined;
}

/**
 * Objects of each cluster, keyed by `group|objectKey`: an object's identity is its kind, namespace and
 * name within a cluster, whatever folder or file it is written to. Files that are not manifests are skipped.
 */
function objectsByCluster(files: ReadonlyMap<string, string>, clusterOfEnv: ReadonlyMap<string, string>, side = 'output'): Map<string, Map<string, Placed>> {
  const out = new Map<string, Map<string, Placed>>();
  for (const [rel, text] of files) {
    const place = placeOf(rel, clusterOfEnv);
    if (!place) continue;
    const objects = out.get(place.cluster) ?? new Map<string, Placed>();
    out.set(place.cluster, objects);
    for (const js of parseOutputFile(rel, text, side)) {
      const m = js as Manifest | null;
      if (!m || typeof m !== 'object' || typeof m.kind !== 'string') continue;
      objects.set(`${apiGroup(m.apiVersion)}|${objectKey(m)}`, { manifest: m, folder: place.folder });
    }
  }
  return out;
}

/**
 * Every destructive change between the previous output and the next one (both keyed by path relative
 * to the output folder), in a stable order. Objects are compared by identity (kind, namespace, name)
 * within a cluster: an object that moves to another folder or file of its cluster (e.g. from the layout
 * `<env>/` to `<cluster>/<env>/`) is not removed; one that moves to another cluster is removed from the
 * first. Only the clusters that had changed files are compared.
 */
export function findDestructiveChanges(previous: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): DestructiveChange[] {
  // The cluster each environment folder of the next output is on, for a previous output written before clusters.
  const clusterOfEnv = new Map<string, string>();
  for (const rel of next.keys()) {
    const parts = rel.split('/');
    if (parts.length === 3 && parts[0] !== GITOPS_FOLDER) clusterOfEnv.set(parts[1], parts[0]);
  }
  // A file with the same bytes on both sides changes nothing: only the others are parsed. An object
  // missing from the changed files is looked up in the unchanged ones before it counts as removed.
  const changed = (files: ReadonlyMap<string, string>, other: ReadonlyMap<string, string>) =>
    new Map([...files].filter(([rel, text]) => other.get(rel) !== text));
  const before = objectsByCluster(changed(previous, next), clusterOfEnv, 'previous output');
  // Only clusters that had changed files can lose or change an object: other clusters are not parsed.
  const nextChanged = changed(next, previous);
  const inBefore = (rel: string) => before.has(placeOf(rel, clusterOfEnv)?.cluster ?? '');
  const after = objectsByCluster(new Map([...nextChanged].filter(([rel]) => inBefore(rel))), clusterOfEnv, 'new output');
  // The other clusters' new objects, parsed only when a removed object may have moved there.
  let others: Map<string, Map<string, Placed>> | undefined;
  const movedTo = (cluster: string, key: string) => {
    others ??= objectsByCluster(new Map([...nextChanged].filter(([rel]) => !inBefore(rel))), clusterOfEnv, 'new output');
    return [...after, ...others].filter(([c, objects]) => c !== cluster && objects.has(key)).map(([c]) => c);
  };
  // The unchanged files of each cluster, each parsed only when it may hold the object: one that holds it has its
  // name in its text (a file wrongly passed over only makes the guard refuse a move that loses nothing).
  let unchangedOf: Map<string, Array<[string, string]>> | undefined;
  const unchangedFiles = (cluster: string) => {
    if (!unchangedOf) {
      unchangedOf = new Map();
      for (const [rel, text] of next) {
        const c = placeOf(rel, clusterOfEnv)?.cluster;
        if (c === undefined || previous.get(rel) !== text) continue;
        if (!unchangedOf.has(c)) unchangedOf.set(c, []);
        unchangedOf.get(c)!.push([rel, text]);
      }
    }
    return unchangedOf.get(cluster) ?? [];
  };
  const parsedUnchanged = new Map<string, Set<string>>();
  const stillThere = (cluster: string, key: string, name: string) => unchangedFiles(cluster).some(([rel, text]) => {
    if (!text.includes(name)) return false;
    if (!parsedUnchanged.has(rel)) parsedUnchanged.set(rel, new Set(objectsByCluster(new Map([[rel, text]]), clusterOfEnv, 'new output').get(cluster)?.keys()));
    return parsedUnchanged.get(rel)!.has(key);
  });
  const changes: DestructiveChange[] = [];
  for (const [cluster, old] of [...before].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const now = after.get(cluster) ?? new Map<string, Placed>();
    for (const [key, { manifest: was, folder }] of old) {
      const id = objectKey(was);
      const is = now.get(key)?.manifest;
      if (!is) {
        // A removed stateless object loses nothing; a stateful one may only have moved to an unchanged file.
        if (!STATEFUL_KINDS.has(was.kind) || stillThere(cluster, key, String(was.metadata?.name ?? ''))) continue;
        const added = [...now].filter(([k, p]) => !old.has(k) && p.manifest.kind === was.kind && p.manifest.metadata?.namespace === was.metadata?.namespace);
        const renamed = added.length > 0 ? ` (a rename? new in the same namespace: ${added.map(([, p]) => objectKey(p.manifest)).join(', ')})` : '';
        const moved = movedTo(cluster, key);
        const elsewhere = moved.length > 0 ? ` from cluster ${cluster} (it moves to cluster ${moved.join(', ')}: a new, empty object there)` : '';
        changes.push({ id, folder, change: `is removed${elsewhere}${renamed}`, danger: REMOVED[was.kind] });
        continue;
      }
      const rule = IMMUTABLE[was.kind];
      for (const field of rule?.fields ?? []) {
        if (canonical(at(was, field)) !== canonical(at(is, field))) {
          changes.push({ id, folder, change: describeChange(field, at(was, field), at(is, field)), danger: `${REFUSED}; ${rule.recreate}` });
        }
      }
      if (was.kind === 'PersistentVolume') changes.push(...volumeChanges(id, folder, was, is));
      if (was.kind === 'PersistentVolumeClaim') {
        const size = (m: Manifest) => m.spec?.resources?.requests?.storage;
        const bytes = (m: Manifest) => parseQuantity(String(size(m))) ?? NaN;
        if (size(was) !== size(is) && bytes(is) < bytes(was)) {
          changes.push({ id, folder, change: `spec.resources.requests.storage shrinks from ${size(was)} to ${size(is)}`, danger: 'a claim cannot shrink: the API server refuses it, and recreating the claim loses its data' });
        }
      }
    }
  }
  return changes.sort((a, b) => (a.folder + a.id < b.folder + b.id ? -1 : a.folder + a.id > b.folder + b.id ? 1 : 0));
}

function volumeChanges(id: string, folder: string, was: Manifest, is: Manifest): DestructiveChange[] {
  const source = (m: Manifest) => Object.fromEntries(Object.entries(m.spec ?? {}).filter(([k]) => !PV_NOT_SOURCE.has(k)));
  const out: DestructiveChange[] = [];
  if (canonical(source(was)) !== canonical(source(is))) {
    out.push({ id, folder, change: `its source changes: ${describeChange('spec', source(was), source(is))}`, danger: `${REFUSED}; recreated, the volume points at other data while claims expect the old` });
  }
  const policy = (m: Manifest) => m.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
  if (policy(was) !== 'Delete' && policy(is) === 'Delete') {
    out.push({ id, folder, change: `persistentVolumeReclaimPolicy changes from ${policy(was)} to Delete`, danger: 'the data is deleted as soon as its claim is' });
  }
  return out;
}

/**
 * The report a reviewer reads (Markdown, for a terminal or a pull-request comment): each change, why it
 * is dangerous and how to accept it.
 */
export function guardReport(refused: readonly DestructiveChange[], accepted: readonly DestructiveChange[]): string {
  const lines: string[] = [];
  const list = (changes: readonly DestructiveChange[]) => {
    for (const c of changes) {
      // A change over several lines (a line diff) stays inside its list item.
      const change = c.change.split('\n').join('\n  ');
      lines.push(`- \`${c.id}\` (dist/${c.folder}/): ${change}${change.endsWith('```') ? '' : '.'}`, `  Why it is dangerous: ${c.danger}.`);
    }
  };
  if (refused.length > 0) {
    lines.push('## Destructive changes refused', '',
      `The output was not replaced: ${refused.length} change${refused.length === 1 ? '' : 's'} would lose data or could not be applied.`, '');
    list(refused);
    const ids = [...new Set(refused.map((c) => c.id))];
    lines.push('', 'If this is intended (data moved or backed up, objects to be recreated by hand), accept each object explicitly:', '',
      `    npm run synth -- ${ids.map((id) => `--allow-destroy ${id}`).join(' ')}`);
  }
  if (accepted.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('## Destructive changes accepted with --allow-destroy', '');
    list(accepted);
  }
  return lines.join('\n');
}

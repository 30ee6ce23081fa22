/**
 * Per-cluster checks of custom resources against the CRDs the same cluster's output installs, and of the
 * platform's layer order (issue 21).
 */
import { isKnownApiVersion } from '../checks/api-versions';
import { CrdSchemaNode, validateCelRules } from '../checks/cel';
import { apiGroup, hasRegisteredSchema, objectId, validateWithCrdSchema } from '../checks/schema';
import type { RenderedObject } from '../checks';
import { PLATFORM_LAYERS, PlatformLayer } from './cluster-platform';

type Manifest = Record<string, any>;

/** A custom resource: an object of a group no Kubernetes minor serves. */
function isCustom(m: Manifest): boolean {
  const group = apiGroup(m.apiVersion);
  return group.includes('.') && !isKnownApiVersion(m.apiVersion, m.kind);
}

/** The CRDs among `objects`, keyed by `group/Kind`. */
export function crdsOf(objects: readonly RenderedObject[]): Map<string, Manifest> {
  const crds = new Map<string, Manifest>();
  for (const { manifest: m } of objects) if (m.kind === 'CustomResourceDefinition') crds.set(`${m.spec?.group}/${m.spec?.names?.kind}`, m);
  return crds;
}

/**
 * API server (apiextensions-apiserver): a kind is served only once its CRD is established, so a custom
 * resource whose CRD the cluster's output does not install fails `kubectl apply` and the dry runs of Argo
 * CD and Flux with "no matches for kind" (unless its API group is declared external). One whose CRD is in
 * the output is checked against that CRD: the version must be served, the object must match its
 * `openAPIV3Schema` and pass its CEL rules (kinds with an imported schema are checked by the schema check).
 * `objects` are judged against the CRDs among `crdSource` (the cluster's whole output).
 */
export function customResourceProblems(objects: readonly RenderedObject[], crdSource: readonly RenderedObject[], externalGroups: readonly string[]): string[] {
  const crds = crdsOf(crdSource);
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest as Manifest;
    if (!isCustom(m)) continue;
    const group = apiGroup(m.apiVersion);
    const crd = crds.get(`${group}/${m.kind}`);
    if (!crd) {
      if (!externalGroups.includes(group)) {
        problems.push(`${o.constructPath}: ${objectId(m)}: no CustomResourceDefinition for ${m.kind}.${group} in this cluster's output, so the API server does not serve it ("no matches for kind"): install its component in the cluster's platform, or declare the group in the cluster's externalApiGroups when something else installs it`);
      }
      continue;
    }
    const version = (crd.spec.versions ?? []).find((v: Manifest) => v.name === m.apiVersion.split('/')[1]);
    if (!version || version.served === false) {
      const served = (crd.spec.versions ?? []).filter((v: Manifest) => v.served !== false).map((v: Manifest) => `${group}/${v.name}`);
      problems.push(`${o.constructPath}: ${objectId(m)}: apiVersion ${m.apiVersion} is not served by the CRD ${crd.metadata?.name} (served: ${served.join(', ')})`);
      continue;
    }
    const schema = version.schema?.openAPIV3Schema as CrdSchemaNode | undefined;
    if (!schema || hasRegisteredSchema(m.apiVersion, m.kind)) continue;
    for (const v of validateWithCrdSchema(m, schema)) problems.push(`${o.constructPath}: ${v.object}: ${v.field} ${v.message} (the CRD ${crd.metadata?.name})`);
    for (const v of validateCelRules(m, schema)) problems.push(`${o.constructPath}: ${objectId(m)}: ${v.field || '(object)'}: ${v.message} (CEL rule of the CRD ${crd.metadata?.name}: ${v.rule})`);
  }
  return problems;
}

/** The objects of one platform layer. */
export interface LayerObjects {
  /** The layer. */
  readonly layer: PlatformLayer;
  /** Its objects. */
  readonly objects: readonly RenderedObject[];
}

/**
 * The order the layers promise: a custom resource is applied in a later layer than its CRD (a dry run of
 * the same layer fails on the unknown kind), and after the layer holding the admission webhook of its
 * group (MetalLB's webhook refuses pools until its controller is up; cert-manager's likewise); the
 * environments (`apps`) come after every layer.
 */
export function layerOrderProblems(layers: readonly LayerObjects[], apps: readonly RenderedObject[]): string[] {
  const rank = (l: PlatformLayer) => PLATFORM_LAYERS.indexOf(l);
  const crdLayer = new Map<string, PlatformLayer>();
  const webhookLayer = new Map<string, PlatformLayer>();
  for (const { layer, objects } of layers) {
    for (const { manifest: m } of objects) {
      if (m.kind === 'CustomResourceDefinition') crdLayer.set(`${m.spec?.group}/${m.spec?.names?.kind}`, layer);
      if (m.kind === 'ValidatingWebhookConfiguration' || m.kind === 'MutatingWebhookConfiguration') {
        for (const w of m.webhooks ?? []) for (const r of w.rules ?? []) for (const g of r.apiGroups ?? []) if (g.includes('.')) webhookLayer.set(g, layer);
      }
    }
  }
  const problems: string[] = [];
  const judge = (o: RenderedObject, layer: PlatformLayer | 'apps') => {
    const m = o.manifest as Manifest;
    if (!isCustom(m)) return;
    const at = layer === 'apps' ? PLATFORM_LAYERS.length : rank(layer);
    const crd = crdLayer.get(`${apiGroup(m.apiVersion)}/${m.kind}`);
    if (crd !== undefined && at <= rank(crd)) problems.push(`${o.constructPath}: ${objectId(m)} is in layer ${layer}, not after its CRD's layer ${crd}`);
    const hook = webhookLayer.get(apiGroup(m.apiVersion));
    if (hook !== undefined && at <= rank(hook)) problems.push(`${o.constructPath}: ${objectId(m)} is in layer ${layer}, not after the layer ${hook} whose admission webhook must be ready to admit it`);
  };
  for (const { layer, objects } of layers) for (const o of objects) judge(o, layer);
  for (const o of apps) judge(o, 'apps');
  return problems;
}

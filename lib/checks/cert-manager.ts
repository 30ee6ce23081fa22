/**
 * cert-manager, per cluster: every Certificate, and every Ingress or Gateway asking cert-manager for one by
 * annotation, names an issuer that the cluster provides (its `issuers`, or a ClusterIssuer / Issuer object
 * among its objects) or declares external. Otherwise cert-manager never signs it: the Certificate stays not
 * Ready and the route serves the controller's default certificate.
 */
import { show } from './validation';
import { idOf } from './api-server';
import type { ClusterFacts } from './cluster';
import type { Manifest, RenderedObjects } from './index';

/** cert-manager's API group: the issuers its own controllers sign for. */
const GROUP = 'cert-manager.io';

/** An issuer reference as cert-manager resolves it. */
interface IssuerRef {
  readonly name: string;
  readonly kind: string;
  readonly group: string;
  /** Where it was read, e.g. `spec.issuerRef` or the annotation. */
  readonly field: string;
}

/**
 * The issuer an object asks for: a Certificate's `spec.issuerRef` (an empty kind is `Issuer`, an empty group
 * cert-manager's), or the annotations of an Ingress or Gateway as the certificate shim reads them.
 */
// cert-manager: pkg/api/util/issuers.go IssuerKind (an empty issuerRef.kind is "Issuer");
// pkg/controller/certificate-shim/sync.go issuerForIngressLike (cert-manager.io/issuer → Issuer, cert-manager.io/cluster-issuer →
// ClusterIssuer, then cert-manager.io/issuer-kind and cert-manager.io/issuer-group override kind and group).
function issuerRefOf(m: Manifest): IssuerRef | undefined {
  if (m.kind === 'Certificate' && typeof m.apiVersion === 'string' && m.apiVersion.startsWith(`${GROUP}/`)) {
    const ref = m.spec?.issuerRef;
    if (typeof ref?.name !== 'string') return undefined;
    return { name: ref.name, kind: ref.kind || 'Issuer', group: ref.group || GROUP, field: 'spec.issuerRef' };
  }
  if (m.kind !== 'Ingress' && m.kind !== 'Gateway') return undefined;
  const a: Record<string, string> = m.metadata?.annotations ?? {};
  const cluster = a['cert-manager.io/cluster-issuer'];
  const issuer = a['cert-manager.io/issuer'];
  if (cluster === undefined && issuer === undefined) return undefined;
  const key = cluster !== undefined ? 'cert-manager.io/cluster-issuer' : 'cert-manager.io/issuer';
  return {
    name: cluster ?? issuer,
    kind: a['cert-manager.io/issuer-kind'] ?? (cluster !== undefined ? 'ClusterIssuer' : 'Issuer'),
    group: a['cert-manager.io/issuer-group'] ?? GROUP,
    field: `annotation ${key}`,
  };
}

/**
 * Every issuer reference of the cluster's objects resolves: a ClusterIssuer of cert-manager's group to one
 * of the cluster's `issuers` or a ClusterIssuer object; an Issuer to an Issuer object in the same
 * namespace; an issuer of another group (an external issuer, which cert-manager's controllers skip) to an
 * issuer the cluster declares `external`. A cluster whose issuers are unknown checks only Issuers.
 */
// cert-manager: pkg/controller/certificaterequests/sync.go Sync (GetGenericIssuer not found → the request stays
// Pending, reason IssuerNotFound "Referenced \"ClusterIssuer\" not found", so the Certificate is never Ready;
// an issuerRef.group other than cert-manager.io is skipped, left to that group's external issuer controller).
export function certManagerIssuerRefs(objects: RenderedObjects, facts: ClusterFacts): string[] {
  const clusterIssuers = new Set(objects.filter((o) => o.manifest.kind === 'ClusterIssuer' && o.manifest.apiVersion?.startsWith(`${GROUP}/`)).map((o) => o.manifest.metadata?.name));
  const issuers = new Set(objects.filter((o) => o.manifest.kind === 'Issuer' && o.manifest.apiVersion?.startsWith(`${GROUP}/`))
    .map((o) => `${o.manifest.metadata?.namespace ?? ''}/${o.manifest.metadata?.name}`));
  const declared = facts.issuers;
  const cluster = `cluster ${show(facts.name)}`;
  const listed = declared === undefined ? '' : ` (its issuers: ${declared.map((i) => `${i.name}${i.kind === 'external' ? ' (external)' : ''}`).join(', ') || 'none'})`;
  const problems: string[] = [];
  for (const o of objects) {
    const ref = issuerRefOf(o.manifest);
    if (!ref) continue;
    const at = `${o.constructPath}: ${idOf(o.manifest)} ${ref.field}`;
    const entry = declared?.find((i) => i.name === ref.name);
    if (ref.group !== GROUP) {
      if (declared === undefined || entry?.kind === 'external') continue;
      problems.push(`${at} names ${ref.kind} ${show(ref.name)} of group ${show(ref.group)}, an external issuer cert-manager's own controllers skip, `
        + `but ${cluster} does not declare it external${listed}: add { name: ${show(ref.name)}, external: true } to the cluster's issuers once its controller is installed`);
    } else if (ref.kind === 'ClusterIssuer') {
      if (declared === undefined || entry !== undefined || clusterIssuers.has(ref.name)) continue;
      problems.push(`${at} names ClusterIssuer ${show(ref.name)}, which ${cluster} neither provides nor declares external${listed}: `
        + `cert-manager would leave the Certificate not Ready (IssuerNotFound, "Referenced \\"ClusterIssuer\\" not found"); add it to the cluster's issuers (selfSignedCa, acme, ca or external: true) or name one of them`);
    } else if (ref.kind === 'Issuer') {
      const ns = o.manifest.metadata?.namespace ?? '';
      if (issuers.has(`${ns}/${ref.name}`)) continue;
      problems.push(`${at} names Issuer ${show(ref.name)}, which no object of ${cluster} creates in namespace ${show(ns)} (an Issuer only signs in its own namespace): `
        + `cert-manager would leave the Certificate not Ready (IssuerNotFound, "Referenced \\"Issuer\\" not found"); write that Issuer there, or name a ClusterIssuer of the cluster's issuers${listed}`);
    } else {
      problems.push(`${at} names kind ${show(ref.kind)} of group ${GROUP}, which is neither Issuer nor ClusterIssuer: cert-manager cannot resolve it; use kind ClusterIssuer (one of the cluster's issuers${listed}) or Issuer`);
    }
  }
  return problems;
}

/**
 * Which group/versions a Kubernetes API server serves by default, per minor version 1.27 to 1.36.
 *
 * Sources: the Deprecated API Migration Guide (https://kubernetes.io/docs/reference/using-api/deprecation-guide/,
 * "Removed APIs by release") for every `removedIn`, and the API reference / feature pages for every `since`
 * after 1.27: flowcontrol v1 (1.29, same guide), admissionregistration v1 ValidatingAdmissionPolicy (1.30,
 * KEP-3488 stable), networking v1 ServiceCIDR/IPAddress (1.33, KEP-1880 stable), storage v1
 * VolumeAttributesClass and resource.k8s.io/v1 (1.34, KEP-3751 and KEP-4381 stable), admissionregistration v1
 * MutatingAdmissionPolicy (1.36, KEP-3962 stable). Beta versions added after 1.24 are off by default
 * (KEP-3136) and so are not listed as served (e.g. resource.k8s.io/v1beta1, storage.k8s.io/v1beta1
 * VolumeAttributesClass); a cluster that turns one on with `--runtime-config` is not modelled.
 */

import { fail } from './validation';

/** The oldest and newest Kubernetes minor versions the checks model. */
export const OLDEST_MINOR = 27;
/** The newest Kubernetes minor version the checks model. */
export const NEWEST_MINOR = 36;

/** One group/version (optionally only some of its kinds) and the minors that serve it. */
export interface ServedApi {
  /** `group/version`, or `v1` for the core group. */
  readonly apiVersion: string;
  /** The kinds this row is about. @default - every kind of the group/version */
  readonly kinds?: readonly string[];
  /** First minor that serves it by default. @default - before 1.27 */
  readonly since?: number;
  /** First minor that no longer serves it. @default - still served in 1.36 */
  readonly removedIn?: number;
}

const VAP = ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];
const MAP = ['MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'];
const WEBHOOKS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

/** The served-versions table: one row per group/version (or kinds of it), removed rows kept to name the removal. */
export const SERVED_APIS: readonly ServedApi[] = [
  { apiVersion: 'v1' },
  { apiVersion: 'apps/v1' },
  { apiVersion: 'apps/v1beta1', removedIn: 16 },
  { apiVersion: 'apps/v1beta2', removedIn: 16 },
  { apiVersion: 'extensions/v1beta1', removedIn: 22 },
  { apiVersion: 'batch/v1' },
  { apiVersion: 'batch/v1beta1', removedIn: 25 },
  { apiVersion: 'autoscaling/v1' },
  { apiVersion: 'autoscaling/v2' },
  { apiVersion: 'autoscaling/v2beta1', removedIn: 25 },
  { apiVersion: 'autoscaling/v2beta2', removedIn: 26 },
  { apiVersion: 'policy/v1' },
  { apiVersion: 'policy/v1beta1', removedIn: 25 },
  { apiVersion: 'networking.k8s.io/v1', kinds: ['Ingress', 'IngressClass', 'NetworkPolicy'] },
  { apiVersion: 'networking.k8s.io/v1', kinds: ['ServiceCIDR', 'IPAddress'], since: 33 },
  { apiVersion: 'networking.k8s.io/v1beta1', removedIn: 22 },
  { apiVersion: 'storage.k8s.io/v1', kinds: ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'CSIStorageCapacity'] },
  { apiVersion: 'storage.k8s.io/v1', kinds: ['VolumeAttributesClass'], since: 34 },
  { apiVersion: 'storage.k8s.io/v1beta1', removedIn: 27 },
  { apiVersion: 'rbac.authorization.k8s.io/v1' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', removedIn: 22 },
  { apiVersion: 'admissionregistration.k8s.io/v1', kinds: WEBHOOKS },
  { apiVersion: 'admissionregistration.k8s.io/v1', kinds: VAP, since: 30 },
  { apiVersion: 'admissionregistration.k8s.io/v1', kinds: MAP, since: 36 },
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', kinds: WEBHOOKS, removedIn: 22 },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', since: 29 },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', removedIn: 26 },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', removedIn: 29 },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', removedIn: 32 },
  { apiVersion: 'resource.k8s.io/v1', since: 34 },
  { apiVersion: 'coordination.k8s.io/v1', kinds: ['Lease'] },
  { apiVersion: 'coordination.k8s.io/v1beta1', kinds: ['Lease'], removedIn: 22 },
  { apiVersion: 'discovery.k8s.io/v1' },
  { apiVersion: 'discovery.k8s.io/v1beta1', removedIn: 25 },
  { apiVersion: 'events.k8s.io/v1' },
  { apiVersion: 'events.k8s.io/v1beta1', removedIn: 25 },
  { apiVersion: 'scheduling.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', removedIn: 22 },
  { apiVersion: 'node.k8s.io/v1' },
  { apiVersion: 'node.k8s.io/v1beta1', removedIn: 25 },
  { apiVersion: 'apiextensions.k8s.io/v1' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', removedIn: 22 },
  { apiVersion: 'apiregistration.k8s.io/v1' },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', removedIn: 22 },
  { apiVersion: 'certificates.k8s.io/v1', kinds: ['CertificateSigningRequest'] },
  { apiVersion: 'certificates.k8s.io/v1beta1', kinds: ['CertificateSigningRequest'], removedIn: 22 },
];

/**
 * Parses a Kubernetes minor version ("1.27" … "1.36") into its minor number; anything else (a patch
 * version, "v1.30", 1.3, a version outside the modelled range) is our ValidationError.
 */
export function parseKubernetesMinor(version: unknown, where = 'validateManifest'): number {
  const m = typeof version === 'string' ? /^1\.(\d{2})$/.exec(version) : null;
  const minor = m ? Number(m[1]) : NaN;
  if (!(minor >= OLDEST_MINOR && minor <= NEWEST_MINOR)) {
    fail(where, 'version', version, `must be a Kubernetes minor version from 1.${OLDEST_MINOR} to 1.${NEWEST_MINOR}, written like "1.34"`);
  }
  return minor;
}

function rowsFor(apiVersion: string, kind: string): ServedApi[] {
  return SERVED_APIS.filter((r) => r.apiVersion === apiVersion && (!r.kinds || r.kinds.includes(kind)));
}

function servedBy(row: ServedApi, minor: number): boolean {
  return (row.since ?? 0) <= minor && (row.removedIn === undefined || minor < row.removedIn);
}

/** The group/versions Kubernetes 1.`minor` serves by default (for at least one kind). */
export function servedApiVersions(minor: number): ReadonlySet<string> {
  return new Set(SERVED_APIS.filter((r) => servedBy(r, minor)).map((r) => r.apiVersion));
}

/** Whether the group/version is in the table at all (served, removed or not yet served) for this kind. */
export function isKnownApiVersion(apiVersion: string, kind: string): boolean {
  return rowsFor(apiVersion, kind).length > 0;
}

/** Whether Kubernetes 1.`minor` serves `apiVersion` for `kind` by default. */
export function isServed(apiVersion: string, kind: string, minor: number): boolean {
  return rowsFor(apiVersion, kind).some((r) => servedBy(r, minor));
}

/**
 * Why 1.`minor` does not serve `apiVersion` `kind`, and what it serves instead. `hasKind(apiVersion)`
 * says whether a served group/version defines the kind (from the schema set of that minor).
 */
// API server: installs only the group/versions enabled by default (pkg/controlplane
// DefaultAPIResourceConfigSource); kubectl apply of another one fails with "no matches for kind".
export function notServedMessage(apiVersion: string, kind: string, minor: number, hasKind: (apiVersion: string) => boolean): string {
  const row = rowsFor(apiVersion, kind)[0];
  const why = row?.removedIn !== undefined && minor >= row.removedIn ? ` (removed in 1.${row.removedIn})`
    : row?.since !== undefined && minor < row.since ? ` (served from 1.${row.since})` : '';
  const instead = [...new Set(SERVED_APIS.filter((r) => servedBy(r, minor) && (!r.kinds || r.kinds.includes(kind)))
    .map((r) => r.apiVersion))].filter(hasKind);
  const serves = instead.length > 0 ? `it serves ${instead.join(', ')}` : `it serves no API version of ${kind}`;
  return `${apiVersion} ${kind} is not served by Kubernetes 1.${minor}${why}; ${serves}`;
}

/**
 * What the workload controllers derive from an object and the API server then refuses (names and label
 * values of the pods, claims and ReplicaSets they create), and what the StatefulSet controller silently
 * rewrites (claim templates replacing pod volumes of the same name). The API server accepts the workload
 * itself; only the controller's events say why no pod ever starts.
 */
import { checkDnsLabel, checkLabelValue, refusal, show } from './validation';
import { idOf } from './api-server';
import type { Manifest, RenderedObjects } from './index';

// StatefulSet controller: pkg/controller/history ControllerRevisionName "<name>-<hash>" (hash up to 10 characters,
// rand.SafeEncodeString of a 32-bit FNV) becomes the pods' controller-revision-hash label, a label value of at most
// 63 characters (kubernetes/kubernetes#64023, still open): names above 52 characters start no pod.
/** Longest StatefulSet name whose pods' `controller-revision-hash` label fits in 63 characters. */
export const MAX_STATEFUL_SET_NAME = 63 - 1 - 10;

// Deployment controller: pkg/controller/deployment sync.go names the ReplicaSet "<name>-<pod-template-hash>" (up to 10
// characters), an object name of at most 253 characters (NameIsDNSSubdomain).
/** Longest Deployment name whose ReplicaSets' names fit in 253 characters. */
export const MAX_DEPLOYMENT_NAME = 253 - 1 - 10;

/** A claim template that would replace a pod volume of the same name. */
export interface ShadowedVolume {
  /** Index of the claim template. */
  readonly index: number;
  /** The shared name. */
  readonly name: string;
}

// StatefulSet controller: pkg/controller/statefulset stateful_set_utils.go updateStorage replaces every pod volume named
// like a claim template with that template's claim ("If pod has conflicting local Volumes these are replaced").
/** The claim templates whose names are already pod volumes (the controller would silently replace those volumes). */
export function shadowedVolumes(templateNames: readonly unknown[], podVolumeNames: readonly unknown[]): ShadowedVolume[] {
  const volumes = new Set(podVolumeNames);
  return templateNames.flatMap((name, index) => (typeof name === 'string' && volumes.has(name) ? [{ index, name }] : []));
}

// StatefulSet controller: volumeClaimTemplatesByName / getPersistentVolumeClaims key the templates by name in a map,
// so a repeated name keeps only one template (one claim, one volume) silently.
/** Indexes of claim templates whose name an earlier template already has. */
export function duplicateTemplateNames(templateNames: readonly unknown[]): number[] {
  return templateNames.flatMap((name, i) => (templateNames.indexOf(name) < i ? [i] : []));
}

const list = (v: unknown): Manifest[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);

/**
 * StatefulSets: the name fits the pods' controller-revision-hash label; the largest pod name `<name>-<N-1>`
 * is a label value and host name (the statefulset.kubernetes.io/pod-name label, spec.hostname); claim
 * template names are pod volume names (DNS labels), unique, and shadow no pod volume.
 * Deployments: the name leaves room for the ReplicaSet's hash suffix.
 */
export function derivedNames(objects: RenderedObjects): string[] {
  const out: string[] = [];
  for (const { manifest: m, constructPath } of objects) {
    const at = `${constructPath}: ${idOf(m)}`;
    const name = m.metadata?.name;
    if (typeof name !== 'string') continue;
    if (m.kind === 'Deployment' && name.length > MAX_DEPLOYMENT_NAME) {
      out.push(`${at}: metadata.name ${show(name)} is ${name.length} characters; the Deployment controller names its ReplicaSets "<name>-<hash>" (up to 11 more), which must fit in 253: use at most ${MAX_DEPLOYMENT_NAME}`);
    }
    if (m.kind !== 'StatefulSet') continue;
    if (name.length > MAX_STATEFUL_SET_NAME) {
      out.push(`${at}: metadata.name ${show(name)} is ${name.length} characters; the StatefulSet controller labels its pods controller-revision-hash "<name>-<10-character hash>", a label value of at most 63, so no pod would start: use at most ${MAX_STATEFUL_SET_NAME}`);
    }
    const replicas = typeof m.spec?.replicas === 'number' ? m.spec.replicas : 1;
    const last = Math.max(replicas - 1, 0);
    // StatefulSet controller: updateIdentity sets pod name "<name>-<ordinal>", spec.hostname (IsDNS1123Label) and the
    // statefulset.kubernetes.io/pod-name label (a label value) to it.
    const podName = `${name}-${last}`;
    const podProblem = refusal(() => checkDnsLabel('', '', podName)) ?? refusal(() => checkLabelValue('', '', podName));
    if (podProblem) out.push(`${at}: spec.replicas ${show(replicas)} gives pod name ${show(podName)} (its host name and statefulset.kubernetes.io/pod-name label), which ${podProblem}`);
    const templates = list(m.spec?.volumeClaimTemplates);
    const templateNames = templates.map((t) => t.metadata?.name);
    for (const i of duplicateTemplateNames(templateNames)) {
      out.push(`${at}: spec.volumeClaimTemplates[${i}].metadata.name ${show(templateNames[i])} is the name of an earlier claim template; the StatefulSet controller keeps only one of them (one claim per name)`);
    }
    const podVolumes = list(m.spec?.template?.spec?.volumes).map((v) => v.name);
    for (const s of shadowedVolumes(templateNames, podVolumes)) {
      out.push(`${at}: spec.volumeClaimTemplates[${s.index}].metadata.name ${show(s.name)} is also the name of a pod volume; the StatefulSet controller would silently replace that volume with the claim: rename the template`);
    }
    templateNames.forEach((t, i) => {
      // StatefulSet controller: updateStorage makes each template a pod volume of its name (ValidateVolumes: IsDNS1123Label).
      // With that and a name of at most 63, every claim "<template>-<name>-<ordinal>" fits the 253 of a claim name.
      const problem = refusal(() => checkDnsLabel('', '', t));
      if (problem) out.push(`${at}: spec.volumeClaimTemplates[${i}].metadata.name ${show(t)} ${problem}, as the pod volume the StatefulSet controller makes of it must be`);
    });
  }
  return out;
}

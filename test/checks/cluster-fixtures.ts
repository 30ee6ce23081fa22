import { ApiObject, App } from 'cdk8s';
import { Manifest, RenderedObjects } from '../../lib/checks';
import { ClusterFacts, NodeFacts, runClusterChecks } from '../../lib/checks/cluster';

/** One rendered object with the construct path that made it (its first segment is the environment). */
export const obj = (constructPath: string, manifest: Manifest) => ({ constructPath, manifest });

/** A cluster's facts: no nodes, the default nodePort range, unless overridden. */
export function facts(over: Partial<ClusterFacts> = {}): ClusterFacts {
  return { name: 'nonprod', kubernetesVersion: '1.33', nodes: [], nodePortRange: { from: 30000, to: 32767 }, ...over };
}

let address = 10;
/** A worker node (address 192.168.10.x), untainted unless overridden. */
export function node(name: string, over: Partial<NodeFacts> = {}): NodeFacts {
  address += 1;
  return { name, address: `192.168.10.${address}`, role: 'worker', labels: {}, taints: [], ...over };
}

/** A kubeadm control-plane node with its NoSchedule taint. */
export function controlPlane(name = 'cp1', over: Partial<NodeFacts> = {}): NodeFacts {
  return node(name, {
    role: 'control-plane', address: '192.168.10.5', labels: { 'node-role.kubernetes.io/control-plane': '' },
    taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], ...over,
  });
}

/** Every ApiObject of one or more apps with its construct path, as synth hands one cluster's objects to the checks. */
export function objectsOf(...apps: App[]): RenderedObjects {
  return apps.flatMap((app) => app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)
    .map((o) => ({ manifest: o.toJson(), constructPath: o.node.path })));
}

/** A container as Pod Security "restricted" admits it. */
export function container(name: string, extra: Manifest = {}): Manifest {
  return {
    name, image: 'nginxinc/nginx-unprivileged:1.27-alpine',
    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
    ...extra,
  };
}

/** A workload manifest of `kind` in namespace `ns`, written by `<env>/<name>/Resource`. */
export function workload(kind: string, env: string, name: string, spec: Manifest, props: { replicas?: number; ns?: string; labels?: Record<string, string> } = {}) {
  const labels = props.labels ?? { app: name };
  return obj(`${env}/${name}/Resource`, {
    apiVersion: 'apps/v1', kind, metadata: { name, namespace: props.ns ?? env },
    spec: {
      ...(kind === 'DaemonSet' ? {} : { replicas: props.replicas ?? 1 }),
      selector: { matchLabels: labels }, template: { metadata: { labels }, spec },
    },
  });
}

/**
 * Runs every per-cluster check over `objects` and asserts the row: no message when `expected` is undefined,
 * else exactly one message holding every part of `expected` (all messages are shown when it fails).
 */
export function expectClusterRow(objects: RenderedObjects, clusterFacts: ClusterFacts, expected: readonly string[] | undefined): void {
  const messages = runClusterChecks(objects, clusterFacts);
  if (!expected) {
    expect(messages).toEqual([]);
    return;
  }
  const hit = messages.filter((m) => expected.every((e) => m.includes(e)));
  expect({ messages, hit: hit.length }).toEqual({ messages, hit: 1 });
}

/** One table row of a per-cluster check test. */
export interface ClusterRow {
  /** What the row shows. */
  readonly name: string;
  /** The cluster's objects. */
  readonly objects: RenderedObjects;
  /** The cluster's facts. @default - the file's default facts */
  readonly facts?: ClusterFacts;
  /** Substrings one message must all contain; none: the cluster passes. */
  readonly expected?: readonly string[];
}

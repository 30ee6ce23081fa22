/**
 * Checks across rendered objects that no single construct can make: things that only go wrong in the
 * cluster, silently, and that every construct could cause (a patch, a cdk8s-plus default).
 */

type Manifest = Record<string, any>;

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'];

/**
 * Every Service with a selector must select the pods of some workload in its namespace and environment:
 * one that selects none has no endpoints, and the cluster reports nothing. One message per such Service.
 */
export function servicesWithoutPods(objects: ReadonlyArray<{ manifest: Manifest; constructPath: string }>): string[] {
  const pods = objects
    .filter((o) => WORKLOADS.includes(o.manifest.kind))
    .map((o) => ({ namespace: o.manifest.metadata?.namespace, labels: (o.manifest.spec?.template?.metadata?.labels ?? {}) as Record<string, string> }));
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const selector = m.kind === 'Service' ? m.spec?.selector as Record<string, string> | undefined : undefined;
    if (!selector || Object.keys(selector).length === 0) continue;
    const matches = pods.some((p) => p.namespace === m.metadata?.namespace && Object.entries(selector).every(([k, v]) => p.labels[k] === v));
    if (!matches) {
      problems.push(`${o.constructPath}: Service ${m.metadata?.namespace}/${m.metadata?.name}: selector ${JSON.stringify(selector)} matches no pod of any workload in its namespace, so it would have no endpoints`);
    }
  }
  return problems;
}

/**
 * No two objects of one environment may share kind, namespace and name: the second apply would silently
 * overwrite the first. One message per repeat, naming both constructs.
 */
export function duplicateObjects(objects: ReadonlyArray<{ manifest: Manifest; constructPath: string }>): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const group = String(m.apiVersion ?? '').includes('/') ? String(m.apiVersion).split('/')[0] : '';
    const shown = `${m.kind} ${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name}`;
    const key = `${group}\u0000${shown}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, o.constructPath);
    else problems.push(`${o.constructPath}: ${shown} is also written by ${first}; one of them would overwrite the other`);
  }
  return problems;
}

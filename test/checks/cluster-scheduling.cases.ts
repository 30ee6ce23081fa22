import { Manifest } from '../../lib/checks';
import { resourceQuotaAdmission } from '../../lib/checks/admission';
import { ClusterFacts, CLUSTER_CHECKS, NodeFacts } from '../../lib/checks/cluster';
import { daemonSetNodeCounts, eligibleNodes, schedulingRules } from '../../lib/checks/scheduling';
import { container, controlPlane, facts, node, obj, workload, expectClusterRow, ClusterRow } from './cluster-fixtures';

const CP_TOLERATION = { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' };
const cp = controlPlane('cp1', { allocatable: { cpu: '2', memory: '4Gi' } });
const w1 = node('w1', { labels: { pool: 'a', zone: 'z1' }, allocatable: { cpu: '2', memory: '4Gi' } });
const w2 = node('w2', { labels: { pool: 'a', zone: 'z2' }, allocatable: { cpu: '2', memory: '4Gi' } });
const cluster = (nodes: NodeFacts[]) => facts({ nodes });
const three = cluster([cp, w1, w2]);

/** A pod spec with one container (resources optional) and the given placement fields. */
const pod = (extra: Manifest = {}, resources?: Manifest): Manifest => ({ containers: [container('app', resources ? { resources } : {})], ...extra });

const spread = (extra: Manifest = {}) => ({
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra }],
});

const limitRange = (ns: string, item: Manifest) => obj(`${ns}/limits/Resource`, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits', namespace: ns }, spec: { limits: [item] } });


/** Scheduling rows always declare their nodes. */
const rows: Array<ClusterRow & { readonly facts: ClusterFacts }> = [
  // NodeAffinity / NodeName
  {
    name: 'a nodeSelector no node matches',
    objects: [workload('Deployment', 'dev', 'web', pod({ nodeSelector: { disk: 'ssd' } }))],
    facts: three,
    expected: ['dev/web/Resource: Deployment dev/web spec.template.spec.nodeSelector {"disk":"ssd"} admits no node of cluster "nonprod" (nodes: cp1', 'w2 {"kubernetes.io/hostname":"w2","pool":"a","zone":"z2"}', 'NodeAffinity'],
  },
  {
    name: 'a required node affinity no node matches',
    objects: [workload('Deployment', 'dev', 'web', pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['gpu'] }] }] } } } }))],
    facts: three,
    expected: ['Deployment dev/web spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution {"nodeSelectorTerms":[{"matchExpressions":[{"key":"pool","operator":"In","values":["gpu"]}]}]} admits no node'],
  },
  {
    name: 'a nodeName that is not a node',
    objects: [obj('dev/debug/Resource', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'dev' }, spec: pod({ nodeName: 'w9' }) })],
    facts: three,
    expected: ['dev/debug/Resource: Pod dev/debug spec.nodeName "w9" admits no node'],
  },
  {
    name: 'passes: affinity terms ORed (the second matches), Gt on a numeric label',
    objects: [workload('Deployment', 'dev', 'web', pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: 'pool', operator: 'In', values: ['gpu'] }] },
      { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['w3'] }] },
    ] } } } }))],
    facts: cluster([cp, w1, node('w3', { labels: { cores: '16' } })]),
  },
  { name: 'passes: a nodeSelector no node matches, when the cluster declares no nodes', objects: [workload('Deployment', 'dev', 'web', pod({ nodeSelector: { disk: 'ssd' } }))], facts: facts() },

  // TaintToleration (and the DaemonSet controller's tolerations)
  {
    name: 'a DaemonSet for the control plane that does not tolerate its taint',
    objects: [workload('DaemonSet', 'dev', 'cp-agent', pod({ nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } }))],
    facts: three,
    expected: ['dev/cp-agent/Resource: DaemonSet dev/cp-agent spec.template.spec.tolerations [] tolerate no taint of the nodes it may run on (cp1 node-role.kubernetes.io/control-plane:NoSchedule)', 'lets the DaemonSet run on no node'],
  },
  {
    name: 'a Deployment on nodes all tainted NoExecute',
    objects: [workload('Deployment', 'dev', 'web', pod({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoExecute' }] }))],
    facts: cluster([node('d1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] })]),
    expected: ['Deployment dev/web spec.template.spec.tolerations [{"key":"dedicated","operator":"Equal","value":"db","effect":"NoExecute"}] tolerate no taint of the nodes it may run on (d1 dedicated=gpu:NoExecute)', 'leaves its pods Pending'],
  },
  {
    name: 'passes: a DaemonSet tolerating the control plane; a PreferNoSchedule taint does not filter',
    objects: [workload('DaemonSet', 'dev', 'agent', pod({ tolerations: [CP_TOLERATION] })), workload('Deployment', 'dev', 'web', pod())],
    facts: cluster([cp, node('w5', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] })]),
  },
  {
    name: 'passes: a DaemonSet on cordoned nodes (its controller tolerates node.kubernetes.io/unschedulable)',
    objects: [workload('DaemonSet', 'dev', 'agent', pod())],
    facts: cluster([node('w6', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] })]),
  },
  {
    name: 'a Deployment on cordoned nodes (no such toleration)',
    objects: [workload('Deployment', 'dev', 'web', pod())],
    facts: cluster([node('w6', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] })]),
    expected: ['Deployment dev/web spec.template.spec.tolerations [] tolerate no taint of the nodes it may run on (w6 node.kubernetes.io/unschedulable:NoSchedule)'],
  },

  // PodTopologySpread
  {
    name: 'a hostname spread of 3 replicas over 2 workers while the tainted control plane counts (nodeTaintsPolicy Ignore)',
    objects: [workload('Deployment', 'dev', 'web', pod(spread()), { replicas: 3 })],
    facts: three,
    expected: ['dev/web/Resource: Deployment dev/web spec.replicas 3 with spec.template.spec.topologySpreadConstraints[0] (maxSkew 1, topologyKey "kubernetes.io/hostname", DoNotSchedule) can place at most 2: its pods may run on w1, w2, and the spread also counts cp1 (taint node-role.kubernetes.io/control-plane:NoSchedule, nodeTaintsPolicy Ignore)', 'leaves 1 Pending'],
  },
  {
    name: 'an autoscaler scaling past what the spread allows',
    objects: [
      workload('Deployment', 'dev', 'web', pod(spread())),
      obj('dev/web/hpa', { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'dev' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 4 } }),
    ],
    facts: three,
    expected: ['Deployment dev/web HorizontalPodAutoscaler web spec.maxReplicas 4 with spec.template.spec.topologySpreadConstraints[0]', 'can place at most 2', 'leaves 2 Pending'],
  },
  { name: 'passes: exactly as many replicas as the spread allows', objects: [workload('Deployment', 'dev', 'web', pod(spread()), { replicas: 2 })], facts: three },
  { name: 'passes: nodeTaintsPolicy Honor leaves the control plane out', objects: [workload('Deployment', 'dev', 'web', pod(spread({ nodeTaintsPolicy: 'Honor' })), { replicas: 5 })], facts: three },
  { name: 'passes: ScheduleAnyway', objects: [workload('Deployment', 'dev', 'web', pod(spread({ whenUnsatisfiable: 'ScheduleAnyway' })), { replicas: 5 })], facts: three },
  { name: 'passes: a selector that does not select the pods', objects: [workload('Deployment', 'dev', 'web', pod(spread({ labelSelector: { matchLabels: { app: 'other' } } })), { replicas: 5 })], facts: three },
  {
    name: 'nodeAffinityPolicy Ignore counts nodes the nodeSelector excludes',
    objects: [workload('Deployment', 'dev', 'web', pod({ nodeSelector: { zone: 'z1' }, ...spread({ nodeAffinityPolicy: 'Ignore', nodeTaintsPolicy: 'Honor', maxSkew: 2 }) }), { replicas: 3 })],
    facts: three,
    expected: ['spec.replicas 3 with spec.template.spec.topologySpreadConstraints[0] (maxSkew 2, topologyKey "kubernetes.io/hostname", DoNotSchedule) can place at most 2: its pods may run on w1, and the spread also counts w2 (not admitted, nodeAffinityPolicy Ignore)'],
  },
  {
    name: 'minDomains above the domains there are',
    objects: [workload('StatefulSet', 'dev', 'web', pod(spread({ minDomains: 3, nodeTaintsPolicy: 'Honor' })), { replicas: 3 })],
    facts: three,
    expected: ['StatefulSet dev/web spec.replicas 3', 'can place at most 2', 'fewer domains (2) than minDomains 3'],
  },
  {
    name: 'a zone spread whose key no eligible node carries',
    objects: [workload('Deployment', 'dev', 'web', pod(spread({ topologyKey: 'topology.kubernetes.io/zone' })), { replicas: 2 })],
    facts: three,
    expected: ['spec.template.spec.topologySpreadConstraints[0] topologyKey "topology.kubernetes.io/zone": no node it may run on (w1, w2) has that label'],
  },

  // NodeResourcesFit (after LimitRange defaults)
  {
    name: 'requests above every eligible node\'s allocatable',
    objects: [workload('Deployment', 'dev', 'big', pod({}, { requests: { cpu: '3', memory: '1Gi' } }))],
    facts: three,
    expected: ['dev/big/Resource: Deployment dev/big spec.template.spec requests cpu 3, memory 1Gi per pod (after LimitRange defaults), more than the allocatable of every node it may run on (w1 cpu 2; w2 cpu 2)', 'NodeResourcesFit'],
  },
  {
    name: 'a LimitRange default request above every node\'s memory',
    objects: [limitRange('dev', { type: 'Container', defaultRequest: { memory: '6Gi' }, default: { memory: '8Gi' } }), workload('Deployment', 'dev', 'web', pod())],
    facts: three,
    expected: ['Deployment dev/web spec.template.spec requests memory 6Gi per pod (after LimitRange defaults), more than the allocatable of every node it may run on (w1 memory 4Gi; w2 memory 4Gi)'],
  },
  {
    name: 'a DaemonSet too big for one of its nodes',
    objects: [workload('DaemonSet', 'dev', 'agent', pod({}, { requests: { cpu: '3' } }))],
    facts: cluster([w1, node('big', { allocatable: { cpu: '8' } })]),
    expected: ['DaemonSet dev/agent spec.template.spec requests cpu 3 per pod (after LimitRange defaults), more than the allocatable of w1 cpu 2', 'leaves its pod on w1 Pending'],
  },
  { name: 'passes: requests exactly the allocatable', objects: [workload('Deployment', 'dev', 'web', pod({}, { requests: { cpu: '2', memory: '4Gi' } }))], facts: three },
  {
    name: 'passes: one eligible node is big enough, another has no declared allocatable',
    objects: [workload('Deployment', 'dev', 'web', pod({}, { requests: { cpu: '3' } }))],
    facts: cluster([w1, node('w7')]),
  },
  {
    name: 'a tainted control plane big enough does not count (the pod does not tolerate it)',
    objects: [workload('Deployment', 'dev', 'web', pod({}, { requests: { cpu: '3' } }))],
    facts: cluster([controlPlane('cp2', { allocatable: { cpu: '16' } }), w1]),
    expected: ['more than the allocatable of every node it may run on (w1 cpu 2)'],
  },
];

describe('scheduling over declared nodes (NodeAffinity, TaintToleration, PodTopologySpread, NodeResourcesFit)', () => {
  test.each(rows)('$name', ({ objects, facts: f, expected }) => expectClusterRow(objects, f, expected));

  test('schedulingRules is registered in CLUSTER_CHECKS', () => {
    expect(CLUSTER_CHECKS).toContain(schedulingRules);
  });

  test('eligibleNodes: placement and taints, and the DaemonSet controller\'s tolerations', () => {
    const tainted = node('w8', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] });
    const f = cluster([cp, w1, w2, tainted]);
    expect(eligibleNodes({ spec: pod() }, f).map((n) => n.name)).toEqual(['w1', 'w2']);
    expect(eligibleNodes({ spec: pod({ tolerations: [CP_TOLERATION] }) }, f).map((n) => n.name)).toEqual(['cp1', 'w1', 'w2']);
    expect(eligibleNodes({ spec: pod({ nodeSelector: { zone: 'z2' } }) }, f).map((n) => n.name)).toEqual(['w2']);
    // network-unavailable is tolerated by DaemonSet pods on the host network only.
    expect(eligibleNodes({ spec: pod({ hostNetwork: true }) }, f, true).map((n) => n.name)).toEqual(['w1', 'w2', 'w8']);
    expect(eligibleNodes({ spec: pod() }, f, true).map((n) => n.name)).toEqual(['w1', 'w2']);
  });

  test('daemonSetNodeCounts feeds the ResourceQuota worst case with this cluster\'s nodes', () => {
    const ds = workload('DaemonSet', 'dev', 'agent', pod({ tolerations: [CP_TOLERATION] }, { requests: { cpu: '100m' }, limits: { cpu: '100m' } }));
    const quota = obj('dev/quota/Resource', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota', namespace: 'dev' }, spec: { hard: { pods: '2' } } });
    const context = { environment: 'dev', namespace: 'dev' };
    expect(resourceQuotaAdmission([ds, quota], { ...context, eligibleNodes: daemonSetNodeCounts(facts()) })).toEqual([]);
    expect(resourceQuotaAdmission([ds, quota], { ...context, eligibleNodes: daemonSetNodeCounts(three) })).toEqual([
      expect.stringContaining('pods worst case 3 (agent 3 (3 nodes)) exceeds the quota 2'),
    ]);
  });
});

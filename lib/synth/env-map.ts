/**
 * A map of one environment drawn from its synthesized objects: entry points (MetalLB addresses, node
 * ports, hosts and paths) → Services → workloads → claims → StorageClasses / PersistentVolumes → NFS
 * exports, as a Mermaid flowchart (GitHub renders it). References that resolve to nothing are drawn as
 * red "missing" nodes, so the problems the cross-object checks report are visible, not hidden.
 */

import { selectedBy } from '../checks/api-server';
import { GATEWAY_NAME_LABEL } from '../checks/network-policy';
import { podSelector, STATEFUL_SET_POD_NAME_LABEL, WORKLOADS } from '../checks/cross-checks';
import { objectId } from '../checks/schema';

type Manifest = Record<string, any>;

/** What a map is drawn from. */
export interface MapInput {
  /** Environment name (the map's title). */
  readonly environment: string;
  /** Every object of the environment, in output order. */
  readonly objects: readonly Manifest[];
  /** StorageClasses that exist in the cluster without being written here. @default [] */
  readonly externalStorageClasses?: readonly string[];
  /** Problems the cross-object checks found, listed under the diagram. @default [] */
  readonly problems?: readonly string[];
}

const GROUPS = [
  ['peer', 'traffic NetworkPolicies admit from'], ['entry', 'entry points'], ['svc', 'Services'], ['work', 'workloads'], ['claim', 'claims'], ['store', 'storage'], ['backing', 'NFS exports and host paths'],
] as const;
type Group = typeof GROUPS[number][0];

/** Nodes and edges in the order they were first seen, so the same objects always give the same text. */
class Graph {
  private readonly ids = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly nodes: Array<{ id: string; label: string; group: Group; problem: boolean }> = [];
  private readonly edges = new Map<string, string>();

  /** The node for `key`, created with `label` in `group` the first time. */
  public node(key: string, label: string, group: Group, problem = false): string {
    const known = this.ids.get(key);
    if (known) return known;
    const base = key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}_${n}`;
    this.ids.set(key, id);
    this.used.add(id);
    this.nodes.push({ id, label, group, problem });
    return id;
  }

  public edge(from: string, to: string, label?: string, dotted = false): void {
    const arrow = dotted ? '-.->' : '-->';
    const line = label ? `${from} ${arrow}|${escape(label)}| ${to}` : `${from} ${arrow} ${to}`;
    this.edges.set(line, line);
  }

  public mermaid(): string[] {
    const lines = ['flowchart LR'];
    for (const [group, title] of GROUPS) {
      const inGroup = this.nodes.filter((n) => n.group === group);
      if (inGroup.length === 0) continue;
      lines.push(`  subgraph group_${group}["${title}"]`);
      for (const n of inGroup) lines.push(`    ${n.id}["${n.label}"]`);
      lines.push('  end');
    }
    lines.push(...[...this.edges.values()].map((e) => `  ${e}`));
    const problems = this.nodes.filter((n) => n.problem).map((n) => n.id);
    if (problems.length > 0) {
      lines.push('  classDef problem fill:#fdd,stroke:#c00,color:#900,stroke-width:2px');
      lines.push(`  class ${problems.join(',')} problem`);
    }
    return lines;
  }
}

/** Mermaid label text: quotes and angle brackets as entities, lines joined with `<br/>`. */
function escape(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}
const label = (...lines: Array<string | undefined>) => lines.filter((l): l is string => !!l).map(escape).join('<br/>');
const list = (values: readonly unknown[] | undefined) => (values ?? []).join(', ');
const nsName = (m: Manifest) => `${m.metadata?.namespace}/${m.metadata?.name}`;

/** The environment's map as Markdown: a title, the Mermaid flowchart and the problems found, if any. */
export function environmentMap(input: MapInput): string {
  const g = new Graph();
  const objects = input.objects;
  const kinds = new Map<string, Manifest[]>();
  const ids = new Map<string, Manifest>();
  const key = (kind: string, namespace: string | undefined, name: string) => `${kind}\u0000${namespace ?? ''}\u0000${name}`;
  for (const m of objects) {
    const same = kinds.get(m.kind);
    if (same) same.push(m);
    else kinds.set(m.kind, [m]);
    ids.set(key(m.kind, m.metadata?.namespace, m.metadata?.name), m);
  }
  const byKind = (kind: string) => kinds.get(kind) ?? [];
  const find = (kind: string, namespace: string | undefined, name: string) => ids.get(key(kind, namespace, name));
  const select = podSelector(objects);
  const missing = (what: string, why: string, group: Group = 'store') => g.node(`missing ${what}`, label(`missing: ${what}`, why), group, true);

  const pools = new Map(byKind('IPAddressPool').map((p) => [p.metadata.name, g.node(objectId(p), label(`MetalLB pool ${p.metadata.name}`, list(p.spec?.addresses)), 'entry')]));
  const address = (annotations: Record<string, string> | undefined, target: string, ports: string) => {
    const ips = annotations?.['metallb.io/loadBalancerIPs'];
    const pool = annotations?.['metallb.io/address-pool'];
    const lb = g.node(`lb ${target}`, label(`LoadBalancer ${ips ?? `any address${pool ? ` of ${pool}` : ''}`}`, ports), 'entry');
    const poolNode = pool ? pools.get(pool) : undefined;
    if (poolNode) g.edge(poolNode, lb, 'assigns', true);
    return lb;
  };

  // Services, what reaches them and which pods they select.
  const autoscalers = new Map(byKind('HorizontalPodAutoscaler').map((h) => [key(h.spec?.scaleTargetRef?.kind, h.metadata?.namespace, h.spec?.scaleTargetRef?.name), h]));
  const workloadNode = (w: Manifest) => g.node(objectId(w), workloadLabel(w, autoscalers.get(key(w.kind, w.metadata?.namespace, w.metadata?.name))), 'work');
  const serviceNode = (namespace: string | undefined, name: string) => {
    const s = find('Service', namespace, name);
    if (!s) return missing(`Service ${namespace}/${name}`, 'not written in this environment', 'svc');
    const ports = (s.spec?.ports ?? []).map((p: Manifest) => `${p.port} → ${p.targetPort ?? p.port}`).join(', ');
    return g.node(objectId(s), label(`Service ${nsName(s)}`, `${s.spec?.clusterIP === 'None' ? 'headless, ' : ''}${ports}`), 'svc');
  };
  for (const s of byKind('Service')) {
    const svc = serviceNode(s.metadata?.namespace, s.metadata?.name);
    const ports: Manifest[] = s.spec?.ports ?? [];
    if (s.spec?.type === 'LoadBalancer') g.edge(address(s.metadata?.annotations, objectId(s), `port ${list(ports.map((p) => p.port))}`), svc);
    for (const p of ports) {
      if (p.nodePort !== undefined) g.edge(g.node(`nodePort ${p.nodePort}`, label(`every node :${p.nodePort}`), 'entry'), svc, `→ ${p.port}`);
    }
    const selector: Record<string, string> | undefined = s.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) continue;
    const selected = select(s.metadata?.namespace, selector);
    // A selector on the StatefulSet controller's pod-name label reaches one pod only (e.g. a primary): say which.
    const pod = selector[STATEFUL_SET_POD_NAME_LABEL];
    for (const w of selected) g.edge(svc, workloadNode(w), pod === undefined ? undefined : `pod ${pod} only`);
    if (selected.length === 0) {
      g.edge(svc, g.node(`no pods ${objectId(s)}`, label('no pod matches', Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(', ')), 'work', true));
    }
  }

  // Hosts and paths: Ingress rules (ingress-nginx) and HTTPRoutes on a Gateway.
  for (const ing of byKind('Ingress')) {
    const tlsHosts = new Set((ing.spec?.tls ?? []).flatMap((t: Manifest) => t.hosts ?? []));
    for (const rule of ing.spec?.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        // A path whose prefix IngressRoutes strips (regex `<prefix>(/|$)(.*)` rewritten to /$2) is drawn as its prefix.
        const strip = ing.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target'] === '/$2' ? /^(\/.*)\(\/\|\$\)\(\.\*\)$/.exec(p.path ?? '') : null;
        const url = `${tlsHosts.has(rule.host) ? 'https' : 'http'}://${rule.host ?? '*'}${strip ? strip[1].replace(/\[\.\]/g, '.') : p.path ?? '/'}`;
        const entry = g.node(`ingress ${url}`, label(url, `Ingress ${nsName(ing)} (${ing.spec?.ingressClassName ?? 'default class'})`, strip ? 'prefix stripped' : undefined), 'entry');
        const backend = p.backend?.service;
        if (backend) g.edge(entry, serviceNode(ing.metadata?.namespace, backend.name), `→ ${backend.port?.number ?? backend.port?.name}`);
      }
    }
  }
  for (const gw of byKind('Gateway')) {
    const listeners = (gw.spec?.listeners ?? []).map((l: Manifest) => `${l.protocol.toLowerCase()}:${l.port}`);
    g.edge(address(gw.spec?.infrastructure?.annotations, objectId(gw), `Gateway ${nsName(gw)}`), g.node(objectId(gw), label(`Gateway ${nsName(gw)}`, `class ${gw.spec?.gatewayClassName}`, list(listeners)), 'entry'));
  }
  for (const route of byKind('HTTPRoute')) {
    for (const parent of route.spec?.parentRefs ?? []) {
      const namespace = parent.namespace ?? route.metadata?.namespace;
      const gw = find('Gateway', namespace, parent.name);
      const listener = gw?.spec?.listeners?.find((l: Manifest) => l.name === parent.sectionName);
      const gwNode = gw ? g.node(objectId(gw), '', 'entry') : missing(`Gateway ${namespace}/${parent.name}`, `parent of HTTPRoute ${nsName(route)}`, 'entry');
      const scheme = listener?.protocol === 'HTTPS' ? 'https' : 'http';
      for (const host of route.spec?.hostnames ?? ['*']) {
        for (const rule of route.spec?.rules ?? []) {
          const redirect = (rule.filters ?? []).find((f: Manifest) => f.type === 'RequestRedirect')?.requestRedirect;
          const stripped = (rule.filters ?? []).some((f: Manifest) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch' && f.urlRewrite.path.replacePrefixMatch === '/');
          for (const m of rule.matches ?? [{ path: { value: '/' } }]) {
            const url = `${scheme}://${host}${m.path?.value ?? '/'}`;
            const entry = g.node(`route ${url}`, label(url, `HTTPRoute ${nsName(route)}`, redirect ? `redirect to ${redirect.scheme ?? 'same scheme'} (${redirect.statusCode ?? 302})` : stripped ? 'prefix stripped' : undefined), 'entry');
            g.edge(gwNode, entry);
            for (const b of rule.backendRefs ?? []) g.edge(entry, serviceNode(b.namespace ?? route.metadata?.namespace, b.name), `→ ${b.port}`);
          }
        }
      }
    }
  }

  // Workloads (also those no Service selects), their claims and host paths.
  const claimNode = (namespace: string | undefined, name: string) => {
    const c = find('PersistentVolumeClaim', namespace, name);
    if (!c) return missing(`claim ${namespace}/${name}`, 'not written in this environment', 'claim');
    return g.node(objectId(c), label(`claim ${nsName(c)}`, `${c.spec?.resources?.requests?.storage} ${list(c.spec?.accessModes)}`), 'claim');
  };
  const classes = new Set(byKind('StorageClass').map((c) => c.metadata?.name));
  const storageOf = (from: string, spec: Manifest | undefined) => {
    const className = spec?.storageClassName;
    if (typeof spec?.volumeName === 'string') {
      const pv = find('PersistentVolume', undefined, spec.volumeName);
      g.edge(from, pv ? g.node(objectId(pv), '', 'store') : missing(`PersistentVolume ${spec.volumeName}`, 'not written in this environment'), 'binds');
    } else if (typeof className === 'string' && className !== '') {
      const external = (input.externalStorageClasses ?? []).includes(className);
      const to = classes.has(className) ? g.node(`StorageClass ${className}`, '', 'store')
        : external ? g.node(`StorageClass ${className}`, label(`StorageClass ${className}`, 'external: not written here'), 'store')
          : missing(`StorageClass ${className}`, 'neither written nor listed as external');
      g.edge(from, to, 'provisioned by');
    }
  };
  for (const pv of byKind('PersistentVolume')) {
    const s = pv.spec ?? {};
    g.node(objectId(pv), label(`PersistentVolume ${pv.metadata?.name}`, `${s.capacity?.storage} ${list(s.accessModes)}, ${s.persistentVolumeReclaimPolicy ?? 'Retain'}`), 'store');
  }
  for (const sc of byKind('StorageClass')) {
    g.node(`StorageClass ${sc.metadata?.name}`, label(`StorageClass ${sc.metadata?.name}`, `${sc.provisioner}, ${sc.reclaimPolicy ?? 'Delete'}`), 'store');
  }
  for (const w of objects.filter((m) => WORKLOADS.includes(m.kind))) {
    const wNode = workloadNode(w);
    const pod = w.spec?.template?.spec ?? {};
    const mounts: Manifest[] = (pod.containers ?? []).flatMap((c: Manifest) => c.volumeMounts ?? []);
    const access = (volume: string) => {
      const used = mounts.filter((m) => m.name === volume);
      if (used.length === 0) return 'not mounted';
      return used.every((m) => m.readOnly) ? 'read-only' : 'read-write';
    };
    for (const v of pod.volumes ?? []) {
      if (v.persistentVolumeClaim) g.edge(wNode, claimNode(w.metadata?.namespace, v.persistentVolumeClaim.claimName), access(v.name));
      if (v.hostPath) g.edge(wNode, g.node(`hostPath ${v.hostPath.path}`, label(`host path ${v.hostPath.path}`, 'on each node'), 'backing'), access(v.name));
    }
    for (const t of w.spec?.volumeClaimTemplates ?? []) {
      const name = t.metadata?.name;
      const tNode = g.node(`template ${objectId(w)} ${name}`, label(`claim per pod ${name}-${w.metadata?.name}-0…${(w.spec?.replicas ?? 1) - 1}`, `${t.spec?.resources?.requests?.storage} ${list(t.spec?.accessModes)}`), 'claim');
      g.edge(wNode, tNode, access(name));
      storageOf(tNode, t.spec);
    }
  }
  for (const c of byKind('PersistentVolumeClaim')) storageOf(claimNode(c.metadata?.namespace, c.metadata?.name), c.spec);
  for (const pv of byKind('PersistentVolume')) {
    const nfs = pv.spec?.nfs ?? (pv.spec?.csi?.driver === 'nfs.csi.k8s.io' ? { server: pv.spec.csi.volumeAttributes?.server, path: pv.spec.csi.volumeAttributes?.share } : undefined);
    if (nfs) g.edge(g.node(objectId(pv), '', 'store'), g.node(`nfs ${nfs.server}:${nfs.path}`, label(`NFS ${nfs.server}:${nfs.path}`), 'backing'), nfs.readOnly ? 'read-only' : undefined);
  }
  for (const sc of byKind('StorageClass')) {
    const p = sc.parameters ?? {};
    if (p.server && p.share) {
      g.edge(g.node(`StorageClass ${sc.metadata?.name}`, '', 'store'), g.node(`nfs ${p.server}:${p.share}`, label(`NFS ${p.server}:${p.share}`, 'a subfolder per claim'), 'backing'));
    }
  }
  for (const hpa of byKind('HorizontalPodAutoscaler')) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    if (!find(ref.kind, hpa.metadata?.namespace, ref.name)) {
      g.node(`missing target ${objectId(hpa)}`, label(`HorizontalPodAutoscaler ${nsName(hpa)}`, `scales missing ${ref.kind} ${ref.name}`), 'work', true);
    }
  }

  // NetworkPolicies: what each workload's pods admit, and from where (dotted "allows" arrows).
  const policies = byKind('NetworkPolicy');
  const denying = [...new Set(policies.filter((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0 && (p.spec?.ingress ?? []).length === 0
    && (p.spec?.policyTypes ?? ['Ingress']).includes('Ingress')).map((p) => p.metadata?.namespace))].sort();
  const podsOf = selectedBy(objects.filter((w) => WORKLOADS.includes(w.kind)), (w) => w.metadata?.namespace, (w) => w.spec?.template?.metadata?.labels ?? {});
  for (const p of policies) {
    const ns = p.metadata?.namespace;
    const targets = podsOf(ns, p.spec?.podSelector ?? {}).map((w) => workloadNode(w));
    // A Gateway's data plane (its implementation creates the pods) is drawn as the Gateway.
    const gateway = find('Gateway', ns, p.spec?.podSelector?.matchLabels?.[GATEWAY_NAME_LABEL]);
    if (gateway) targets.push(g.node(objectId(gateway), '', 'entry'));
    for (const rule of p.spec?.ingress ?? []) {
      const ports = `allows ${(rule.ports ?? []).map((r: Manifest) => `${r.protocol ?? 'TCP'} ${r.port ?? 'any'}`).join(', ') || 'any port'}`;
      for (const from of peerNodes(g, select, ns, rule.from ?? [])) {
        for (const to of targets) g.edge(from, to, ports, true);
      }
    }
  }

  const problems = input.problems ?? [];
  return [
    `# ${input.environment}: how traffic and data flow`,
    '',
    'Generated from the synthesized objects by `npm run synth` (print it with `npm run map`); red nodes are references that resolve to nothing.',
    '',
    '```mermaid',
    ...g.mermaid(),
    '```',
    '',
    ...(denying.length > 0 ? [`NetworkPolicies: ${denying.length === 1 ? `namespace ${denying[0]} denies` : `namespaces ${denying.join(', ')} deny`} ingress by default; the dotted "allows" arrows are the only traffic admitted to those pods.`, ''] : []),
    ...(problems.length > 0 ? ['Problems the cross-object checks found:', '', ...problems.map((p) => `- ${p}`), ''] : []),
  ].join('\n');
}

/** The map nodes of a rule's peers: workloads of the policy's namespace it selects, or a box naming the pods, namespace or addresses. */
function peerNodes(g: Graph, select: ReturnType<typeof podSelector>, ns: string, peers: readonly Manifest[]): string[] {
  if (peers.length === 0) return [g.node('peer any', label('any source'), 'peer')];
  // A rule's address blocks are one box: "0.0.0.0/0, ::/0" is anyone outside the cluster.
  const blocks = peers.filter((p) => p.ipBlock).map((p) => `${p.ipBlock.cidr}${(p.ipBlock.except ?? []).length > 0 ? ` except ${list(p.ipBlock.except)}` : ''}`);
  const outside = blocks.length > 0 ? [g.node(`peer ip ${blocks.join(' ')}`, label('outside the cluster', list(blocks)), 'peer')] : [];
  return [...outside, ...peers.filter((p) => !p.ipBlock).flatMap((peer) => {
    const pods = Object.entries(peer.podSelector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    if (!peer.namespaceSelector) {
      const local = select(ns, peer.podSelector?.matchLabels ?? {});
      if (local.length > 0) return local.map((w) => g.node(objectId(w), '', 'work'));
      return [g.node(`peer pods ${ns} ${pods.join(',')}`, label(`pods of ${ns}`, pods.join(', ') || 'all'), 'peer')];
    }
    const nsLabels = Object.entries(peer.namespaceSelector.matchLabels ?? {}).map(([k, v]) => (k === 'kubernetes.io/metadata.name' ? v : `${k}=${v}`));
    return [g.node(`peer ns ${nsLabels.join(',')} ${pods.join(',')}`, label(`namespace ${nsLabels.join(', ') || 'any'}`, pods.length > 0 ? `pods ${pods.join(', ')}` : 'every pod'), 'peer')];
  })];
}

/** A workload's box: kind and name, how many pods (fixed, autoscaled by `hpa` or one per node) and where they run. */
function workloadLabel(w: Manifest, hpa: Manifest | undefined): string {
  const pod = w.spec?.template?.spec ?? {};
  let count: string;
  if (hpa) {
    const targets = (hpa.spec?.metrics ?? []).filter((m: Manifest) => m.type === 'Resource')
      .map((m: Manifest) => `${m.resource.name} ${m.resource.target.averageUtilization ?? m.resource.target.averageValue}${m.resource.target.averageUtilization !== undefined ? ' %' : ''}`);
    count = `autoscaled ${hpa.spec?.minReplicas ?? 1}–${hpa.spec?.maxReplicas}${targets.length > 0 ? ` on ${list(targets)}` : ''}`;
  } else if (w.kind === 'DaemonSet') {
    count = 'one pod per node';
  } else {
    const n = w.spec?.replicas ?? 1;
    count = `${n} replica${n === 1 ? '' : 's'}${w.kind === 'StatefulSet' ? `, ${w.spec?.podManagementPolicy === 'Parallel' ? 'parallel' : 'ordered'} start` : ''}`;
  }
  const placement = [
    ...Object.entries(pod.nodeSelector ?? {}).map(([k, v]) => `on ${k}=${v}`),
    ...(pod.affinity?.nodeAffinity ? ['node affinity'] : []),
    ...(pod.topologySpreadConstraints ?? []).map((t: Manifest) => `spread over ${t.topologyKey}`),
    ...((pod.tolerations ?? []).some((t: Manifest) => t.operator === 'Exists' && !t.key) ? ['tolerates every taint'] : []),
    ...(pod.hostNetwork ? ['host network'] : []),
  ];
  return label(`${w.kind} ${w.metadata?.namespace}/${w.metadata?.name}`, count, placement.length > 0 ? list(placement) : undefined);
}

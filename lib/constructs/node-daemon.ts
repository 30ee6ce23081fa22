import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { connectApps, registerNetworkApp } from './network-policies';
import { registerClaimUses } from './claims';
import { BASELINE_CAPABILITIES } from '../checks/cross-checks';
import { Environment, PodSecurityLevel } from '../cluster/environment';
import { UNIQUE } from '../cluster/unique-claims';
import {
  checkAbsolutePath, checkBoolean, checkDnsLabel, checkDnsSubdomain, checkInt, checkLabelKey, checkLabels, checkLabelValue, checkNormalizedPath, checkOneOf, fail,
} from '../checks/validation';
import { addSidecar, hardenPods, selectorLabels, podSecurityContext, SecureContainerProps, secureContainer, SidecarProps } from './workload';
import { checkProps, NODE_DAEMON, uniqueId } from '../checks/prop-shapes';

/** Taint effects a toleration may name. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
const EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Lets the daemon's pods run on nodes with a matching taint. */
export interface Toleration {
  /** Taint key; omitted with `Exists` tolerates every taint. @default - every key */
  readonly key?: string;
  /** Taint value to match (`Equal`); omitted means any value (`Exists`). @default - any value */
  readonly value?: string;
  /** Taint effect to tolerate. @default - every effect */
  readonly effect?: TaintEffect;
  /** With `NoExecute`: seconds the pod stays after the taint appears. @default - forever */
  readonly tolerationSeconds?: number;
}

/** A folder or file of the node, mounted into the agent. */
export interface HostPathMount {
  /** Absolute path on the node. */
  readonly hostPath: string;
  /** Where the container sees it. @default - the same path */
  readonly mountPath?: string;
  /** Mount it writable (read-only by default). @default false */
  readonly writable?: boolean;
  /** What must exist at `hostPath`. @default "Directory" (the pod waits rather than creating it) */
  readonly type?: 'Directory' | 'File' | 'Socket' | 'DirectoryOrCreate' | 'FileOrCreate';
}

/** A DaemonSet: one agent pod on every (selected) node. */
export interface NodeDaemonProps extends SecureContainerProps {
  /** Name of the DaemonSet and of its pods' `app.kubernetes.io/name` label. */
  readonly name: string;
  /** Run only on nodes with these labels (`nodeSelector`). @default - every node */
  readonly nodeSelector?: Record<string, string>;
  /** Taints to tolerate. @default - none */
  readonly tolerations?: Toleration[];
  /** Also run on control-plane nodes (tolerates `node-role.kubernetes.io/control-plane:NoSchedule`). @default false */
  readonly tolerateControlPlane?: boolean;
  /** Pods replaced at once during a rolling update: a count (1 or more) or a percentage ("1%"-"100%"). @default 1 */
  readonly maxUnavailable?: number | string;
  /** PriorityClass of the pods, e.g. `system-node-critical`. @default - none */
  readonly priorityClassName?: string;
  /** Opt-in: share the node's network namespace (needs Pod Security "privileged"). @default false */
  readonly hostNetwork?: boolean;
  /** Opt-in: share the node's process namespace (needs Pod Security "privileged"). @default false */
  readonly hostPID?: boolean;
  /** Opt-in: folders or files of the node to mount, read-only unless `writable` (needs Pod Security "privileged"). @default - none */
  readonly hostPaths?: HostPathMount[];
  /** Opt-in: allow a writable mount of a sensitive node path (/, /etc, /proc, /sys, container runtime sockets and state, kubelet and etcd state, binaries…). @default false */
  readonly allowWritableSystemPaths?: boolean;
  /**
   * Opt-in: mount node paths that are not on the list of paths safe to read ({@link SAFE_HOST_PATHS}: /proc,
   * /sys, /var/log, …), even read-only: the node's root `/`, container runtime sockets (connecting works on a
   * read-only mount and starts privileged containers), runtime, kubelet and etcd state, binaries, and any
   * other node path. @default false
   */
  readonly allowUnsafeHostPaths?: boolean;
  /** Opt-in: Linux capabilities to add, e.g. `SYS_TIME` (beyond `NET_BIND_SERVICE` needs "baseline" or "privileged"). @default - none */
  readonly capabilities?: string[];
  /** Opt-in: run as root (user 0 and, unless `runAsGroup` says otherwise, group 0; needs Pod Security "baseline"). @default false */
  readonly runAsRoot?: boolean;
}

/** A node path a daemon may mount read-only without opting in, and why it is safe to read. */
export interface SafeHostPath {
  /** The path. */
  readonly path: string;
  /** Whether paths below it are safe too (false: only the path itself). */
  readonly subpaths: boolean;
  /** What agents read there, and why reading it cannot give the pod the node. */
  readonly why: string;
}

/**
 * Node paths a daemon may mount read-only without `allowUnsafeHostPaths` (an allow-list: every other path
 * needs the opt-in). A mount is safe when it is one of these or, where `subpaths` is set, below one.
 */
export const SAFE_HOST_PATHS: readonly SafeHostPath[] = [
  { path: '/proc', subpaths: false, why: "process and kernel statistics (node-exporter); only the mount point itself: /proc/<pid>/root below it leads to the root filesystem of the node's processes, and a root daemon can follow it, so it needs allowUnsafeHostPaths" },
  { path: '/sys', subpaths: true, why: 'kernel, device and cgroup statistics; sysfs mounted read-only cannot be written' },
  { path: '/var/log', subpaths: true, why: 'node and pod logs, what log shippers read; no sockets, binaries or credentials of the node live there' },
  { path: '/run/log/journal', subpaths: true, why: 'the volatile systemd journal, read by journal shippers' },
  { path: '/etc/os-release', subpaths: false, why: 'the distribution name and version (inventory agents)' },
  { path: '/etc/machine-id', subpaths: false, why: 'the node\'s stable id (journal readers)' },
  { path: '/etc/localtime', subpaths: false, why: 'the node\'s time zone' },
  { path: '/etc/hostname', subpaths: false, why: 'the node\'s host name' },
];

// Mounts of these (or of a folder holding one, or of anything under one) give the pod the node: read-only too for
// sockets (connect works), state with credentials and the root; writable for all. Each group names why, for messages.
const NODE_CONTROL_PATHS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['the node\'s root filesystem (every key, credential and socket of the node is below it)', ['/']],
  ['a container runtime socket (connecting to it, which works on a read-only mount, starts privileged containers)', [
    '/var/run/docker.sock', '/run/docker.sock', '/var/run/containerd', '/run/containerd', '/var/run/crio', '/run/crio',
    '/var/run/cri-dockerd.sock', '/run/cri-dockerd.sock', '/var/run/podman', '/run/podman',
  ]],
  ['container runtime, kubelet or etcd state (images, secrets of every pod, the cluster\'s database and certificates)', [
    '/var/lib/containerd', '/var/lib/docker', '/var/lib/containers', '/var/lib/crio', '/var/lib/kubelet', '/var/lib/etcd', '/etc/kubernetes',
  ]],
  ['a folder of the node\'s binaries', ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/usr/lib', '/lib', '/lib64', '/usr/libexec']],
  ['the node\'s system configuration, credentials or devices', ['/etc', '/root', '/home', '/boot', '/dev']],
];

// Writable mounts of these (or of a folder holding one, or of anything under one) hand the pod the node.
const SENSITIVE_PATHS = [...NODE_CONTROL_PATHS.flatMap(([, paths]) => paths), '/proc', '/sys'];
const CAPABILITY = /^[A-Z][A-Z_]*$/;
const PERCENT = /^(\d{1,3})%$/;

/**
 * The entry of `paths` that `path` is, else the nearest one it is below, else the first one it holds
 * (a folder holding the docker socket is as good as the socket); `/` only matches itself.
 */
function nearest(path: string, paths: readonly string[]): string | undefined {
  if (paths.includes(path)) return path;
  const above = paths.filter((s) => s !== '/' && path.startsWith(`${s}/`)).sort((a, b) => b.length - a.length)[0];
  return above ?? paths.find((s) => s !== '/' && s.startsWith(path === '/' ? '/' : `${path}/`));
}

function sensitive(path: string): string | undefined {
  return nearest(path, SENSITIVE_PATHS);
}

/** Why a read-only mount of `path` needs `allowUnsafeHostPaths`, or undefined when it is on the safe list. */
function unsafeReason(path: string, runAsRoot: boolean): string | undefined {
  const safe = SAFE_HOST_PATHS.find((p) => path === p.path || (p.subpaths && path.startsWith(`${p.path}/`)));
  if (safe && !(safe.path === '/proc' && runAsRoot)) return undefined;
  if (safe) return 'is safe to mount only for a non-root daemon: a root process follows /proc/<pid>/root to the node\'s writable root filesystem';
  const hits = NODE_CONTROL_PATHS.flatMap(([what, paths]) => {
    const hit = nearest(path, paths);
    return hit ? [{ what, hit }] : [];
  });
  const best = hits.find((h) => h.hit === path) ?? hits.find((h) => path.startsWith(`${h.hit}/`)) ?? hits[0];
  if (best) return `${best.hit === path ? 'is' : path.startsWith(`${best.hit}/`) ? `is below ${best.hit}:` : `holds ${best.hit}:`} ${best.what}; even a read-only mount of it is not safe`;
  return 'is not on the list of node paths safe to mount';
}

/**
 * A DaemonSet for node agents (log shippers, exporters): one pod on every node that matches
 * `nodeSelector` and whose taints it tolerates, rolled `maxUnavailable` at a time. Secure by default
 * (Pod Security "restricted"); host network, host PID, hostPath mounts, extra capabilities and root are
 * each a named opt-in, and using one makes the namespace's Pod Security `enforce` label say what the
 * daemon needs (`baseline` or `privileged`), naming the daemon and the opt-in in its annotation.
 */
export class NodeDaemon extends Construct {
  /** The daemon's name. */
  public readonly name: string;
  /** The Pod Security level its pods need. */
  public readonly podSecurityLevel: PodSecurityLevel;
  /** The DaemonSet. */
  public readonly daemonSet: kplus.DaemonSet;
  /** The agent's own container (the first of the pods). */
  public readonly container: kplus.Container;

  constructor(scope: Construct, id: string, props: NodeDaemonProps) {
    super(scope, uniqueId(scope, id));
    // Refused input leaves nothing in the tree: remove the half-built construct before rethrowing.
    try {
      checkProps(this, props, NODE_DAEMON, new.target === NodeDaemon);
      const env = Environment.of(this);
      this.name = checkDnsLabel(this, 'name', props.name);
      const nodeSelector = checkLabels(this, 'nodeSelector', props.nodeSelector);
      const tolerations = (props.tolerations ?? []).map((t, i) => this.toleration(t, `tolerations[${i}]`));
      if (checkBoolean(this, 'tolerateControlPlane', props.tolerateControlPlane ?? false)) {
        tolerations.push(kplus.NodeTaintQuery.exists('node-role.kubernetes.io/control-plane', { effect: kplus.TaintEffect.NO_SCHEDULE }));
      }
      const maxUnavailable = this.maxUnavailable(props.maxUnavailable ?? 1);
      const priorityClassName = props.priorityClassName === undefined ? undefined : checkDnsSubdomain(this, 'priorityClassName', props.priorityClassName);
      const hostNetwork = checkBoolean(this, 'hostNetwork', props.hostNetwork ?? false);
      const hostPID = checkBoolean(this, 'hostPID', props.hostPID ?? false);
      const runAsRoot = checkBoolean(this, 'runAsRoot', props.runAsRoot ?? false);
      if (runAsRoot && props.runAsUser !== undefined) fail(this, 'runAsUser', props.runAsUser, 'cannot be combined with runAsRoot');
      const allowSystem = checkBoolean(this, 'allowWritableSystemPaths', props.allowWritableSystemPaths ?? false);
      const allowUnsafe = checkBoolean(this, 'allowUnsafeHostPaths', props.allowUnsafeHostPaths ?? false);
      const capabilities = (props.capabilities ?? []).map((c, i) => {
        if (typeof c !== 'string' || !CAPABILITY.test(c) || c.startsWith('CAP_') || c === 'ALL') {
          fail(this, `capabilities[${i}]`, c, 'is not a capability name such as "SYS_TIME" (upper case, without "CAP_"; "ALL" is not allowed)');
        }
        return c;
      });

      const secure = secureContainer(this, this.name, props, 'one per node');
      // Named capabilities are Kubernetes names (no CAP_ prefix), which cdk8s-plus-27 passes through as written.
      const securityContext = {
        ...secure.securityContext,
        ...(runAsRoot ? { ensureNonRoot: false, user: 0, group: props.runAsGroup ?? 0 } : {}),
        ...(capabilities.length > 0 ? { capabilities: { ...secure.securityContext?.capabilities, add: capabilities as kplus.Capability[] } } : {}),
      };
      const container: kplus.ContainerProps = { ...secure, securityContext };
      const mounts = (props.hostPaths ?? []).map((m, i) => this.hostPath(m, `hostPaths[${i}]`, allowSystem, allowUnsafe, runAsRoot));

      this.daemonSet = new kplus.DaemonSet(this, 'DaemonSet', {
        metadata: { name: this.name },
        select: false,
        hostNetwork,
        // On the host network, ClusterFirst would resolve with the node's resolv.conf and miss cluster names.
        dns: hostNetwork ? { policy: kplus.DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET } : undefined,
        containers: [{
          ...container,
          volumeMounts: [
            ...(container.volumeMounts ?? []),
            ...mounts.map((m) => ({ path: m.mountPath, readOnly: !m.writable, volume: kplus.Volume.fromHostPath(this, `host-${m.index}`, `host-${m.index}`, { path: m.hostPath, type: m.type as kplus.HostPathVolumeType }) })),
          ],
        }],
        securityContext: podSecurityContext(this),
      });
      this.container = this.daemonSet.containers[0];
      hardenPods(this.daemonSet, this.name);
      for (const t of tolerations) this.daemonSet.scheduling.tolerate(kplus.Node.tainted(t));

      // cdk8s-plus-27's DaemonSet has no nodeSelector, update strategy, priority class or hostPID. Each patch
      // uses the typed serializer's own names and shapes (hostPid, IntOrString), so it survives serialization.
      const api = ApiObject.of(this.daemonSet);
      if (Object.keys(nodeSelector).length > 0) api.addJsonPatch(JsonPatch.add('/spec/template/spec/nodeSelector', nodeSelector));
      api.addJsonPatch(JsonPatch.add('/spec/updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } }));
      if (priorityClassName) api.addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', priorityClassName));
      if (hostPID) api.addJsonPatch(JsonPatch.add('/spec/template/spec/hostPid', true));

      // What the pods need from the namespace's Pod Security admission, and why.
      const needs: Array<[PodSecurityLevel, string]> = [];
      if (hostNetwork) needs.push(['privileged', 'hostNetwork']);
      if (hostPID) needs.push(['privileged', 'hostPID']);
      if (mounts.length > 0) needs.push(['privileged', `hostPath ${mounts.map((m) => `${m.hostPath}${m.writable ? ' (writable)' : ''}`).join(', ')}`]);
      const extra = capabilities.filter((c) => c !== 'NET_BIND_SERVICE');
      if (extra.length > 0) needs.push([extra.every((c) => BASELINE_CAPABILITIES.includes(c)) ? 'baseline' : 'privileged', `capabilities ${extra.join(', ')}`]);
      if (runAsRoot) needs.push(['baseline', 'runAsRoot']);
      this.podSecurityLevel = needs.some(([l]) => l === 'privileged') ? 'privileged' : needs.length > 0 ? 'baseline' : 'restricted';

      // Registered last: a refused daemon must not leave requests or claims behind.
      registerClaimUses(this, props.claims);
      if (needs.length > 0) env.requirePodSecurity(this.podSecurityLevel, this, needs.map(([, why]) => why).join('; '));
      if (hostNetwork) {
        env.uniques.claim(UNIQUE.hostPort, String(container.portNumber), this, 'containerPort (hostNetwork)');
      }
      registerNetworkApp(this, selectorLabels(this.name), this.daemonSet, undefined, props.containerPort, props);
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /**
   * Declares that this app opens connections to `to`, an app of the same environment, on `port` (a Service
   * port of `to` or one of its container ports; default its container port): its NetworkPolicy admits
   * them. Use it when `to` is created after this app; otherwise the `connections` prop says the same.
   */
  public connectTo(to: IConstruct, port?: number): void {
    connectApps(this, to, port);
  }

  /**
   * Adds a sidecar to the pods (a log shipper, a proxy), secure like the main container and with the same
   * environment defaults; to share files, mount one volume on both (`this.container.mount(...)`).
   * Call it from a subclass's constructor or right after creating the construct.
   */
  public addSidecar(name: string, props: SidecarProps): kplus.Container {
    return addSidecar(this, this.daemonSet, name, props);
  }

  private toleration(t: Toleration, field: string): kplus.NodeTaintQuery {
    const effect = t.effect === undefined ? undefined : checkOneOf(this, `${field}.effect`, t.effect, EFFECTS) as kplus.TaintEffect;
    let evictAfter: Duration | undefined;
    if (t.tolerationSeconds !== undefined) {
      if (effect !== 'NoExecute') fail(this, `${field}.tolerationSeconds`, t.tolerationSeconds, 'applies only with effect "NoExecute"');
      evictAfter = Duration.seconds(checkInt(this, `${field}.tolerationSeconds`, t.tolerationSeconds, 0, 2 ** 31 - 1));
    }
    if (t.key === undefined) {
      if (t.value !== undefined) fail(this, `${field}.value`, t.value, 'needs a key');
      if (effect !== undefined) fail(this, `${field}.effect`, effect, 'needs a key (a toleration without key tolerates every taint)');
      return kplus.NodeTaintQuery.any();
    }
    const key = checkLabelKey(this, `${field}.key`, t.key);
    if (t.value === undefined) return kplus.NodeTaintQuery.exists(key, { effect, evictAfter });
    return kplus.NodeTaintQuery.is(key, checkLabelValue(this, `${field}.value`, t.value), { effect, evictAfter });
  }

  private maxUnavailable(value: number | string): k8s.IntOrString {
    if (typeof value === 'number') {
      return k8s.IntOrString.fromNumber(checkInt(this, 'maxUnavailable', value, 1, 100_000));
    }
    const m = typeof value === 'string' ? PERCENT.exec(value) : null;
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 100) {
      fail(this, 'maxUnavailable', value, 'must be 1 or more pods, or "1%"-"100%" (0 would stop every rolling update)');
    }
    return k8s.IntOrString.fromString(value);
  }

  private hostPath(m: HostPathMount, field: string, allowSystem: boolean, allowUnsafe: boolean, runAsRoot: boolean) {
    const hostPath = checkNormalizedPath(this, `${field}.hostPath`, m.hostPath);
    // checkNormalizedPath lets "." segments through; "/var/./run/docker.sock" must not slip past the lists below.
    if (hostPath.split('/').includes('.')) fail(this, `${field}.hostPath`, hostPath, 'has a "." segment: write the normalized path (without "/./")');
    const mountPath = checkAbsolutePath(this, `${field}.mountPath`, m.mountPath ?? hostPath);
    const writable = checkBoolean(this, `${field}.writable`, m.writable ?? false);
    const type = checkOneOf(this, `${field}.type`, m.type ?? 'Directory', ['Directory', 'File', 'Socket', 'DirectoryOrCreate', 'FileOrCreate']);
    const system = sensitive(hostPath);
    if (writable && system !== undefined && !allowSystem) {
      fail(this, `${field}.hostPath`, hostPath,
        `is a writable mount of the sensitive node path ${system}, which gives the pod control of the node; mount it read-only, or opt in with allowWritableSystemPaths`);
    }
    // Policy beyond Pod Security (whose "baseline" refuses every hostPath): read-only node paths from an allow-list.
    const unsafe = unsafeReason(hostPath, runAsRoot);
    if (unsafe !== undefined && !allowUnsafe) {
      fail(this, `${field}.hostPath`, hostPath,
        `${unsafe}; safe to mount read-only: ${SAFE_HOST_PATHS.map((p) => `${p.path}${p.subpaths ? '[/…]' : ''}`).join(', ')}; or opt in with allowUnsafeHostPaths`);
    }
    return { index: field.replace(/\D/g, ''), hostPath, mountPath, writable, type };
  }
}

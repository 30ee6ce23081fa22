/**
 * Where environments run: a Kubernetes cluster described as data (issue 20). A {@link Cluster} is checked
 * once, when it is created, and hands the per-cluster checks their {@link ClusterFacts}. Several
 * environments may share one cluster (as namespaces); the synth writes each cluster to `dist/<cluster>/`.
 */
import type { Allocatable, ClusterFacts, NodeFacts, NodePortRange, TaintFacts } from '../checks/cluster';
import {
  checkDnsLabel, checkDnsSubdomain, checkExactQuantity, checkGitBranch, checkGitUrl, checkInt, checkIp, checkIpRange, checkLabels,
  checkLabelKey, checkLabelValue, checkOneOf, fail, IpRange, rangesOverlap,
} from '../checks/validation';
import { checkProps, CLUSTER } from '../checks/prop-shapes';
import { checkPlatformCompatibility, PLATFORM_API_GROUPS, PLATFORM_FIELDS, PlatformField } from './platform';
import { checkClusterIssuers, ClusterIssuerProps, issuerFacts } from './cluster-issuers';

/** The Kubernetes minor versions a cluster may run (those the schema check knows). */
export const KUBERNETES_VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36'] as const;
/** A Kubernetes minor version, e.g. `1.33`. */
export type KubernetesVersion = typeof KUBERNETES_VERSIONS[number];
/** The version of a cluster that does not say. */
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = '1.33';

/** The GitOps controller that applies a cluster's folder. */
export type GitOpsController = 'argocd' | 'flux' | 'none';
/** Every value `gitops.controller` takes. */
export const GITOPS_CONTROLLERS: readonly GitOpsController[] = ['argocd', 'flux', 'none'];

/** A node taint, as `kubectl taint` writes it. */
export interface ClusterNodeTaint {
  /** Taint key. */
  readonly key: string;
  /** Taint value. @default - none */
  readonly value?: string;
  /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** One node of a cluster. */
export interface ClusterNodeProps {
  /** Node name (`kubernetes.io/hostname`): a DNS-1123 subdomain. */
  readonly name: string;
  /** Its address on the node network (no MetalLB pool may hold it). */
  readonly address: string;
  /** `control-plane` or `worker`. */
  readonly role: 'control-plane' | 'worker';
  /** Labels beyond the ones the kubelet and kubeadm set (`kubernetes.io/hostname`, `kubernetes.io/os`, the control-plane role). @default - none */
  readonly labels?: Record<string, string>;
  /** Its taints. @default - a control plane carries kubeadm's `node-role.kubernetes.io/control-plane:NoSchedule`, a worker none */
  readonly taints?: ClusterNodeTaint[];
  /** What pods may request on it. @default - unknown (scheduling checks then skip resource fit) */
  readonly allocatable?: Allocatable;
}

/** The network the nodes are on, where MetalLB answers ARP in L2 mode. */
export interface NodeNetworkProps {
  /** Its CIDR, e.g. `192.168.1.0/24`. */
  readonly cidr: string;
  /** The gateway's address (inside the CIDR; no pool may hold it). @default - none */
  readonly gateway?: string;
  /** Other addresses in use on it (NAS, VIPs, printers): addresses, CIDRs or ranges no pool may hold. @default - none */
  readonly reserved?: string[];
}

/**
 * Which GitOps controller applies the cluster's folder, and from where. Its path in the repository is not
 * set here: the synth writes it, `<output folder relative to the repository root>/<cluster>`.
 */
export interface ClusterGitOpsProps {
  /** `argocd` (an Application), `flux` (a GitRepository and a Kustomization) or `none`. */
  readonly controller: GitOpsController;
  /** Repository holding the synthesized output (https://, ssh:// or git@host:path). Required unless the controller is `none`. @default - none */
  readonly repoUrl?: string;
  /** Branch the controller follows. @default "main" */
  readonly branch?: string;
  /** Name of the Application / Kustomization. @default - the cluster name */
  readonly name?: string;
  /** Namespace the controller runs in. @default "argocd" for Argo CD, "flux-system" for Flux */
  readonly namespace?: string;
}

/**
 * How a cluster gets one platform component: `undefined` installs it when the cluster's objects need it
 * (the default); `true` (or the component's options) always; `false` never (an object that needs it is
 * then refused); `'external'` means someone else installs it (nothing written; what needs it is accepted).
 */
export type PlatformChoice = boolean | 'external';

/** metrics-server options. */
export interface MetricsServerOptions {
  /**
   * Pass `--kubelet-insecure-tls`: metrics-server then accepts any kubelet serving certificate (a kubeadm lab
   * whose kubelets serve self-signed certificates). Production should sign kubelet serving certificates instead.
   * @default false
   */
  readonly kubeletInsecureTls?: boolean;
}

/** ingress-nginx options. */
export interface IngressNginxOptions {
  /** The controller's Service as NodePort on these ports of every node. @default - a LoadBalancer Service from MetalLB */
  readonly nodePorts?: IngressNginxNodePorts;
}

/** The nodePorts of the ingress-nginx controller's Service. */
export interface IngressNginxNodePorts {
  /** nodePort for HTTP. */
  readonly http: number;
  /** nodePort for HTTPS. */
  readonly https: number;
}

/**
 * The platform components the cluster runs, each a release pinned in `platform.lock.json`, rendered into
 * `dist/<cluster>/platform/` (see {@link PlatformChoice}).
 */
export interface ClusterPlatformProps {
  /** MetalLB 0.16.1 (Kubernetes 1.27+), L2 mode. @default - when a pool, an L2Advertisement or a LoadBalancer Service needs it */
  readonly metallb?: PlatformChoice;
  /** metrics-server chart 3.13.1 / app 0.8.1 (Kubernetes 1.31+). @default - when a HorizontalPodAutoscaler needs it */
  readonly metricsServer?: PlatformChoice | MetricsServerOptions;
  /** cert-manager v1.21.1 (Kubernetes 1.33-1.36). @default - when a Certificate or a cert-manager annotation needs it */
  readonly certManager?: PlatformChoice;
  /** csi-driver-nfs 4.13.4 (Kubernetes 1.21+). @default - when a StorageClass's provisioner is `nfs.csi.k8s.io` */
  readonly csiDriverNfs?: PlatformChoice;
  /** Gateway API v1.5.1 CRDs plus NGINX Gateway Fabric 2.6.7 (Kubernetes 1.31+). @default - when a Gateway API object needs it */
  readonly gatewayApi?: PlatformChoice;
  /**
   * ingress-nginx chart 4.15.1, only as an explicit legacy choice: retired upstream, the synth warns
   * (Kubernetes 1.31-1.35). An Ingress on a cluster that does not choose it is refused.
   * @default - not installed
   */
  readonly ingressNginx?: PlatformChoice | IngressNginxOptions;
}

/** A cluster, as data. */
export interface ClusterProps {
  /** Cluster name: a DNS-1123 label, also its folder under `dist/`. */
  readonly name: string;
  /** Kubernetes minor version its API server runs, `1.27` to `1.36`. @default "1.33" */
  readonly kubernetesVersion?: string;
  /** Its nodes. @default - none declared (node-dependent checks then report nothing) */
  readonly nodes?: ClusterNodeProps[];
  /** The node network. @default - undeclared */
  readonly nodeNetwork?: NodeNetworkProps;
  /** The API server's `--service-node-port-range`. @default 30000-32767 */
  readonly nodePortRange?: NodePortRange;
  /** nodePorts taken by Services the app does not write (e.g. the ingress controller's). @default - none */
  readonly reservedNodePorts?: number[];
  /** The GitOps controller that applies `dist/<cluster>`. @default - none */
  readonly gitops?: ClusterGitOpsProps;
  /**
   * The platform components the output installs on it (`dist/<cluster>/platform/`): with this field (even
   * `{}`), each component its objects need, as chosen here; custom resources must then have their CRD in
   * the cluster's output. @default - the output installs no platform component: each is assumed installed by someone else
   */
  readonly platform?: ClusterPlatformProps;
  /**
   * Its cert-manager ClusterIssuers: every Certificate of the cluster must name one of them (or an Issuer
   * object of its own namespace). @default - none (a Certificate naming a ClusterIssuer is then refused)
   */
  readonly issuers?: ClusterIssuerProps[];
  /**
   * API groups whose CRDs something other than this output installs (e.g. `monitoring.coreos.com`): their
   * custom resources are accepted without a CRD in the cluster's output. @default - none (a component set to "external" adds its groups)
   */
  readonly externalApiGroups?: string[];
}

/** The node network as checked: its reserved addresses listed (none when not given). */
export interface ResolvedNodeNetwork extends Omit<NodeNetworkProps, 'reserved'> {
  /** Other addresses in use on it. */
  readonly reserved: readonly string[];
}

/** A cluster's GitOps controller as checked, with every default filled in. */
export interface ResolvedClusterGitOps extends Required<Omit<ClusterGitOpsProps, 'repoUrl' | 'controller'>> {
  /** The controller that applies the cluster's folder. */
  readonly controller: 'argocd' | 'flux';
  /** Repository holding the synthesized output. */
  readonly repoUrl: string;
}

/** Names no cluster may take: folders of the output that are not clusters. */
export const RESERVED_CLUSTER_NAMES: readonly string[] = ['gitops'];

/** The kubeadm control-plane taint. */
const CONTROL_PLANE_TAINT: TaintFacts = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

/**
 * A cluster environments are placed on: its Kubernetes version, nodes, node network, nodePort range and
 * GitOps controller, checked when created (a bad field is a ValidationError naming `cluster <name>`).
 */
export class Cluster {
  /**
   * The cluster an environment that names none runs on: one of its own, named after it, with the
   * default version, no nodes, no node network, no GitOps controller and unknown issuers (the ClusterIssuer
   * names of its Certificates are not checked).
   */
  public static implicit(name: string): Cluster {
    const cluster = new Cluster({ name });
    cluster.issuersDeclared = false;
    return cluster;
  }

  /** Cluster name (folder under `dist/`). */
  public readonly name: string;
  /** Kubernetes minor version. */
  public readonly kubernetesVersion: KubernetesVersion;
  /** Its nodes as the checks see them (well-known labels and default taints added). */
  public readonly nodes: readonly NodeFacts[];
  /** The node network, when declared. */
  public readonly nodeNetwork?: ResolvedNodeNetwork;
  /** The nodePort range. */
  public readonly nodePortRange: NodePortRange;
  /** nodePorts taken by what the app does not write. */
  public readonly reservedNodePorts: readonly number[];
  /** The GitOps controller and its source; `undefined` when none. */
  public readonly gitops?: ResolvedClusterGitOps;
  /** Addresses no MetalLB pool may hold: the nodes', the gateway's and the reserved ones. */
  public readonly usedAddresses: readonly IpRange[];
  /** The `platform` fields chosen explicitly (true or options), in declaration order. */
  public readonly platform: readonly PlatformField[];
  /** Whether the output installs the cluster's platform (its definition has a `platform` field). */
  public readonly managesPlatform: boolean;
  /** API groups whose CRDs are installed by something else: the declared ones and those of "external" components. */
  public readonly externalApiGroups: readonly string[];
  /** Each `platform` field as given (`undefined`: when needed). */
  public readonly platformChoices: Readonly<Partial<Record<PlatformField, ClusterPlatformProps[PlatformField]>>>;
  /** What the synth prints about this cluster without refusing it (a retired component chosen). */
  public readonly warnings: readonly string[];
  /** Its cert-manager ClusterIssuers as checked, every default filled in (what `ClusterIssuers` writes). */
  public readonly issuers: readonly ClusterIssuerProps[];
  /** False for a cluster an environment made for itself ({@link Cluster.implicit}): its issuers are unknown. */
  private issuersDeclared = true;

  constructor(props: ClusterProps) {
    const where = `cluster ${typeof props?.name === 'string' ? props.name : '(unnamed)'}`;
    checkProps(where, props, CLUSTER);
    this.name = checkDnsLabel(where, 'name', props.name);
    if (RESERVED_CLUSTER_NAMES.includes(this.name)) fail(where, 'name', props.name, `is reserved for the folder dist/${this.name}/`);
    this.kubernetesVersion = checkOneOf(where, 'kubernetesVersion', props.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS);
    const platform = props.platform ?? {};
    this.platform = (Object.keys(PLATFORM_FIELDS) as PlatformField[]).filter((f) => platform[f] === true || typeof platform[f] === 'object');
    this.platformChoices = { ...platform };
    this.managesPlatform = props.platform !== undefined;
    this.externalApiGroups = [
      ...(props.externalApiGroups ?? []).map((g, i) => checkDnsSubdomain(where, `externalApiGroups[${i}]`, g)),
      ...Object.entries(PLATFORM_API_GROUPS).filter(([, f]) => platform[f] === 'external').map(([g]) => g),
    ];
    this.warnings = checkPlatformCompatibility(where, this.name, this.kubernetesVersion, this.platform, KUBERNETES_VERSIONS);
    this.issuers = checkClusterIssuers(where, 'issuers', props.issuers ?? []);

    const used: IpRange[] = [];
    let cidr: IpRange | undefined;
    if (props.nodeNetwork) {
      const net = props.nodeNetwork;
      if (typeof net.cidr !== 'string' || !net.cidr.includes('/')) fail(where, 'nodeNetwork.cidr', net.cidr, 'is not a CIDR (e.g. "192.168.1.0/24")');
      cidr = checkIpRange(where, 'nodeNetwork.cidr', net.cidr);
      const inside = (field: string, r: IpRange, text: string) => {
        if (r.family !== cidr!.family || r.start < cidr!.start || r.end > cidr!.end) fail(where, field, text, `is not inside the node network ${net.cidr}`);
      };
      if (net.gateway !== undefined) {
        const gw = checkIp(where, 'nodeNetwork.gateway', net.gateway);
        inside('nodeNetwork.gateway', gw, net.gateway);
        used.push(gw);
      }
      (net.reserved ?? []).forEach((r, i) => used.push(checkIpRange(where, `nodeNetwork.reserved[${i}]`, r)));
      this.nodeNetwork = { cidr: net.cidr, gateway: net.gateway, reserved: [...(net.reserved ?? [])] };
    }

    const names = new Set<string>();
    const addresses: IpRange[] = [];
    this.nodes = (props.nodes ?? []).map((n, i) => {
      const at = `nodes[${i}]`;
      // The kubelet registers the node with its name as the kubernetes.io/hostname label.
      const name = checkDnsSubdomain(where, `${at}.name`, n.name, 'kubernetes.io/hostname');
      if (names.has(name)) fail(where, `${at}.name`, n.name, 'is already the name of another node');
      names.add(name);
      const address = checkIp(where, `${at}.address`, n.address);
      if (addresses.some((a) => rangesOverlap(a, address))) fail(where, `${at}.address`, n.address, 'is already the address of another node');
      if (cidr && (address.family !== cidr.family || address.start < cidr.start || address.end > cidr.end)) {
        fail(where, `${at}.address`, n.address, `is not inside the node network ${props.nodeNetwork!.cidr}`);
      }
      addresses.push(address);
      const role = checkOneOf(where, `${at}.role`, n.role, ['control-plane', 'worker'] as const);
      const own = checkLabels(where, `${at}.labels`, n.labels);
      const taints = n.taints === undefined
        ? (role === 'control-plane' ? [CONTROL_PLANE_TAINT] : [])
        : n.taints.map((t, j) => ({
          key: checkLabelKey(where, `${at}.taints[${j}].key`, t.key),
          ...(t.value === undefined ? {} : { value: checkLabelValue(where, `${at}.taints[${j}].value`, t.value) }),
          effect: checkOneOf(where, `${at}.taints[${j}].effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const),
        }));
      const a = n.allocatable;
      if (a?.cpu !== undefined) checkExactQuantity(where, `${at}.allocatable.cpu`, a.cpu, 'cpu');
      if (a?.memory !== undefined) checkExactQuantity(where, `${at}.allocatable.memory`, a.memory, 'memory');
      if (a?.pods !== undefined) checkInt(where, `${at}.allocatable.pods`, a.pods, 1, 1_000_000);
      // kubelet: pkg/kubelet/kubelet_node_status.go sets kubernetes.io/hostname and kubernetes.io/os;
      // kubeadm labels a control plane node-role.kubernetes.io/control-plane.
      const labels = {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...(role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
        ...own,
      };
      return { name, address: n.address, role, labels, taints, ...(a ? { allocatable: { ...a } } : {}) };
    });
    used.push(...addresses);
    this.usedAddresses = used;

    const range = props.nodePortRange ?? { from: 30000, to: 32767 };
    const from = checkInt(where, 'nodePortRange.from', range.from, 1, 65535);
    const to = checkInt(where, 'nodePortRange.to', range.to, 1, 65535);
    if (from > to) fail(where, 'nodePortRange.from', from, `is more than nodePortRange.to (${to})`);
    this.nodePortRange = { from, to };
    this.reservedNodePorts = (props.reservedNodePorts ?? []).map((p, i) => {
      const port = checkInt(where, `reservedNodePorts[${i}]`, p, 1, 65535);
      if (port < from || port > to) fail(where, `reservedNodePorts[${i}]`, p, `is outside the nodePort range ${from}-${to}`);
      return port;
    });

    const g = props.gitops;
    if (g) {
      const controller = checkOneOf(where, 'gitops.controller', g.controller, GITOPS_CONTROLLERS);
      if (controller !== 'none') {
        if (g.repoUrl === undefined) fail(where, 'gitops.repoUrl', undefined, `is required: the ${controller === 'argocd' ? 'Argo CD' : 'Flux'} objects pull the cluster's folder from it`);
        this.gitops = {
          controller,
          repoUrl: checkGitUrl(where, 'gitops.repoUrl', g.repoUrl),
          branch: checkGitBranch(where, 'gitops.branch', g.branch ?? 'main'),
          // A Flux Kustomization's name labels every object it applies (Argo CD tracks by annotation, or truncates its label).
          name: checkDnsSubdomain(where, 'gitops.name', g.name ?? this.name, controller === 'flux' ? 'kustomize.toolkit.fluxcd.io/name' : undefined),
          namespace: checkDnsLabel(where, 'gitops.namespace', g.namespace ?? (controller === 'argocd' ? 'argocd' : 'flux-system')),
        };
      }
    }
  }

  /** What the per-cluster checks know about this cluster. */
  public get facts(): ClusterFacts {
    return {
      name: this.name,
      kubernetesVersion: this.kubernetesVersion,
      nodes: this.nodes,
      nodeNetwork: this.nodeNetwork,
      nodePortRange: this.nodePortRange,
      ...(this.issuersDeclared ? { issuers: issuerFacts(this.issuers) } : {}),
    };
  }
}

/**
 * The runtime shape of every public entry point's props (see lib/checks/shape.ts): one declaration per
 * props interface, kept beside each other so a new prop is added in one place. The TypeScript
 * interfaces stay the documentation; these catch what JavaScript and YAML/JSON callers pass.
 */
import { IConstruct } from 'constructs';
import { checkShape, S, Shape } from './shape';
import { fail } from './validation';

const { string, number, boolean, construct, list, map, either, optional: opt, object, literal } = S;
const strings = list(string);
const labels = map(string);
/** PlatformChoice. */
const choice = either(boolean, literal('external'));

const probe = object('ProbeProps', { httpPath: opt(string), command: opt(strings), initialDelaySeconds: opt(number), periodSeconds: opt(number) });
const resources = object('ResourcesProps', { cpuRequest: opt(string), memoryRequest: opt(string), cpuLimit: opt(string), memoryLimit: opt(string) });
const claimRef = object('ClaimRef', { claimName: string, namespace: string, accessModes: strings });
const claimMount = object('ClaimMount', { claim: claimRef, mountPath: string, readOnly: opt(boolean) });

/** ContainerOptions: what every container has, the main one and sidecars alike. */
const CONTAINER = {
  image: string, resources: opt(resources), readiness: opt(probe), liveness: opt(probe),
  writablePaths: opt(strings), runAsUser: opt(number), runAsGroup: opt(number), args: opt(strings),
};
/** SecureContainerProps: the main container. */
const SECURE = {
  ...CONTAINER, containerPort: number, claims: opt(list(claimMount)),
  connections: opt(list(object('Connection', { to: construct, port: opt(number) }))), metricsPorts: opt(list(number)),
};

const selector = object('PoolLabelSelector', {
  matchLabels: opt(labels),
  matchExpressions: opt(list(object('label selector requirement', { key: string, operator: string, values: opt(strings) }))),
});

/** MetalLbL2PoolProps. */
export const METALLB_L2_POOL = object('MetalLbL2PoolProps', {
  name: string, addresses: strings, namespace: opt(string), autoAssign: opt(boolean), avoidBuggyIPs: opt(boolean),
  serviceAllocation: opt(object('ServiceAllocationProps', {
    priority: opt(number), namespaces: opt(strings), namespaceSelectors: opt(list(selector)), serviceSelectors: opt(list(selector)),
  })),
  nodeSelectors: opt(list(selector)), interfaces: opt(strings), excludedAddresses: opt(strings),
});

const nodePortReason = object('NodePortReason', { reason: string });

/** NodePortAppProps. */
export const NODE_PORT_APP = object('NodePortAppProps', {
  ...SECURE, name: string, port: opt(number), nodePort: opt(number), replicas: opt(number), spread: opt(string),
  envFromConfigMaps: opt(strings), envFromSecrets: opt(strings), externalTrafficPolicy: opt(string), besideTlsRoute: opt(nodePortReason),
});

const scaling = object('ScalingBehaviour', {
  stabilizationWindowSeconds: opt(number),
  policies: opt(list(object('ScalingPolicy', { type: string, value: number, periodSeconds: opt(number) }))),
  selectPolicy: opt(string),
});
const poolAssignment = { ip: opt(string), sharingKey: opt(string), externalTrafficPolicy: opt(string), allocateNodePorts: opt(nodePortReason) };

/** AutoscaledAppProps. */
export const AUTOSCALED_APP = object('AutoscaledAppProps', {
  ...SECURE, name: string, minReplicas: opt(number), maxReplicas: number, cpuUtilization: opt(number),
  allowCpuUtilizationAbove100: opt(boolean), memoryUtilization: opt(number), scaleUp: opt(scaling), scaleDown: opt(scaling),
  service: opt(either(literal(false), object('AutoscaledAppService', { ...poolAssignment, port: opt(number), pool: opt(construct) }))),
  spread: opt(string),
});

/** NodeDaemonProps. */
export const NODE_DAEMON = object('NodeDaemonProps', {
  ...SECURE, name: string, nodeSelector: opt(labels),
  tolerations: opt(list(object('Toleration', { key: opt(string), value: opt(string), effect: opt(string), tolerationSeconds: opt(number) }))),
  tolerateControlPlane: opt(boolean), maxUnavailable: opt(either(number, string)), priorityClassName: opt(string),
  hostNetwork: opt(boolean), hostPID: opt(boolean),
  hostPaths: opt(list(object('HostPathMount', { hostPath: string, mountPath: opt(string), writable: opt(boolean), type: opt(string) }))),
  allowWritableSystemPaths: opt(boolean), allowUnsafeHostPaths: opt(boolean), capabilities: opt(strings), runAsRoot: opt(boolean),
});

/** NfsStorageProps. */
export const NFS_STORAGE = object('NfsStorageProps', {
  server: string, mountOptions: opt(strings),
  volumes: opt(list(object('NfsVolumeProps', {
    name: string, path: string, capacity: string, accessModes: opt(strings), reclaimPolicy: opt(string), allowDelete: opt(boolean),
    readOnly: opt(boolean), claim: opt(object('NfsVolumeClaimProps', { name: opt(string), request: opt(string), accessModes: opt(strings) })),
  }))),
  storageClass: opt(object('NfsStorageClassProps', {
    name: string, provisioner: opt(string), share: opt(string), subDir: opt(string), mountPermissions: opt(string), onDelete: opt(string),
    archiveOnDelete: opt(boolean), pathPattern: opt(string), provisionerName: opt(string), reclaimPolicy: opt(string), allowDelete: opt(boolean),
    allowVolumeExpansion: opt(boolean), volumeBindingMode: opt(string), isDefault: opt(boolean),
    claims: opt(list(object('NfsDynamicClaimProps', { name: string, request: string, accessModes: opt(strings) }))),
  })),
  claimNamespace: opt(string),
});

const storageClassRef = object('StorageClassRef', { storageClassName: string, accessModes: strings });

/** OrderedStatefulSetProps. */
export const ORDERED_STATEFUL_SET = object('OrderedStatefulSetProps', {
  ...SECURE, name: string, replicas: opt(number), port: opt(number), podManagementPolicy: opt(string), partition: opt(number),
  volumeClaimTemplates: opt(list(object('VolumeClaimTemplate', {
    // storage is required, with the constructor's own message.
    name: string, mountPath: string, storage: opt(string), storageClass: opt(either(string, storageClassRef)), accessModes: opt(strings),
  }))),
  claimRetention: opt(object('ClaimRetention', { whenDeleted: opt(string), whenScaled: opt(string), allowDelete: opt(boolean) })),
});

/** HttpGatewayProps. */
export const HTTP_GATEWAY = object('HttpGatewayProps', {
  name: string, gatewayClassName: string,
  address: opt(object('gateway address', { pool: construct, ip: opt(string), specAddresses: opt(boolean) })),
  httpPort: opt(number), httpsPort: opt(number),
});

const gatewayRef = object('GatewayRef', { name: string, namespace: opt(string), httpListener: opt(string), httpsListener: opt(string) });

/** IngressRoutesProps. */
export const INGRESS_ROUTES = object('IngressRoutesProps', {
  name: string, className: opt(string),
  hosts: list(object('RouteHost', {
    host: string,
    paths: list(object('RoutePath', {
      path: opt(string), pathType: opt(string), prefix: opt(string),
      backend: object('RouteBackend', {
        service: opt(construct), port: opt(number), serviceByName: opt(object('serviceByName', { name: string, port: number })),
      }),
    })),
  })),
  tls: opt(list(object('RouteTls', {
    hosts: strings, secretName: string,
    certManager: opt(object('CertManagerTls', { issuer: string, issuerKind: opt(string), via: opt(string) })),
  }))),
  output: opt(string), gateway: opt(either(construct, gatewayRef)), annotations: opt(labels), allowSnippetAnnotations: opt(boolean),
  sslRedirect: opt(boolean), forceSslRedirect: opt(boolean), proxyBodySize: opt(string), backendProtocol: opt(string),
  rewriteTarget: opt(string), useRegex: opt(boolean),
});

const gitSource = { repoUrl: string, branch: opt(string), path: opt(string) };
const argoCd = { name: opt(string), namespace: opt(string), project: opt(string), destinationServer: opt(string), prune: opt(boolean), selfHeal: opt(boolean) };
const flux = {
  name: opt(string), namespace: opt(string), interval: opt(string), fetchInterval: opt(string), timeout: opt(string), prune: opt(boolean), secretName: opt(string),
};
const peerPods = object('PeerPods', { namespace: opt(string), podLabels: opt(labels) });
const probeTiming = object('ProbeTiming', { initialDelaySeconds: opt(number), periodSeconds: opt(number) });

/** EnvironmentProps, field by field (environment definitions add their own, see {@link ENVIRONMENT_DEFINITION}). */
const ENVIRONMENT_FIELDS = {
  name: string, namespace: opt(string), namespaceLabels: opt(labels),
  quota: opt(object('QuotaProps', {
    requestsCpu: opt(string), requestsMemory: opt(string), limitsCpu: opt(string), limitsMemory: opt(string),
    pods: opt(number), persistentVolumeClaims: opt(number), requestsStorage: opt(string),
  })),
  containerLimits: opt(object('ContainerLimitsProps', {
    defaultRequestCpu: opt(string), defaultRequestMemory: opt(string), defaultLimitCpu: opt(string), defaultLimitMemory: opt(string),
    maxCpu: opt(string), maxMemory: opt(string),
  })),
  claimSize: opt(object('ClaimSizeProps', { min: opt(string), max: opt(string) })),
  reservedAddresses: opt(strings), reservedNodePorts: opt(list(number)), externalStorageClasses: opt(strings), routeOutput: opt(string),
  cluster: opt(S.unknown),
  workloadDefaults: opt(object('WorkloadDefaults', {
    resources: opt(resources), readiness: opt(probeTiming), liveness: opt(probeTiming),
    securityContext: opt(object('PodSecurityDefaults', { runAsUser: opt(number), runAsGroup: opt(number), fsGroup: opt(number) })),
    labels: opt(labels), annotations: opt(labels),
  })),
  networkPolicy: opt(object('NetworkPolicyProps', {
    ingressController: opt(peerPods), gatewayDataPlane: opt(peerPods), monitoringNamespace: opt(string), denyEgress: opt(boolean),
  })),
};

/** ClusterIssuerProps (lib/cluster/cluster-issuers.ts): one cert-manager ClusterIssuer of a cluster. */
const CLUSTER_ISSUER = object('ClusterIssuerProps', {
  name: string,
  selfSignedCa: opt(object('SelfSignedCaProps', { commonName: opt(string), secretName: opt(string), duration: opt(string), renewBefore: opt(string) })),
  acme: opt(object('AcmeIssuerProps', {
    server: string, email: string, privateKeySecretName: string,
    http01: object('AcmeHttp01Props', {
      ingressClassName: opt(string), gateway: opt(object('AcmeGatewayRef', { name: string, namespace: string, sectionName: opt(string) })),
    }),
  })),
  ca: opt(object('CaIssuerProps', { secretName: string })),
  external: opt(boolean),
});

/** ClusterIssuersProps (lib/cluster/cluster-issuers.ts). */
export const CLUSTER_ISSUERS = object('ClusterIssuersProps', { issuers: list(CLUSTER_ISSUER), namespace: opt(string) });

/** ClusterProps (lib/cluster/cluster.ts). */
export const CLUSTER = object('ClusterProps', {
  name: string, kubernetesVersion: opt(string),
  nodes: opt(list(object('ClusterNodeProps', {
    name: string, address: string, role: string, labels: opt(labels),
    taints: opt(list(object('ClusterNodeTaint', { key: string, value: opt(string), effect: string }))),
    allocatable: opt(object('allocatable', { cpu: opt(string), memory: opt(string), pods: opt(number) })),
  }))),
  nodeNetwork: opt(object('NodeNetworkProps', { cidr: string, gateway: opt(string), reserved: opt(strings) })),
  nodePortRange: opt(object('nodePortRange', { from: number, to: number })),
  reservedNodePorts: opt(list(number)),
  gitops: opt(object('ClusterGitOpsProps', { controller: string, repoUrl: opt(string), branch: opt(string), name: opt(string), namespace: opt(string) })),
  externalApiGroups: opt(strings),
  platform: opt(object('ClusterPlatformProps', {
    metallb: opt(choice), metricsServer: opt(either(boolean, literal('external'), object('MetricsServerOptions', { kubeletInsecureTls: opt(boolean) }))),
    certManager: opt(choice), csiDriverNfs: opt(choice), gatewayApi: opt(choice),
    ingressNginx: opt(either(boolean, literal('external'), object('IngressNginxOptions', { nodePorts: opt(object('IngressNginxNodePorts', { http: number, https: number })) }))),
  })),
  issuers: opt(list(CLUSTER_ISSUER)),
});

/** EnvironmentProps. */
export const ENVIRONMENT = object('EnvironmentProps', ENVIRONMENT_FIELDS);

/** ArgoCdApplicationProps. */
export const ARGOCD_APPLICATION = object('ArgoCdApplicationProps', {
  ...gitSource, ...argoCd, name: string, path: string, serverSideApply: opt(boolean), skipDryRunOnMissingResource: opt(boolean),
});
/** FluxSyncProps. */
export const FLUX_SYNC = object('FluxSyncProps', { ...gitSource, ...flux, name: string, path: string, dependsOn: opt(strings), wait: opt(boolean), sourceName: opt(string), retryInterval: opt(string) });

/** Labels or annotations: names to strings. */
export const LABELS = labels;

/** SidecarProps. */
export const SIDECAR = object('SidecarProps', { ...CONTAINER, containerPort: opt(number) });

/** ChartOptions of Environment.addChart. */
export const CHART_OPTIONS = object('ChartOptions', { namespaced: opt(boolean), namespace: opt(string) });

/** A definition's claim mount names its claim. */
const namedClaims = opt(list(object('ClaimMountDefinition', { claim: string, mountPath: string, readOnly: opt(boolean) })));
/** A definition's connection names its target app. */
const namedConnections = opt(list(object('ConnectionDefinition', { to: string, port: opt(number) })));
/** The fields of an object shape, to build a definition's shape from its props' shape. */
const fieldsOf = (shape: Shape): Record<string, Shape | ReturnType<typeof opt>> =>
  (shape.kind === 'object' ? Object.fromEntries([...shape.fields].map(([k, f]) => [k, f.optional ? opt(f.shape) : f.shape])) : {});

/** A record of fields without some of them. */
const without = <T extends Record<string, unknown>>(fields: T, drop: readonly string[]): T =>
  Object.fromEntries(Object.entries(fields).filter(([k]) => !drop.includes(k))) as T;

/** RedisStoreProps: an OrderedStatefulSet's, less what the construct sets itself, and its own. */
export const REDIS_STORE = object('RedisStoreProps', {
  ...without(fieldsOf(ORDERED_STATEFUL_SET), ['readiness', 'liveness', 'args']),
  auth: object('RedisAuth', { secretName: string, key: opt(string) }), maxmemory: opt(string), evictionPolicy: opt(string),
});

/** The claim templates of a definition's StatefulSet: `storageClass` is a name. */
const namedTemplates = opt(list(object('VolumeClaimTemplate definition', {
  name: string, mountPath: string, storage: string, storageClass: opt(string), accessModes: opt(strings),
})));

/** EnvironmentDefinition (environments/definition.ts): what one environment runs, as data. */
export const ENVIRONMENT_DEFINITION = object('EnvironmentDefinition', {
  ...ENVIRONMENT_FIELDS,
  cluster: opt(string),
  nfsStorage: opt(list(NFS_STORAGE)),
  addressPools: opt(list(METALLB_L2_POOL)),
  autoscaledApps: opt(list(object('AutoscaledAppDefinition', {
    ...fieldsOf(AUTOSCALED_APP), claims: namedClaims, connections: namedConnections,
    service: opt(either(literal(false), object('AutoscaledAppService definition', { ...poolAssignment, port: opt(number), pool: opt(string) }))),
  }))),
  nodePortApps: opt(list(object('NodePortAppDefinition', { ...fieldsOf(NODE_PORT_APP), claims: namedClaims, connections: namedConnections }))),
  statefulSets: opt(list(object('OrderedStatefulSetDefinition', {
    ...fieldsOf(ORDERED_STATEFUL_SET), claims: namedClaims, connections: namedConnections, volumeClaimTemplates: namedTemplates,
  }))),
  redisStores: opt(list(object('RedisStoreDefinition', { ...fieldsOf(REDIS_STORE), claims: namedClaims, connections: namedConnections, volumeClaimTemplates: namedTemplates }))),
  nodeDaemons: opt(list(object('NodeDaemonDefinition', { ...fieldsOf(NODE_DAEMON), claims: namedClaims, connections: namedConnections, namespace: opt(string) }))),
  ingressRoutes: opt(list(object('IngressRoutesDefinition', {
    ...fieldsOf(INGRESS_ROUTES),
    hosts: list(object('RouteHost definition', {
      host: string,
      paths: list(object('RoutePath definition', {
        path: opt(string), pathType: opt(string), prefix: opt(string),
        backend: object('RouteBackendDefinition', { app: opt(string), port: opt(number), serviceByName: opt(object('serviceByName', { name: string, port: number })) }),
      })),
    })),
  }))),
  gateway: opt(object('gateway definition', {
    name: string, gatewayClassName: string, httpPort: opt(number), httpsPort: opt(number),
    address: opt(object('gateway address definition', { pool: string, ip: opt(string), specAddresses: opt(boolean) })),
  })),
});

/** Options of `synthesize` (lib/synth/synth.ts). */
export const SYNTH_OPTIONS = object('SynthOptions', {
  outdir: opt(string), environments: opt(strings), clusters: opt(strings), constructMetadata: opt(boolean), allowDestroy: opt(strings), report: opt(string),
});

/**
 * The id a construct is created with, checked before it is added: `scope` must be a construct and no
 * sibling may have the id already (constructs would throw its own "There is already a Construct with
 * name" error from deep inside). Use it in the `super(scope, …)` call.
 */
export function uniqueId(scope: IConstruct, id: string): string {
  if (typeof scope !== 'object' || scope === null || typeof (scope as { node?: unknown }).node !== 'object') {
    return fail(String(id), 'scope', scope, 'is not a construct (pass the chart or construct to add this one to)');
  }
  if (typeof id !== 'string' || id === '') return fail(scope, 'id', id, 'is not a non-empty string');
  // constructs: Node keeps children in a plain object and tests `name in children`, so it takes every
  // Object.prototype key ("constructor", "toString", "__proto__") for an existing child.
  if (id in Object.prototype) {
    fail(scope.node.path ? `${scope.node.path}/${id}` : id, 'id', id, 'is an Object.prototype key, which the constructs library cannot hold as a construct id; choose another name');
  }
  // constructs: Node.addChild refuses a second child of the same id (and ids are stored with "/" replaced by "--").
  const stored = id.replace(/\//g, '--');
  if (scope.node.tryFindChild(stored) !== undefined) {
    fail(scope.node.path ? `${scope.node.path}/${stored}` : stored, 'id', id, `is already the id of another construct in ${scope.node.path || 'the app'} (ids must be unique among siblings)`);
  }
  return id;
}

/**
 * Checks props against their shape, naming `where` (the construct) in the message. A subclass may take
 * props of its own and pass them all on: `closed` false (`new.target !== TheConstruct`) lets top-level
 * fields the shape does not know through; nested objects stay closed.
 */
export function checkProps(where: IConstruct | string, props: unknown, shape: Shape, closed = true, field = ''): void {
  checkShape(where, props, closed || shape.kind !== 'object' ? shape : { ...shape, open: true }, field);
}

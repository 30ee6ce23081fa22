/**
 * The baseline of `npm run bench`: the same objects as our environments, written by a plain
 * cdk8s-plus-27 program (no validation, no schema check, no atomic swap), with cdk8s' own `app.synth()`.
 * Usage: node build/bench/plain-app.js <outdir> (the committed environments)
 */
import { ApiObject, App, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Certificate } from '../imports/cert-manager-certificate-cert-manager.io';
import { IpAddressPool } from '../imports/metallb-ipaddresspool-metallb.io';
import { L2Advertisement } from '../imports/metallb-l2advertisement-metallb.io';
import { Application } from '../imports/argocd-application-argoproj.io';
import { GitRepository } from '../imports/flux-gitrepository-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { clusters } from '../environments/clusters';
import { Gateway } from '../imports/gateway-api-gateway-gateway.networking.k8s.io';
import { HttpRoute } from '../imports/gateway-api-httproute-gateway.networking.k8s.io';
import { EnvironmentDefinition, environments } from '../environments';
import { DEFAULT_KUBERNETES_VERSION } from '../lib/cluster/cluster';

/**
 * A plain cdk8s app holding, written by hand, the objects our constructs write for `definitions`: one
 * chart per app like ours, or with `oneChart` all of a namespace's objects in one chart (the fastest
 * layout for cdk8s, whose `app.synth()` resolves the whole app again for every chart).
 */
export function plainApp(definitions: readonly EnvironmentDefinition[], outdir: string, oneChart = false): App {
  const app = new App({ outdir });
  const shared = new Map<string, Chart>();
  const scope = (id: string, namespace?: string): Construct => {
    if (!oneChart) return new Chart(app, id, { namespace, disableResourceNameHashes: true });
    const key = namespace ?? '';
    if (!shared.has(key)) shared.set(key, new Chart(app, `all-${key || 'cluster'}`, { namespace, disableResourceNameHashes: true }));
    return new Construct(shared.get(key)!, id);
  };
  for (const env of definitions) {
    const ns = env.namespace ?? env.name;
    const cluster = scope(`${env.name}-cluster`);
    const namespaced = scope(`${env.name}-namespace`, ns);
    const level = 'restricted';
    // Pod Security labels pin the version of the cluster the environment runs on, as ours do.
    const psVersion = `v${clusters.find((c) => c.name === env.cluster)?.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION}`;
    const namespace = new kplus.Namespace(cluster, 'Namespace', {
      metadata: {
        name: ns,
        labels: {
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': psVersion,
          'pod-security.kubernetes.io/audit': level,
          'pod-security.kubernetes.io/audit-version': psVersion,
          'pod-security.kubernetes.io/warn': level,
          'pod-security.kubernetes.io/warn-version': psVersion,
        },
      },
    });
    namespace.metadata.addAnnotation('onprem.k8s/pod-security-reason', 'restricted: no workload asked for host access');
    const q = (v: string | number | undefined) => k8s.Quantity.fromString(String(v));
    new k8s.KubeResourceQuota(namespaced, 'ResourceQuota', {
      metadata: { name: `${ns}-quota` },
      spec: {
        hard: {
          'requests.cpu': q(env.quota?.requestsCpu), 'requests.memory': q(env.quota?.requestsMemory),
          'limits.cpu': q(env.quota?.limitsCpu), 'limits.memory': q(env.quota?.limitsMemory),
          'requests.storage': q(env.quota?.requestsStorage), 'pods': q(env.quota?.pods),
          'persistentvolumeclaims': q(env.quota?.persistentVolumeClaims),
        },
      },
    });
    const c = env.containerLimits ?? {};
    new k8s.KubeLimitRange(namespaced, 'LimitRange', {
      metadata: { name: `${ns}-limits` },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: q(c.defaultRequestCpu), memory: q(c.defaultRequestMemory) },
            default: { cpu: q(c.defaultLimitCpu), memory: q(c.defaultLimitMemory) },
            max: { cpu: q(c.maxCpu), memory: q(c.maxMemory) },
          },
          { type: 'PersistentVolumeClaim', min: { storage: q(env.claimSize?.min) }, max: { storage: q(env.claimSize?.max) } },
        ],
      },
    });
    // The same pools and load-balanced apps, written by hand: no checks, defaults spelled out.
    // The same NFS volumes, claims and StorageClasses.
    const storage = scope(`${env.name}-storage`);
    for (const n of env.nfsStorage ?? []) {
      const mountOptions = n.mountOptions ?? ['nfsvers=4.1'];
      const pvc = (name: string, modes: string[], request: string, storageClassName: string, volumeName?: string) => new k8s.KubePersistentVolumeClaim(storage, `claim-${name}`, {
        metadata: { name, namespace: n.claimNamespace ?? ns },
        spec: { accessModes: modes, resources: { requests: { storage: k8s.Quantity.fromString(request) } }, storageClassName, volumeName },
      });
      for (const v of n.volumes ?? []) {
        const modes = v.accessModes ?? ['ReadWriteMany'];
        const claimName = v.claim?.name ?? v.name;
        new k8s.KubePersistentVolume(storage, `pv-${v.name}`, {
          metadata: { name: v.name },
          spec: {
            capacity: { storage: k8s.Quantity.fromString(v.capacity) }, accessModes: modes, persistentVolumeReclaimPolicy: v.reclaimPolicy ?? 'Retain',
            mountOptions, nfs: { server: n.server, path: v.path, readOnly: v.readOnly || undefined }, claimRef: { name: claimName, namespace: n.claimNamespace ?? ns },
          },
        });
        pvc(claimName, v.claim?.accessModes ?? modes, v.claim?.request ?? v.capacity, '', v.name);
      }
      const c = n.storageClass;
      if (c) {
        new k8s.KubeStorageClass(storage, `sc-${c.name}`, {
          metadata: { name: c.name, annotations: c.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : undefined },
          provisioner: 'nfs.csi.k8s.io',
          parameters: { server: n.server, share: c.share!, ...(c.subDir ? { subDir: c.subDir } : {}), ...(c.mountPermissions ? { mountPermissions: c.mountPermissions } : {}), onDelete: c.onDelete ?? 'retain' },
          reclaimPolicy: c.reclaimPolicy ?? 'Retain', allowVolumeExpansion: c.allowVolumeExpansion ?? true, volumeBindingMode: c.volumeBindingMode ?? 'Immediate', mountOptions,
        });
        for (const dc of c.claims ?? []) pvc(dc.name, dc.accessModes ?? ['ReadWriteMany'], dc.request, c.name);
      }
    }
    for (const st of env.statefulSets ?? []) {
      const chart = scope(`${env.name}-${st.name}`, ns);
      const service = new kplus.Service(chart, 'Service', { metadata: { name: st.name }, clusterIP: 'None', ports: [{ name: 'tcp', port: st.port ?? st.containerPort, targetPort: st.containerPort }] });
      for (const [k, v] of Object.entries(labelsOf(st.name))) service.selectLabel(k, v);
      const set = new kplus.StatefulSet(chart, 'StatefulSet', {
        metadata: { name: st.name }, service, replicas: st.replicas ?? 1, select: false, podMetadata: { labels: labelsOf(st.name) },
        podManagementPolicy: (st.podManagementPolicy ?? 'OrderedReady') as kplus.PodManagementPolicy,
        strategy: kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition: st.partition ?? 0 }),
        containers: [plainContainer(chart, st)],
      });
      harden(set, st.name);
      ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/selector/cdk8s.io~1metadata.addr'));
      const api = ApiObject.of(set);
      const templates = st.volumeClaimTemplates ?? [];
      if (templates.length) {
        api.addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', templates.map((t) => ({
          metadata: { name: t.name },
          spec: { accessModes: t.accessModes ?? ['ReadWriteOnce'], storageClassName: t.storageClass, resources: { requests: { storage: k8s.Quantity.fromString(t.storage) } } },
        }))));
        for (const t of templates) api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: t.name, mountPath: t.mountPath }));
      }
      api.addJsonPatch(JsonPatch.add('/spec/persistentVolumeClaimRetentionPolicy', { whenDeleted: st.claimRetention?.whenDeleted ?? 'Retain', whenScaled: st.claimRetention?.whenScaled ?? 'Retain' }));
      if ((st.replicas ?? 1) >= 2) pdb(chart, st.name);
    }
    const metallb = scope(`${env.name}-metallb`);
    for (const p of env.addressPools ?? []) {
      new IpAddressPool(metallb, `${p.name}-pool`, {
        metadata: { name: p.name, namespace: 'metallb-system' },
        spec: { addresses: p.addresses, autoAssign: p.autoAssign ?? true, avoidBuggyIPs: p.avoidBuggyIPs ?? false },
      });
      new L2Advertisement(metallb, `${p.name}-adv`, { metadata: { name: p.name, namespace: 'metallb-system' }, spec: { ipAddressPools: [p.name] } });
    }
    for (const a of env.autoscaledApps ?? []) {
      const chart = scope(`${env.name}-${a.name}`, ns);
      const deployment = plainDeployment(chart, a);
      spread(deployment, a.name, a.spread ?? 'ScheduleAnyway');
      const policies = (b: any, fallback: any) => (b?.policies ?? fallback).map((p: any) => ({
        replicas: p.type === 'Pods' ? kplus.Replicas.absolute(p.value) : kplus.Replicas.percent(p.value), duration: Duration.seconds(p.periodSeconds ?? 15),
      }));
      new kplus.HorizontalPodAutoscaler(chart, 'HorizontalPodAutoscaler', {
        metadata: { name: a.name },
        target: deployment,
        minReplicas: a.minReplicas ?? 2,
        maxReplicas: a.maxReplicas,
        metrics: [
          ...(a.cpuUtilization ? [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(a.cpuUtilization))] : []),
          ...(a.memoryUtilization ? [kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(a.memoryUtilization))] : []),
        ],
        scaleUp: {
          stabilizationWindow: Duration.seconds(a.scaleUp?.stabilizationWindowSeconds ?? 0),
          strategy: (a.scaleUp?.selectPolicy ?? 'Max') as kplus.ScalingStrategy,
          policies: policies(a.scaleUp, [{ type: 'Pods', value: 4 }, { type: 'Percent', value: 100 }]),
        },
        scaleDown: {
          stabilizationWindow: Duration.seconds(a.scaleDown?.stabilizationWindowSeconds ?? 300),
          strategy: (a.scaleDown?.selectPolicy ?? 'Max') as kplus.ScalingStrategy,
          policies: policies(a.scaleDown, [{ type: 'Percent', value: 100 }]),
        },
      });
      if ((a.minReplicas ?? 2) >= 2) pdb(chart, a.name);
      if (a.service === false) continue;
      const lb = a.service?.pool !== undefined;
      const service = plainService(chart, a.name, lb ? kplus.ServiceType.LOAD_BALANCER : kplus.ServiceType.CLUSTER_IP,
        { name: 'http', port: a.service?.port ?? a.containerPort, targetPort: a.containerPort },
        lb ? { 'metallb.io/address-pool': a.service!.pool!, ...(a.service!.ip ? { 'metallb.io/loadBalancerIPs': a.service!.ip } : {}) } : undefined);
      if (lb) ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', a.service!.externalTrafficPolicy ?? 'Cluster'));
    }
    for (const d of env.nodeDaemons ?? []) {
      const dns = d.namespace ?? ns;
      if (d.namespace) {
        const why = [d.hostNetwork && 'hostNetwork', d.hostPID && 'hostPID', d.hostPaths?.length && `hostPath ${d.hostPaths.map((h) => h.hostPath).join(', ')}`].filter(Boolean);
        new kplus.Namespace(cluster, `Namespace-${dns}`, {
          metadata: {
            name: dns,
            labels: {
              'pod-security.kubernetes.io/enforce': why.length ? 'privileged' : 'restricted', 'pod-security.kubernetes.io/enforce-version': psVersion,
              'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': psVersion,
              'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': psVersion,
            },
            annotations: { 'onprem.k8s/pod-security-reason': why.length ? `privileged: ${env.name}/${d.name}/${d.name} (${why.join('; ')})` : 'restricted: no workload asked for host access' },
          },
        });
      }
      const chart = scope(`${env.name}-${d.name}`, dns);
      const container = plainContainer(chart, d);
      const daemon = new kplus.DaemonSet(chart, 'DaemonSet', {
        metadata: { name: d.name },
        select: false,
        hostNetwork: d.hostNetwork ?? false,
        dns: d.hostNetwork ? { policy: kplus.DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET } : undefined,
        podMetadata: { labels: labelsOf(d.name) },
        containers: [{
          ...container,
          volumeMounts: [
            ...container.volumeMounts!,
            ...(d.hostPaths ?? []).map((h, i) => ({
              path: h.mountPath ?? h.hostPath, readOnly: !h.writable,
              volume: kplus.Volume.fromHostPath(chart, `host-${i}`, `host-${i}`, { path: h.hostPath, type: (h.type ?? 'Directory') as kplus.HostPathVolumeType }),
            })),
          ],
        }],
      });
      harden(daemon, d.name);
      if (d.tolerateControlPlane) daemon.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists('node-role.kubernetes.io/control-plane', { effect: kplus.TaintEffect.NO_SCHEDULE })));
      const api = ApiObject.of(daemon);
      if (d.nodeSelector) api.addJsonPatch(JsonPatch.add('/spec/template/spec/nodeSelector', d.nodeSelector));
      const mu = d.maxUnavailable ?? 1;
      api.addJsonPatch(JsonPatch.add('/spec/updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: typeof mu === 'number' ? k8s.IntOrString.fromNumber(mu) : k8s.IntOrString.fromString(mu) } }));
      if (d.hostPID) api.addJsonPatch(JsonPatch.add('/spec/template/spec/hostPid', true));
    }
    for (const a of env.nodePortApps ?? []) {
      const chart = scope(`${env.name}-${a.name}`, ns);
      const deployment = plainDeployment(chart, a, a.replicas ?? 2);
      spread(deployment, a.name, a.spread ?? 'DoNotSchedule');
      const service = plainService(chart, a.name, kplus.ServiceType.NODE_PORT, { name: 'http', port: a.port ?? a.containerPort, targetPort: a.containerPort, nodePort: a.nodePort });
      ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', a.externalTrafficPolicy ?? 'Cluster'));
      if ((a.replicas ?? 2) >= 2) pdb(chart, a.name);
    }
    // The same Ingresses and Certificates: backends by app name, ports looked up by hand.
    const ports = new Map<string, number>([
      ...(env.autoscaledApps ?? []).map((a) => [a.name, (a.service && a.service.port) || a.containerPort] as [string, number]),
      ...(env.nodePortApps ?? []).map((a) => [a.name, a.port ?? a.containerPort] as [string, number]),
    ]);
    // The NetworkPolicies our environment writes for Ingress backends: default-deny, then the ingress-nginx
    // controller admitted to each backend's container port.
    const backends = [...new Set((env.ingressRoutes ?? []).flatMap((r) => r.hosts.flatMap((h) => h.paths.map((p) => p.backend.app)).filter((a): a is string => !!a)))];
    if (backends.length > 0) {
      const chart = scope(`${env.name}-network-policies`, ns);
      new k8s.KubeNetworkPolicy(chart, 'default-deny', { metadata: { name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
      const containerPorts = new Map<string, number>([...(env.autoscaledApps ?? []), ...(env.nodePortApps ?? [])].map((a) => [a.name, a.containerPort]));
      for (const name of backends) {
        new k8s.KubeNetworkPolicy(chart, `allow-${name}`, { metadata: { name: `allow-${name}` }, spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name } },
          policyTypes: ['Ingress'],
          ingress: [{
            from: [{
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/name': 'ingress-nginx' } },
            }],
            ports: [{ port: k8s.IntOrString.fromNumber(containerPorts.get(name)!), protocol: 'TCP' }],
          }],
        } });
      }
    }
    for (const r of env.ingressRoutes ?? []) {
      const chart = scope(`${env.name}-ingress-${r.name}`, ns);
      const annotations: Record<string, string> = { ...r.annotations };
      if (r.proxyBodySize) annotations['nginx.ingress.kubernetes.io/proxy-body-size'] = r.proxyBodySize;
      const ingress = new kplus.Ingress(chart, 'Ingress', { metadata: { name: r.name, annotations }, className: r.className ?? 'nginx' });
      for (const h of r.hosts) {
        for (const p of h.paths) {
          const name = p.backend.app ?? p.backend.serviceByName!.name;
          const port = p.backend.port ?? p.backend.serviceByName?.port ?? ports.get(name)!;
          ingress.addHostRule(h.host, p.path ?? '/', kplus.IngressBackend.fromService({ name, ports: [{ port }] } as unknown as kplus.Service, { port }),
            (p.pathType ?? 'Prefix') as kplus.HttpIngressPathType);
        }
      }
      ingress.addTls((r.tls ?? []).map((t) => ({ hosts: t.hosts, secret: kplus.Secret.fromSecretName(chart, t.secretName, t.secretName) })));
      // The same routes as HTTPRoutes on the environment's Gateway (plain Prefix paths, TLS, HTTPS redirect).
      const g = env.gateway;
      if (g && (r.output ?? env.routeOutput) !== 'Ingress') {
        const listeners: any[] = [];
        const allowedRoutes = { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [ns] }] } } };
        listeners.push({ name: 'http', protocol: 'HTTP', port: 80, allowedRoutes });
        for (const h of r.hosts) {
          const tls = (r.tls ?? []).find((t) => t.hosts.includes(h.host));
          const slug = h.host.replace(/\./g, '-');
          const parentRefs = [{ name: g.name, namespace: ns, sectionName: tls ? `https-${slug}` : 'http' }];
          if (tls) {
            listeners.push({ name: `https-${slug}`, protocol: 'HTTPS', port: 443, hostname: h.host, allowedRoutes, tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: tls.secretName }] } });
          }
          new HttpRoute(chart, `route-${h.host}`, {
            metadata: { name: `${r.name}-${slug}` },
            spec: {
              parentRefs, hostnames: [h.host],
              rules: h.paths.map((p) => ({
                matches: [{ path: { type: 'PathPrefix', value: p.path ?? '/' } as any }],
                backendRefs: [{ name: p.backend.app!, port: p.backend.port ?? ports.get(p.backend.app!)! }],
              })),
            },
          });
          if (tls) {
            new HttpRoute(chart, `redirect-${h.host}`, {
              metadata: { name: `${r.name}-${slug}-redirect` },
              spec: { parentRefs: [{ name: g.name, namespace: ns, sectionName: 'http' }], hostnames: [h.host], rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } } as any] }] },
            });
          }
        }
        const gwChart = scope(`${env.name}-gateway`, ns);
        const pool = g.address ? { 'metallb.io/address-pool': g.address.pool, ...(g.address.ip ? { 'metallb.io/loadBalancerIPs': g.address.ip } : {}) } : undefined;
        new Gateway(gwChart, 'Gateway', { metadata: { name: g.name }, spec: { gatewayClassName: g.gatewayClassName, infrastructure: pool ? { annotations: pool } : undefined, listeners } });
      }
      for (const t of r.tls ?? []) {
        if (!t.certManager) continue;
        new Certificate(chart, `${t.secretName}-cert`, {
          metadata: { name: t.secretName },
          spec: { secretName: t.secretName, dnsNames: t.hosts, issuerRef: { name: t.certManager.issuer, kind: t.certManager.issuerKind ?? 'ClusterIssuer', group: 'cert-manager.io' } },
        });
      }
    }
  }

  // The GitOps objects, and the annotations that keep both tools from pruning stateful objects.
  for (const env of definitions) {
    const g = clusters.find((c) => c.name === env.cluster)?.gitops;
    if (!g?.repoUrl) continue;
    const gitops = scope(`${env.name}-gitops`);
    const where = `dist/${env.name}`;
    new Application(gitops, 'Application', {
      metadata: { name: env.name, namespace: 'argocd' },
      spec: {
        project: 'default', source: { repoUrl: g.repoUrl, targetRevision: g.branch ?? 'main', path: where },
        destination: { server: 'https://kubernetes.default.svc' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=false', 'PruneLast=true'] },
      },
    });
    const metadata = { name: env.name, namespace: 'flux-system' };
    new GitRepository(gitops, 'GitRepository', { metadata, spec: { url: g.repoUrl, ref: { branch: g.branch ?? 'main' }, interval: '5m' } });
    new Kustomization(gitops, 'Kustomization', {
      metadata,
      spec: { sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: env.name }, path: `./${where}`, interval: '10m', timeout: '5m', prune: true },
    });
  }
  // Ours marks stateful objects for both tools whatever the cluster's controller.
  const protectedCharts = new Set(definitions.map((d) => d.name));
  for (const c of app.node.findAll()) {
    if (c instanceof ApiObject && protectedCharts.has(c.node.path.split('/')[oneChart ? 1 : 0].split('-')[0]) && ['Namespace', 'PersistentVolume', 'PersistentVolumeClaim', 'StatefulSet', 'StorageClass'].includes(c.kind)) {
      c.metadata.addAnnotation('argocd.argoproj.io/sync-options', 'Prune=false,Delete=false');
      c.metadata.addAnnotation('kustomize.toolkit.fluxcd.io/prune', 'disabled');
    }
  }
  return app;
}

function labelsOf(name: string): Record<string, string> {
  return { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name };
}

interface PlainApp {
  name: string; image: string; containerPort: number; writablePaths?: string[]; args?: string[]; runAsUser?: number; runAsGroup?: number;
  claims?: Array<{ claim: string; mountPath: string; readOnly?: boolean }>;
  readiness?: { httpPath?: string }; liveness?: { httpPath?: string };
  resources?: { cpuRequest?: string; memoryRequest?: string; cpuLimit?: string; memoryLimit?: string };
}

/** A container with the same secure settings our constructs write, spelled out by hand. */
function plainContainer(chart: Construct, a: PlainApp): kplus.ContainerProps {
  const probe = (path?: string, delay = 5) => (path
    ? kplus.Probe.fromHttpGet(path, { port: a.containerPort, initialDelaySeconds: Duration.seconds(delay), periodSeconds: Duration.seconds(10) })
    : kplus.Probe.fromTcpSocket({ port: a.containerPort, initialDelaySeconds: Duration.seconds(delay), periodSeconds: Duration.seconds(10) }));
  const r = { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi', ...a.resources };
  const millis = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
  const mebi = (q: string) => Number(q.replace(/Mi$/, ''));
  return {
    name: a.name,
    image: a.image,
    args: a.args,
    portNumber: a.containerPort,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    resources: {
      cpu: { request: kplus.Cpu.millis(millis(r.cpuRequest)), limit: kplus.Cpu.millis(millis(r.cpuLimit)) },
      memory: { request: Size.mebibytes(mebi(r.memoryRequest)), limit: Size.mebibytes(mebi(r.memoryLimit)) },
    },
    readiness: probe(a.readiness?.httpPath),
    liveness: probe(a.liveness?.httpPath, 15),
    securityContext: { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, user: a.runAsUser ?? 65532, group: a.runAsGroup ?? 65532 },
    volumeMounts: [
      ...(a.writablePaths ?? ['/tmp']).map((path, i) => ({ path, volume: kplus.Volume.fromEmptyDir(chart, `writable-${i}`, `writable-${i}`) })),
      ...(a.claims ?? []).map((m, i) => ({
        path: m.mountPath, readOnly: m.readOnly ?? false,
        volume: kplus.Volume.fromPersistentVolumeClaim(chart, `claim-volume-${i}`, kplus.PersistentVolumeClaim.fromClaimName(chart, `claim-${i}`, m.claim), { name: `claim-${i}`, readOnly: m.readOnly ?? false }),
      })),
    ],
  };
}

/** A Deployment of one such container, selected by the stable labels. */
function plainDeployment(chart: Construct, a: PlainApp, replicas?: number): kplus.Deployment {
  const deployment = new kplus.Deployment(chart, 'Deployment', {
    metadata: { name: a.name }, replicas, select: false, podMetadata: { labels: labelsOf(a.name) }, containers: [plainContainer(chart, a)],
  });
  harden(deployment, a.name);
  return deployment;
}

function harden(workload: kplus.Deployment | kplus.DaemonSet | kplus.StatefulSet, name: string): void {
  workload.select(kplus.LabelSelector.of({ labels: labelsOf(name) }));
  const api = ApiObject.of(workload);
  api.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
  api.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
  api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }));
}

function spread(deployment: kplus.Deployment, name: string, rule: string): void {
  ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [{
    maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: rule, nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: labelsOf(name) },
  }]));
}

function pdb(chart: Construct, name: string): void {
  new k8s.KubePodDisruptionBudget(chart, 'PodDisruptionBudget', {
    metadata: { name }, spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labelsOf(name) }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  });
}

function plainService(chart: Construct, name: string, type: kplus.ServiceType, port: kplus.ServicePort, annotations?: Record<string, string>): kplus.Service {
  const service = new kplus.Service(chart, 'Service', { metadata: { name, annotations }, type, ports: [port] });
  for (const [k, v] of Object.entries(labelsOf(name))) service.selectLabel(k, v);
  return service;
}

if (require.main === module) plainApp(environments, process.argv[2] ?? 'plain-dist').synth();

/**
 * The Helm baseline of `npm run bench`: a chart, written by the bench into a folder it owns, that renders
 * exactly the objects of the scale app (bench/scale-app.ts) with `helm template` — the Namespace, its
 * ResourceQuota and LimitRange, and per app a Deployment, HorizontalPodAutoscaler, PodDisruptionBudget,
 * Service and Ingress (TLS). The templates are written the way a chart author would: one `range` over the
 * apps in values.yaml, generated from the same {@link EnvironmentDefinition}. No checks run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentDefinition } from '../environments';
import { DEFAULT_KUBERNETES_VERSION } from '../lib/cluster/cluster';

const CHART_YAML = `apiVersion: v2
name: scale
description: The objects of the bench's scale app, for helm template
type: application
version: 0.1.0
`;

const NAMESPACE_TEMPLATE = `{{- $v := .Values }}
apiVersion: v1
kind: Namespace
metadata:
  annotations:
    argocd.argoproj.io/sync-options: Prune=false,Delete=false
    kustomize.toolkit.fluxcd.io/prune: disabled
    onprem.k8s/pod-security-reason: "restricted: no workload asked for host access"
  labels:
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/audit-version: {{ $v.podSecurityVersion }}
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: {{ $v.podSecurityVersion }}
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/warn-version: {{ $v.podSecurityVersion }}
  name: {{ $v.namespace }}
spec: {}
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: {{ $v.namespace }}-quota
  namespace: {{ $v.namespace }}
spec:
  hard:
    limits.cpu: {{ $v.quota.limitsCpu | quote }}
    limits.memory: {{ $v.quota.limitsMemory | quote }}
    persistentvolumeclaims: {{ $v.quota.persistentVolumeClaims | quote }}
    pods: {{ $v.quota.pods | quote }}
    requests.cpu: {{ $v.quota.requestsCpu | quote }}
    requests.memory: {{ $v.quota.requestsMemory | quote }}
    requests.storage: {{ $v.quota.requestsStorage | quote }}
---
apiVersion: v1
kind: LimitRange
metadata:
  name: {{ $v.namespace }}-limits
  namespace: {{ $v.namespace }}
spec:
  limits:
    - default:
        cpu: {{ $v.containerLimits.defaultLimitCpu | quote }}
        memory: {{ $v.containerLimits.defaultLimitMemory | quote }}
      defaultRequest:
        cpu: {{ $v.containerLimits.defaultRequestCpu | quote }}
        memory: {{ $v.containerLimits.defaultRequestMemory | quote }}
      max:
        cpu: {{ $v.containerLimits.maxCpu | quote }}
        memory: {{ $v.containerLimits.maxMemory | quote }}
      type: Container
    - max:
        storage: {{ $v.claimSize.max | quote }}
      min:
        storage: {{ $v.claimSize.min | quote }}
      type: PersistentVolumeClaim
`;

const APPS_TEMPLATE = `{{- $ns := .Values.namespace }}
{{- range .Values.apps }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  namespace: {{ $ns }}
spec:
  minReadySeconds: 0
  progressDeadlineSeconds: 600
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .name }}
      app.kubernetes.io/name: {{ .name }}
  strategy:
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
    type: RollingUpdate
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: {{ .name }}
        app.kubernetes.io/name: {{ .name }}
    spec:
      automountServiceAccountToken: false
      containers:
        - image: {{ .image | quote }}
          imagePullPolicy: IfNotPresent
          livenessProbe:
            failureThreshold: 3
            httpGet:
              path: {{ .liveness.httpPath | quote }}
              port: {{ .containerPort }}
              scheme: HTTP
            initialDelaySeconds: 15
            periodSeconds: 10
          name: {{ .name }}
          ports:
            - containerPort: {{ .containerPort }}
          readinessProbe:
            failureThreshold: 3
            httpGet:
              path: {{ .readiness.httpPath | quote }}
              port: {{ .containerPort }}
              scheme: HTTP
            initialDelaySeconds: 5
            periodSeconds: 10
          resources:
            limits:
              cpu: 500m
              memory: 256Mi
            requests:
              cpu: 100m
              memory: 128Mi
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop:
                - ALL
            privileged: false
            readOnlyRootFilesystem: true
            runAsGroup: 65532
            runAsNonRoot: true
            runAsUser: 65532
          startupProbe:
            failureThreshold: 3
            tcpSocket:
              port: {{ .containerPort }}
          volumeMounts:
            - mountPath: /tmp
              name: writable-0
      dnsPolicy: ClusterFirst
      hostNetwork: false
      restartPolicy: Always
      securityContext:
        fsGroupChangePolicy: Always
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      setHostnameAsFQDN: false
      terminationGracePeriodSeconds: 30
      topologySpreadConstraints:
        - labelSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .name }}
              app.kubernetes.io/name: {{ .name }}
          maxSkew: 1
          nodeTaintsPolicy: Honor
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
      volumes:
        - emptyDir: {}
          name: writable-0
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ .name }}
  namespace: {{ $ns }}
spec:
  behavior:
    scaleDown:
      policies:
        - periodSeconds: 15
          type: Percent
          value: 100
      selectPolicy: Max
      stabilizationWindowSeconds: 300
    scaleUp:
      policies:
        - periodSeconds: 15
          type: Pods
          value: 4
        - periodSeconds: 15
          type: Percent
          value: 100
      selectPolicy: Max
      stabilizationWindowSeconds: 0
  maxReplicas: {{ .maxReplicas }}
  metrics:
    - resource:
        name: cpu
        target:
          averageUtilization: {{ .cpuUtilization }}
          type: Utilization
      type: Resource
  minReplicas: {{ .minReplicas }}
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ .name }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .name }}
  namespace: {{ $ns }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .name }}
      app.kubernetes.io/name: {{ .name }}
  unhealthyPodEvictionPolicy: AlwaysAllow
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ $ns }}
spec:
  externalIPs: []
  ports:
    - name: http
      port: {{ .service.port }}
      targetPort: {{ .containerPort }}
  selector:
    app.kubernetes.io/instance: {{ .name }}
    app.kubernetes.io/name: {{ .name }}
  type: ClusterIP
{{- end }}
`;

const INGRESS_TEMPLATE = `{{- $ns := .Values.namespace }}
{{- range .Values.routes }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ .name }}
  namespace: {{ $ns }}
spec:
  ingressClassName: nginx
  rules:
    {{- range .hosts }}
    - host: {{ .host }}
      http:
        paths:
          {{- range .paths }}
          - backend:
              service:
                name: {{ .app }}
                port:
                  number: {{ .port }}
            path: {{ .path }}
            pathType: Prefix
          {{- end }}
    {{- end }}
  tls:
    {{- range .tls }}
    - hosts:
        {{- range .hosts }}
        - {{ . }}
        {{- end }}
      secretName: {{ .secretName }}
    {{- end }}
{{- end }}
`;

const NETWORK_POLICY_TEMPLATE = `{{- $ns := .Values.namespace }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: {{ $ns }}
spec:
  podSelector: {}
  policyTypes:
    - Ingress
{{- range .Values.backends }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-{{ .name }}
  namespace: {{ $ns }}
spec:
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ingress-nginx
          podSelector:
            matchLabels:
              app.kubernetes.io/component: controller
              app.kubernetes.io/instance: ingress-nginx
              app.kubernetes.io/name: ingress-nginx
      ports:
        - port: {{ .containerPort }}
          protocol: TCP
  podSelector:
    matchLabels:
      app.kubernetes.io/instance: {{ .name }}
      app.kubernetes.io/name: {{ .name }}
  policyTypes:
    - Ingress
{{- end }}
`;

/**
 * Writes the chart for `definition` (the scale app's environment) into `dir` (created): Chart.yaml,
 * values.yaml (JSON, which Helm reads as YAML) and three templates. Returns `dir`.
 */
export function writeScaleChart(definition: EnvironmentDefinition, dir: string): string {
  const apps = definition.autoscaledApps ?? [];
  const port = new Map(apps.map((a) => [a.name, (a.service && a.service.port) || a.containerPort]));
  const values = {
    namespace: definition.namespace ?? definition.name,
    podSecurityVersion: `v${DEFAULT_KUBERNETES_VERSION}`,
    quota: definition.quota,
    containerLimits: definition.containerLimits,
    claimSize: definition.claimSize,
    apps,
    // Ingress backends, for the NetworkPolicies admitting the ingress controller to them.
    backends: [...new Set((definition.ingressRoutes ?? []).flatMap((r) => r.hosts.flatMap((h) => h.paths.map((p) => p.backend.app))))]
      .filter((a): a is string => !!a).map((name) => ({ name, containerPort: apps.find((a) => a.name === name)!.containerPort })),
    routes: (definition.ingressRoutes ?? []).map((r) => ({
      ...r,
      hosts: r.hosts.map((h) => ({ ...h, paths: h.paths.map((p) => ({ path: p.path, app: p.backend.app, port: p.backend.app === undefined ? undefined : port.get(p.backend.app) })) })),
    })),
  };
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), CHART_YAML);
  fs.writeFileSync(path.join(dir, 'values.yaml'), `${JSON.stringify(values)}\n`);
  fs.writeFileSync(path.join(dir, 'templates', 'namespace.yaml'), NAMESPACE_TEMPLATE);
  fs.writeFileSync(path.join(dir, 'templates', 'apps.yaml'), APPS_TEMPLATE);
  fs.writeFileSync(path.join(dir, 'templates', 'ingress.yaml'), INGRESS_TEMPLATE);
  fs.writeFileSync(path.join(dir, 'templates', 'network-policies.yaml'), NETWORK_POLICY_TEMPLATE);
  return dir;
}

import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { connectApps, registerNetworkApp } from './network-policies';
import { registerClaimUses } from './claims';
import { Environment } from '../cluster/environment';
import { UNIQUE } from '../cluster/unique-claims';
import { checkDnsLabel, checkDnsSubdomain, checkInt, checkNodePort, checkOneOf, checkPortOr } from '../checks/validation';
import {
  addSidecar, checkExternalTrafficPolicy, checkNodePortReason, ExternalTrafficPolicy, hardenPods, selectorLabels, podDisruptionBudget, podSecurityContext, SecureContainerProps,
  secureContainer, setExternalTrafficPolicy, SidecarProps, SpreadRule, spreadAcrossNodes, stableService,
} from './workload';
import { checkProps, NODE_PORT_APP, uniqueId } from '../checks/prop-shapes';
import { NODE_PORT_REASON_ANNOTATION } from '../checks/kube-proxy';
import type { NodePortReason } from './metallb-l2-pool';

/** A Deployment reachable on every node's port. */
export interface NodePortAppProps extends SecureContainerProps {
  /** Name of the Deployment, Service and PodDisruptionBudget, and of the pods' `app.kubernetes.io/name` label. */
  readonly name: string;
  /** Port the Service listens on inside the cluster. @default - the container port */
  readonly port?: number;
  /** Port opened on every node, inside the cluster's nodePortRange (30000-32767 by default); unique in the cluster. @default - the cluster picks a free one */
  readonly nodePort?: number;
  /** Pods to run, spread one per node as far as the nodes allow. @default 2 */
  readonly replicas?: number;
  /**
   * Whether the one-pod-per-node spread is a hard rule (`DoNotSchedule`: a pod stays Pending rather than
   * doubling up on a node) or a preference (`ScheduleAnyway`). @default "DoNotSchedule"
   */
  readonly spread?: SpreadRule;
  /** ConfigMaps whose keys become environment variables. @default - none */
  readonly envFromConfigMaps?: string[];
  /** Secrets whose keys become environment variables. @default - none */
  readonly envFromSecrets?: string[];
  /**
   * `Cluster` lets every node forward to any pod. `Local` keeps the client's source IP but only nodes
   * running a pod answer on the nodePort (the others drop the traffic). @default "Cluster"
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;
  /**
   * Why the app keeps its clear-text nodePort although it is also the backend of a TLS route (an Ingress
   * or HTTPRoute with TLS for its host): written as annotation `onprem.k8s/node-port-reason`. Without it, such
   * a route to this app is refused at synth. @default - none: the app may not back a TLS route
   */
  readonly besideTlsRoute?: NodePortReason;
}

/**
 * A Deployment plus a `NodePort` Service: the app answers on `<any node>:<nodePort>`. Secure by default
 * (Pod Security "restricted"), spread one pod per node, with a PodDisruptionBudget when replicated, and
 * names and selectors that never depend on construct ids. A nodePort used twice in one environment is
 * refused once the tree is complete, naming both users.
 */
export class NodePortApp extends Construct {
  /** The app's name. */
  public readonly name: string;
  /** The nodePort, when one was asked for. */
  public readonly nodePort?: number;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The app's own container (the first of the pods). */
  public readonly container: kplus.Container;
  /** The NodePort Service. */
  public readonly service: kplus.Service;
  /** The PodDisruptionBudget (only with 2 or more replicas). */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: NodePortAppProps) {
    super(scope, uniqueId(scope, id));
    // Refused input leaves nothing in the tree: remove the half-built construct before rethrowing.
    try {
      checkProps(this, props, NODE_PORT_APP, new.target === NodePortApp);
      const env = Environment.of(this);
      this.name = checkDnsLabel(this, 'name', props.name);
      const replicas = checkInt(this, 'replicas', props.replicas ?? 2, 0, 10_000);
      const port = checkPortOr(this, 'port', props.port, 'containerPort', props.containerPort);
      this.nodePort = props.nodePort === undefined ? undefined : checkNodePort(this, 'nodePort', props.nodePort);
      const spread = checkOneOf<SpreadRule>(this, 'spread', props.spread ?? 'DoNotSchedule', ['DoNotSchedule', 'ScheduleAnyway']);
      const policy = checkExternalTrafficPolicy(this, props.externalTrafficPolicy);
      const besideTls = props.besideTlsRoute === undefined ? undefined : checkNodePortReason(this, 'besideTlsRoute', props.besideTlsRoute);
      const container = secureContainer(this, this.name, props, replicas);
      const envFrom = [
        ...(props.envFromConfigMaps ?? []).map((n, i) =>
          kplus.Env.fromConfigMap(kplus.ConfigMap.fromConfigMapName(this, `config-${i}`, checkDnsSubdomain(this, `envFromConfigMaps[${i}]`, n)))),
        ...(props.envFromSecrets ?? []).map((n, i) =>
          kplus.Env.fromSecret(kplus.Secret.fromSecretName(this, `secret-${i}`, checkDnsSubdomain(this, `envFromSecrets[${i}]`, n)))),
      ];

      this.deployment = new kplus.Deployment(this, 'Deployment', {
        metadata: { name: this.name },
        replicas,
        select: false,
        containers: [{ ...container, envFrom }],
        securityContext: podSecurityContext(this),
      });
      this.container = this.deployment.containers[0];
      hardenPods(this.deployment, this.name);
      spreadAcrossNodes(this.deployment, this.name, spread);

      this.service = stableService(this, this.name, {
        type: kplus.ServiceType.NODE_PORT,
        ports: [{ name: 'http', port, targetPort: props.containerPort, nodePort: this.nodePort }],
      });
      setExternalTrafficPolicy(this.service, policy);
      if (besideTls !== undefined) this.service.metadata.addAnnotation(NODE_PORT_REASON_ANNOTATION, besideTls);

      if (replicas >= 2) this.podDisruptionBudget = podDisruptionBudget(this, this.name);
      // Registered last: a refused app must not leave a claim behind.
      registerClaimUses(this, props.claims);
      if (this.nodePort !== undefined) {
        env.uniques.claim(UNIQUE.nodePort, String(this.nodePort), this, 'nodePort');
      }
      registerNetworkApp(this, selectorLabels(this.name), this.deployment, this.service, props.containerPort, props);
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
    return addSidecar(this, this.deployment, name, props);
  }
}

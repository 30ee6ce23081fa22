import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { connectApps, registerNetworkApp } from './network-policies';
import { registerClaimUses } from './claims';
import { MetalLbL2Pool, PoolAssignmentOptions } from './metallb-l2-pool';
import { checkBoolean, checkDnsLabel, checkInt, checkOneOf, checkPortOr, fail, parseQuantity } from '../checks/validation';
import {
  addSidecar, containerResources, hardenPods, selectorLabels, podDisruptionBudget, podSecurityContext, SecureContainerProps, secureContainer, SidecarProps,
  SpreadRule, spreadAcrossNodes, stableService,
} from './workload';
import { checkProps, AUTOSCALED_APP, uniqueId } from '../checks/prop-shapes';

/** One scaling policy: change by at most `value` pods (or percent of the current pods) per period. */
export interface ScalingPolicy {
  /** Count pods or percent of the current replicas. */
  readonly type: 'Pods' | 'Percent';
  /** How many pods, or what percentage, 1 or more. */
  readonly value: number;
  /** Length of the period, 1-1800 seconds. @default 15 */
  readonly periodSeconds?: number;
}

/** How fast the HorizontalPodAutoscaler may scale in one direction. */
export interface ScalingBehaviour {
  /** Seconds of past recommendations considered before scaling, 0-3600. @default - 0 up, 300 down (Kubernetes' defaults) */
  readonly stabilizationWindowSeconds?: number;
  /** Policies limiting each change. @default - Kubernetes' defaults: up max(4 pods, 100%) per 15 s; down 100% per 15 s */
  readonly policies?: ScalingPolicy[];
  /** Which policy wins when several apply (`Disabled` turns scaling in this direction off). @default "Max" */
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
}

/** The app's Service. */
export interface AutoscaledAppService extends PoolAssignmentOptions {
  /** Port the Service listens on. @default - the container port */
  readonly port?: number;
  /** A MetalLB pool: the Service becomes `LoadBalancer` with an address from it (the other options apply then). @default - a ClusterIP Service */
  readonly pool?: MetalLbL2Pool;
}

/** A Deployment scaled by a HorizontalPodAutoscaler on metrics-server CPU and/or memory. */
export interface AutoscaledAppProps extends SecureContainerProps {
  /** Name of the Deployment, HorizontalPodAutoscaler, Service and PodDisruptionBudget, and of its pods' label. */
  readonly name: string;
  /** Fewest pods, 1 or more. @default 2 */
  readonly minReplicas?: number;
  /** Most pods, at least `minReplicas`. */
  readonly maxReplicas: number;
  /** Target average CPU use, percent of the CPU request (1-100). @default - CPU is not a metric */
  readonly cpuUtilization?: number;
  /**
   * Allow a CPU target above 100%: pods then use more CPU than they request before the app scales out,
   * which only works up to the CPU limit and makes them first to be throttled on a busy node. @default false
   */
  readonly allowCpuUtilizationAbove100?: boolean;
  /** Target average memory use, percent of the memory request (1-100). @default - memory is not a metric */
  readonly memoryUtilization?: number;
  /** Scale-up behaviour. @default - Kubernetes' defaults */
  readonly scaleUp?: ScalingBehaviour;
  /** Scale-down behaviour. @default - Kubernetes' defaults */
  readonly scaleDown?: ScalingBehaviour;
  /** The Service, or `false` for none. @default - a ClusterIP Service on the container port */
  readonly service?: AutoscaledAppService | false;
  /** Whether spreading pods across nodes is a hard rule. @default "ScheduleAnyway" (more pods than nodes may still start) */
  readonly spread?: SpreadRule;
}

const KUBERNETES_DEFAULT: Record<'scaleUp' | 'scaleDown', Required<ScalingBehaviour>> = {
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }], selectPolicy: 'Max' },
  scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], selectPolicy: 'Max' },
};
const STRATEGIES: Record<string, kplus.ScalingStrategy> = {
  Max: kplus.ScalingStrategy.MAX_CHANGE, Min: kplus.ScalingStrategy.MIN_CHANGE, Disabled: kplus.ScalingStrategy.DISABLED,
};

/**
 * A Deployment plus an `autoscaling/v2` HorizontalPodAutoscaler on CPU and/or memory utilization (what
 * metrics-server reports), an optional Service (ClusterIP, or LoadBalancer with an address from a
 * `MetalLbL2Pool`), and a PodDisruptionBudget from two replicas on. The Deployment carries no
 * `spec.replicas`, so re-applying the output never undoes what the autoscaler chose.
 */
export class AutoscaledApp extends Construct {
  /** The app's name. */
  public readonly name: string;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The app's own container (the first of the pods). */
  public readonly container: kplus.Container;
  /** The HorizontalPodAutoscaler. */
  public readonly autoscaler: kplus.HorizontalPodAutoscaler;
  /** The Service, unless `service: false`. */
  public readonly service?: kplus.Service;
  /** The PodDisruptionBudget (only with `minReplicas` of 2 or more). */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: AutoscaledAppProps) {
    super(scope, uniqueId(scope, id));
    // Refused input leaves nothing in the tree: remove the half-built construct before rethrowing.
    try {
      checkProps(this, props, AUTOSCALED_APP, new.target === AutoscaledApp);
      this.name = checkDnsLabel(this, 'name', props.name);
      const minReplicas = checkInt(this, 'minReplicas', props.minReplicas ?? 2, 1, 10_000);
      const maxReplicas = checkInt(this, 'maxReplicas', props.maxReplicas, 1, 10_000);
      if (maxReplicas < minReplicas) fail(this, 'maxReplicas', maxReplicas, `is below minReplicas ${minReplicas}`);
      const metrics = this.metrics(props);
      const spread = checkOneOf<SpreadRule>(this, 'spread', props.spread ?? 'ScheduleAnyway', ['DoNotSchedule', 'ScheduleAnyway']);
      const container = secureContainer(this, this.name, props, maxReplicas);

      this.deployment = new kplus.Deployment(this, 'Deployment', {
        metadata: { name: this.name }, select: false, containers: [container], securityContext: podSecurityContext(this),
      });
      this.container = this.deployment.containers[0];
      hardenPods(this.deployment, this.name);
      spreadAcrossNodes(this.deployment, this.name, spread);
      // The autoscaler marks the Deployment as scaled, so cdk8s-plus leaves out spec.replicas.
      this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'HorizontalPodAutoscaler', {
        metadata: { name: this.name },
        target: this.deployment,
        minReplicas,
        maxReplicas,
        metrics,
        scaleUp: this.behaviour('scaleUp', props.scaleUp),
        scaleDown: this.behaviour('scaleDown', props.scaleDown),
      });
      if (minReplicas >= 2) this.podDisruptionBudget = podDisruptionBudget(this, this.name);

      if (props.service !== false) {
        const s = props.service ?? {};
        const port = checkPortOr(this, 'service.port', s.port, 'containerPort', props.containerPort);
        this.service = stableService(this, this.name, {
          type: s.pool ? kplus.ServiceType.LOAD_BALANCER : kplus.ServiceType.CLUSTER_IP,
          ports: [{ name: 'http', port, targetPort: props.containerPort }],
        });
        if (s.pool) {
          s.pool.assign(this.service, s);
        } else if (s.ip !== undefined || s.sharingKey !== undefined || s.externalTrafficPolicy !== undefined || s.allocateNodePorts !== undefined) {
          fail(this, 'service.pool', undefined, 'is required for ip, sharingKey, externalTrafficPolicy and allocateNodePorts (they apply to a LoadBalancer Service)');
        }
      }
      registerClaimUses(this, props.claims);
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

  private metrics(props: AutoscaledAppProps): kplus.Metric[] {
    const res = containerResources(this, props);
    const metrics: kplus.Metric[] = [];
    if (props.cpuUtilization !== undefined) {
      const above = checkBoolean(this, 'allowCpuUtilizationAbove100', props.allowCpuUtilizationAbove100 ?? false);
      // Above the limit/request ratio the target can never be reached: the pods are throttled first.
      const ceiling = above ? Math.floor((100 * parseQuantity(res.cpuLimit)!) / parseQuantity(res.cpuRequest)!) : 100;
      if (parseQuantity(res.cpuRequest) === 0) {
        fail(this, 'cpuUtilization', props.cpuUtilization, 'needs a CPU request (resources.cpuRequest is "0"): utilization is a percentage of the request, so the autoscaler would never act');
      }
      const target = checkInt(this, 'cpuUtilization', props.cpuUtilization, 1, 10_000);
      if (target > 100 && !above) {
        fail(this, 'cpuUtilization', target, 'is above 100% of the CPU request: allowed are 1-100, or more with allowCpuUtilizationAbove100 (pods then run above their request before the app scales out)');
      }
      if (target > ceiling) {
        fail(this, 'cpuUtilization', target, `can never be reached: the CPU limit ${res.cpuLimit} is ${ceiling}% of the request ${res.cpuRequest}`);
      }
      metrics.push(kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(target)));
    }
    if (props.memoryUtilization !== undefined) {
      if (parseQuantity(res.memoryRequest) === 0) {
        fail(this, 'memoryUtilization', props.memoryUtilization, 'needs a memory request (resources.memoryRequest is "0"): utilization is a percentage of the request, so the autoscaler would never act');
      }
      metrics.push(kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(checkInt(this, 'memoryUtilization', props.memoryUtilization, 1, 100))));
    }
    if (metrics.length === 0) {
      fail(this, 'cpuUtilization', undefined, 'or memoryUtilization must be given: an autoscaler needs at least one metric');
    }
    return metrics;
  }

  private behaviour(field: 'scaleUp' | 'scaleDown', given: ScalingBehaviour | undefined): kplus.ScalingRules {
    const b = { ...KUBERNETES_DEFAULT[field], ...given };
    const window = checkInt(this, `${field}.stabilizationWindowSeconds`, b.stabilizationWindowSeconds, 0, 3600);
    const strategy = checkOneOf(this, `${field}.selectPolicy`, b.selectPolicy, ['Max', 'Min', 'Disabled']);
    if (!Array.isArray(b.policies) || b.policies.length === 0) fail(this, `${field}.policies`, b.policies, 'must list at least one policy');
    const policies = b.policies.map((p, i) => {
      const type = checkOneOf(this, `${field}.policies[${i}].type`, p.type, ['Pods', 'Percent']);
      const value = checkInt(this, `${field}.policies[${i}].value`, p.value, 1, type === 'Percent' ? 10_000 : 100_000);
      const period = checkInt(this, `${field}.policies[${i}].periodSeconds`, p.periodSeconds ?? 15, 1, 1800);
      return { replicas: type === 'Pods' ? kplus.Replicas.absolute(value) : kplus.Replicas.percent(value), duration: Duration.seconds(period) };
    });
    return { stabilizationWindow: Duration.seconds(window), strategy: STRATEGIES[strategy], policies };
  }
}

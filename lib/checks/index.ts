/**
 * Checks of the rendered objects of one environment, one module per component that enforces the rule in
 * a real cluster (API server, admission, webhooks, controllers and kubelet). Each module appends its
 * checks to {@link RENDERED_CHECKS}; synth runs them once, after the schema check, and refuses on any
 * message. Nothing here imports from outside `lib/checks/` but the generated CRD schemas (`imports/`).
 */

import { EligibleNodes, limitRangerAdmission, resourceQuotaAdmission } from './admission';
import { CEL_PACKAGES, crdValidationRules } from './cel';
import { gatewayGateways, gatewayHttpRoutePaths } from './gateway-api';
import { ingressNginxIngresses, ingressNginxRegexHosts } from './ingress-nginx';
import { nodePortsBesideTls } from './kube-proxy';
import { metallbPoolEntries, metallbSelectors, metallbSharedAddresses } from './metallb';
import { namesAndMetadata, podSpecs, servicePorts, systemNamespaceObjects, workloadSelectors } from './api-server';
import { derivedNames } from './controllers';
import { kubeletRunAsNonRoot } from './kubelet';
import { INGRESS_NGINX_CONTROLLER, NetworkFacts, networkPolicies, ngfDataPlane } from './network-policy';
import { packagesIdentity, schemaSetsIdentity } from './schema-sets';

/** A manifest as it will be written. */
export type Manifest = Record<string, any>;

/** One rendered object and the construct path that made it. */
export interface RenderedObject {
  /** The manifest as it will be written. */
  readonly manifest: Manifest;
  /** Construct path of the ApiObject. */
  readonly constructPath: string;
}

/** The rendered objects of one environment, each with the construct path that made it. */
export type RenderedObjects = ReadonlyArray<RenderedObject>;

/** What a check knows about the environment besides its objects. */
export interface CheckContext {
  /** The environment's name. */
  readonly environment: string;
  /** The environment's own namespace. */
  readonly namespace: string;
  /**
   * Nodes each DaemonSet's pods land on in the environment's cluster (the declared nodes its nodeSelector,
   * affinity and tolerations admit: `daemonSetNodeCounts` in scheduling.ts). A DaemonSet with an unknown
   * count adds no pod to a ResourceQuota's worst case, and every refusal names the DaemonSets not counted.
   * @default - unknown for every DaemonSet
   */
  readonly eligibleNodes?: EligibleNodes;
  /** The objects are a cluster's platform (its components' own namespaces are theirs to write). @default false */
  readonly platform?: boolean;
  /**
   * Route controllers, declared connections and metrics ports the NetworkPolicies must admit.
   * @default - ingress-nginx and NGINX Gateway Fabric at their defaults, no connections, no scraping
   */
  readonly network?: NetworkFacts;
  /**
   * Objects that passed a per-object check in an earlier synth, so that checks whose answer follows from the
   * object alone skip them (the synth's `ValidatedObjects`).
   * @default - every check runs on every object
   */
  readonly passed?: PassedObjects;
}

/** Remembers the objects that passed a check whose answer follows from the object, this library's code and its imports alone. */
export interface PassedObjects {
  /**
   * The problems `run` finds in `manifest`: none, without running it, when the same object passed the check
   * named `check` before. `check` names everything else the answer depends on (the check and, say, a version).
   */
  problems<T>(check: string, manifest: Manifest, run: () => T[]): T[];
}

let packages: string | undefined;

/**
 * What the answers of the checks depend on besides this library's code and imports: the name and version of
 * every package they run (the schema sets' packages, ajv for the CRD schemas, the CEL packages for their rules)
 * and of every package those depend on. It names the caches of checked results (the objects that passed, a
 * checked platform), so that another version of any of them checks again. Read once per process.
 */
export function checkPackagesIdentity(): string {
  packages ??= JSON.stringify({ schemas: schemaSetsIdentity(), packages: packagesIdentity(['ajv', ...CEL_PACKAGES]) });
  return packages;
}

/** The network facts of an environment that declares nothing. */
export const DEFAULT_NETWORK_FACTS: NetworkFacts = {
  ingressController: INGRESS_NGINX_CONTROLLER,
  gatewayDataPlane: ngfDataPlane,
  connections: [],
  metrics: [],
};

/** One check: a message per problem, each starting with the construct path it is about. */
export type RenderedCheck = (objects: RenderedObjects, context: CheckContext) => string[];

/** Every check of rendered objects, in the order they report. */
export const RENDERED_CHECKS: RenderedCheck[] = [
  limitRangerAdmission,
  resourceQuotaAdmission,
  crdValidationRules,
  metallbPoolEntries,
  metallbSelectors,
  metallbSharedAddresses,
  ingressNginxIngresses,
  ingressNginxRegexHosts,
  gatewayHttpRoutePaths,
  gatewayGateways,
  nodePortsBesideTls,
  namesAndMetadata,
  systemNamespaceObjects,
  podSpecs,
  servicePorts,
  workloadSelectors,
  derivedNames,
  kubeletRunAsNonRoot,
  (objects, context) => networkPolicies(objects, context.network ?? DEFAULT_NETWORK_FACTS),
];

/** Runs every registered check over one environment's objects. */
export function runRenderedChecks(objects: RenderedObjects, context: CheckContext): string[] {
  return RENDERED_CHECKS.flatMap((check) => check(objects, context));
}

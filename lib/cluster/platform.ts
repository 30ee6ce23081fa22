/**
 * The platform components a cluster runs (issue 21, first slice): which pinned upstream release each is,
 * which Kubernetes minors its upstream supports (with the source), and the synth-time compatibility check.
 * The files themselves (charts, CRDs) are pinned by sha256 in `platform.lock.json` and fetched with
 * `npm run platform:fetch`; a test keeps the data here equal to that lock file. Nothing is rendered yet.
 */
import type { ClusterPlatformProps } from './cluster';
import { fail, Where } from '../checks/validation';

/** A pinned platform component, as the compatibility check sees it. */
export interface PlatformComponent {
  /** Its id in `platform.lock.json`. */
  readonly id: string;
  /** Its upstream name. */
  readonly name: string;
  /** The pinned release (chart version, or the CRD bundle's tag). */
  readonly version: string;
  /** Oldest Kubernetes minor upstream supports. */
  readonly min: string;
  /** Newest Kubernetes minor upstream supports. @default - no upper bound stated */
  readonly max?: string;
  /** Where upstream states that range. */
  readonly source: string;
  /** Why it should not be chosen any more, when upstream retired it. @default - not retired */
  readonly retired?: string;
}

/** Every pinned component, by its id in `platform.lock.json` (ranges from `../shared/platform/README.md`). */
export const PLATFORM_COMPONENTS: Readonly<Record<string, PlatformComponent>> = {
  metallb: {
    id: 'metallb', name: 'MetalLB', version: '0.16.1', min: '1.27',
    source: 'MetalLB CI oldest_k8s e2e job on kindest/node v1.27.1 (docs: "Kubernetes 1.13.0 or later", no upper bound)',
  },
  metricsServer: {
    id: 'metricsServer', name: 'metrics-server', version: '3.13.1', min: '1.31',
    source: 'metrics-server README "Compatibility Matrix" (0.8.x: 1.31+)',
  },
  certManager: {
    id: 'certManager', name: 'cert-manager', version: 'v1.21.1', min: '1.33', max: '1.36',
    source: 'cert-manager.io supported releases (1.21: 1.33-1.36, tested 1.33-1.36)',
  },
  csiDriverNfs: {
    id: 'csiDriverNfs', name: 'csi-driver-nfs', version: '4.13.4', min: '1.21',
    source: 'csi-driver-nfs README "Kubernetes Compatibility" (v4.13.4: 1.21+, no upper bound)',
  },
  gatewayApi: {
    id: 'gatewayApi', name: 'Gateway API CRDs (standard channel)', version: 'v1.5.1', min: '1.31',
    source: 'Gateway API crd-validation CI 1.31-1.35; TLSRoute CEL needs 1.31+, the ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) 1.30+',
  },
  nginxGatewayFabric: {
    id: 'nginxGatewayFabric', name: 'NGINX Gateway Fabric', version: '2.6.7', min: '1.31',
    source: 'NGINX Gateway Fabric "Technical Specifications" (2.6.7: Gateway API 1.5.1, Kubernetes 1.31+); chart kubeVersion >= 1.31.0-0',
  },
  ingressNginx: {
    id: 'ingressNginx', name: 'ingress-nginx (retired)', version: '4.15.1', min: '1.31', max: '1.35',
    source: 'ingress-nginx README "Supported Versions table" (v1.15.x E2E: 1.31-1.35; retired, no later release)',
    retired: 'no releases or security fixes since March 2026 (final release 2026-03-19)',
  },
};

/** A field of {@link ClusterPlatformProps}: one choice of the platform. */
export type PlatformField = 'metallb' | 'metricsServer' | 'certManager' | 'csiDriverNfs' | 'gatewayApi' | 'ingressNginx';

/** Which component(s) of {@link PLATFORM_COMPONENTS} each `platform` field chooses: `gatewayApi` is the CRDs plus their implementation. */
export const PLATFORM_FIELDS: Readonly<Record<PlatformField, readonly string[]>> = {
  metallb: ['metallb'],
  metricsServer: ['metricsServer'],
  certManager: ['certManager'],
  csiDriverNfs: ['csiDriverNfs'],
  gatewayApi: ['gatewayApi', 'nginxGatewayFabric'],
  ingressNginx: ['ingressNginx'],
};

/** The API groups whose custom resources each `platform` field installs the CRDs of. */
export const PLATFORM_API_GROUPS: Readonly<Record<string, PlatformField>> = {
  'metallb.io': 'metallb',
  'cert-manager.io': 'certManager',
  'acme.cert-manager.io': 'certManager',
  'gateway.networking.k8s.io': 'gatewayApi',
  'gateway.nginx.org': 'gatewayApi',
};

/** The minor of `1.33` as a number (33). */
const minor = (version: string): number => Number(version.split('.')[1]);

/** `1.33-1.36`, or `1.31+` when upstream states no upper bound. */
function rangeOf(c: PlatformComponent): string {
  return c.max ? `${c.min}-${c.max}` : `${c.min}+`;
}

/**
 * Refuses a chosen component whose supported Kubernetes range leaves out the cluster's version, naming
 * the component, its pinned version, the range with its source, and the versions of ours that fit.
 * Returns the warnings of the chosen components (a retired one).
 * @param versions the Kubernetes minors this project supports, oldest first
 */
export function checkPlatformCompatibility(where: Where, clusterName: string, kubernetesVersion: string,
  chosen: readonly PlatformField[], versions: readonly string[]): string[] {
  const warnings: string[] = [];
  const v = minor(kubernetesVersion);
  for (const field of chosen) {
    for (const id of PLATFORM_FIELDS[field]) {
      const c = PLATFORM_COMPONENTS[id];
      const fits = versions.filter((k) => minor(k) >= minor(c.min) && (c.max === undefined || minor(k) <= minor(c.max)));
      const below = v < minor(c.min);
      if (below || (c.max !== undefined && v > minor(c.max))) {
        const newest = fits[fits.length - 1];
        const fix = fits.length === 0 ? 'no Kubernetes version this project supports fits'
          : below ? `use ${fits[0]} or newer (the newest that fits: ${newest})` : `use ${newest} or older`;
        fail(where, `platform.${field}`, c.version,
          `(${c.name}) supports Kubernetes ${rangeOf(c)} (${c.source}); this cluster is ${kubernetesVersion}: ${fix}`);
      }
      if (c.retired) {
        warnings.push(`cluster ${clusterName}: platform.${field} ${c.name} ${c.version} is retired: ${c.retired}. `
          + 'Migrate: choose platform.gatewayApi, write both objects (`output: \'both\'` on IngressRoutes, or the environment\'s '
          + '`routeOutput: \'both\'`), move traffic to the HTTPRoutes, then write `HTTPRoute` only and drop platform.ingressNginx.');
      }
    }
  }
  return warnings;
}

import { Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Gateway, GatewaySpecListenersAllowedRoutesNamespacesFrom, GatewaySpecListenersTlsMode } from '../../imports/gateway-api-gateway-gateway.networking.k8s.io';
import { Environment } from '../cluster/environment';
import { MetalLbL2Pool } from './metallb-l2-pool';
import { checkDnsSubdomain, checkPort, fail, show } from '../checks/validation';
import { checkProps, HTTP_GATEWAY, uniqueId } from '../checks/prop-shapes';

/** A Gateway (Gateway API) for HTTP and HTTPS, with its address from MetalLB. */
export interface HttpGatewayProps {
  /** Name of the Gateway. */
  readonly name: string;
  /** GatewayClass of the installed implementation (e.g. "nginx" for NGINX Gateway Fabric, "eg" for Envoy Gateway, "cilium"). */
  readonly gatewayClassName: string;
  /**
   * Its address from a MetalLB pool, as MetalLB's annotations in `spec.infrastructure` (implementations
   * that support infrastructure propagation copy them onto the LoadBalancer Service they create) and,
   * with `specAddresses`, also as `spec.addresses` (for implementations that honour it; others report
   * the Gateway not programmed). @default - the implementation's choice
   */
  readonly address?: {
    /** Pool the Gateway's LoadBalancer Service takes its address from. */
    readonly pool: MetalLbL2Pool;
    /** A fixed address from the pool. @default - the pool picks one */
    readonly ip?: string;
    /** Also write the address into the Gateway's `spec.addresses`. @default false */
    readonly specAddresses?: boolean;
  };
  /** Port of the HTTP listener. @default 80 */
  readonly httpPort?: number;
  /** Port of the HTTPS listeners. @default 443 */
  readonly httpsPort?: number;
}

/** Name of the plain-HTTP listener of an {@link HttpGateway}. */
export const HTTP_LISTENER = 'http';

/** A Gateway that HTTPRoutes name in `parentRefs`, by the listener they attach to. */
export interface GatewayRef {
  /** Name of the Gateway. */
  readonly name: string;
  /** Namespace of the Gateway. @default - the route's namespace */
  readonly namespace?: string;
  /** Listener for plain HTTP. @default "http" */
  readonly httpListener?: string;
  /** Listener terminating TLS for the routes' hosts (a Gateway you manage must hold their certificates). @default "https" */
  readonly httpsListener?: string;
}

interface HttpsListener {
  readonly host: string;
  readonly secretName: string;
  readonly by: string;
}

/**
 * A `gateway.networking.k8s.io/v1` Gateway with one HTTP listener and one HTTPS listener per host that
 * routes bring TLS for (`https-<host>`, terminating with the route's Secret). Routes may attach from the
 * namespaces that actually have routes on it (a selector, not "All"). Give it to IngressRoutes (`gateway`),
 * or let it be the environment's only Gateway.
 */
export class HttpGateway extends Construct {
  /** Name of the Gateway. */
  public readonly name: string;
  /** Namespace of the Gateway. */
  public readonly namespace: string;
  /** The Gateway object. */
  public readonly gateway: Gateway;

  private readonly https = new Map<string, HttpsListener>();
  private readonly routeNamespaces = new Set<string>();

  constructor(scope: Construct, id: string, props: HttpGatewayProps) {
    super(scope, uniqueId(scope, id));
    try {
      checkProps(this, props, HTTP_GATEWAY, new.target === HttpGateway);
      const env = Environment.of(this);
      // NGINX Gateway Fabric labels the data plane's pods with the Gateway's name (and our policies select them by it).
      this.name = checkDnsSubdomain(this, 'name', props.name, 'gateway.networking.k8s.io/gateway-name');
      const namespace = Chart.of(this).namespace;
      if (namespace === undefined) fail(this, 'chart', Chart.of(this).node.path, 'is not namespaced; a Gateway lives in a namespace');
      this.namespace = namespace;
      const httpPort = checkPort(this, 'httpPort', props.httpPort ?? 80);
      const httpsPort = checkPort(this, 'httpsPort', props.httpsPort ?? 443);
      if (httpPort === httpsPort) fail(this, 'httpsPort', httpsPort, 'is also httpPort; give the listeners two ports');
      const ip = props.address?.ip;
      const pool = props.address?.pool;
      const allowedRoutes = {
        namespaces: {
          from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
          selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: Lazy.any({ produce: () => [...this.routeNamespaces].sort() }) as unknown as string[] }] },
        },
      };
      this.gateway = new Gateway(this, 'Gateway', {
        metadata: { name: this.name },
        spec: {
          gatewayClassName: checkDnsSubdomain(this, 'gatewayClassName', props.gatewayClassName),
          addresses: ip && props.address?.specAddresses ? [{ type: 'IPAddress', value: ip }] : undefined,
          infrastructure: pool ? { annotations: pool.annotations({ ip }) } : undefined,
          listeners: Lazy.any({
            produce: () => [
              { name: HTTP_LISTENER, protocol: 'HTTP', port: httpPort, allowedRoutes },
              ...[...this.https.values()].sort((a, b) => (a.host < b.host ? -1 : 1)).map((l) => ({
                name: httpsListenerName(l.host), protocol: 'HTTPS', port: httpsPort, hostname: l.host, allowedRoutes,
                tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ kind: 'Secret', group: '', name: l.secretName }] },
              })),
            ],
          }) as never,
        },
      });
      pool?.reserve(this, this.namespace, { ip });
      env.registerGateway(this);
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /**
   * The HTTPS listener for `host`, terminating TLS with Secret `secretName` (in the Gateway's namespace),
   * made on first use. One host has one certificate: a second Secret for it is refused, naming both users.
   */
  public httpsListener(host: string, secretName: string, namespace: string | undefined, by: IConstruct): string {
    const name = this.checkHttpsListener(host, secretName, namespace, by);
    if (!this.https.has(host)) this.https.set(host, { host, secretName, by: by.node.path });
    return name;
  }

  /**
   * Checks what {@link httpsListener} would make, without making it (a construct that may still be refused
   * checks first and attaches last): the name of the HTTPS listener for `host`.
   */
  public checkHttpsListener(host: string, secretName: string, namespace: string | undefined, by: IConstruct): string {
    if (namespace !== this.namespace) {
      fail(by, 'tls secretName', secretName, `is in namespace ${show(namespace)}, but Gateway ${this.namespace}/${this.name} terminates TLS with Secrets of its own namespace; route from namespace ${show(this.namespace)}`);
    }
    const existing = this.https.get(host);
    if (existing && existing.secretName !== secretName) {
      fail(by, 'tls secretName', secretName, `differs from "${existing.secretName}" that ${existing.by} gives host ${host} on Gateway ${this.name}; one host has one certificate`);
    }
    const name = httpsListenerName(host);
    // Gateway API: apis/v1/gateway_types.go "Listener name must be unique within the Gateway"; SectionName is at most 253 characters
    const same = [...this.https.values()].find((l) => l.host !== host && httpsListenerName(l.host) === name);
    if (same) {
      fail(by, 'tls host', host, `gets HTTPS listener name "${name}" on Gateway ${this.name}, which host ${same.host} (${same.by}) already has; listener names must be unique, so give hosts that differ by more than "." versus "-"`);
    }
    if (name.length > 253) fail(by, 'tls host', host, `makes HTTPS listener name "${name.slice(0, 40)}…" of ${name.length} characters; a listener name has at most 253`);
    return name;
  }

  /** Lets routes of `namespace` attach to the Gateway's listeners. */
  public allowRoutesFrom(namespace: string): void {
    this.routeNamespaces.add(namespace);
  }

  /** A reference to this Gateway for HTTPRoutes. */
  public get ref(): GatewayRef {
    return { name: this.name, namespace: this.namespace, httpListener: HTTP_LISTENER };
  }

}

/** A host as a name part: dots as dashes, a leading `*.` as `wildcard-` (stable, DNS-label safe). */
export function hostSlug(host: string): string {
  return host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-');
}

/** `https-<host slug>`: the HTTPS listener of a host. */
export function httpsListenerName(host: string): string {
  return `https-${hostSlug(host)}`;
}

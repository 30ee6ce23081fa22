import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Certificate } from '../../imports/cert-manager-certificate-cert-manager.io';
import { HttpRoute } from '../../imports/gateway-api-httproute-gateway.networking.k8s.io';
import { ReferenceGrant } from '../../imports/gateway-api-referencegrant-gateway.networking.k8s.io';
import { apiServerIngressPathProblem, nginxAnnotationProblem, nginxPathProblem, re2Groups, re2Problem } from '../checks/ingress-nginx';
import { httpRoutePathProblem } from '../checks/gateway-api';
import { Environment, ROUTE_OUTPUTS, RouteOutput } from '../cluster/environment';
import { GatewayRef, HttpGateway } from './http-gateway';
import { writeHttpRoutes } from './http-routes';
import {
  checkAnnotations, checkBoolean, checkDnsLabel, checkDnsSubdomain, checkOneOf, checkPort, checkRouteHost, checkString, fail, show,
} from '../checks/validation';
import { checkProps, INGRESS_ROUTES, uniqueId } from '../checks/prop-shapes';

/** How a path matches: `Prefix` (by `/`-separated segments), `Exact`, or as the controller decides (nginx: a regex). */
export type RoutePathType = 'Prefix' | 'Exact' | 'ImplementationSpecific';
const PATH_TYPES: readonly RoutePathType[] = ['Prefix', 'Exact', 'ImplementationSpecific'];

/** What ingress-nginx speaks to the backend. */
export type BackendProtocol = 'HTTP' | 'HTTPS' | 'GRPC' | 'GRPCS' | 'AUTO_HTTP' | 'FCGI';
const BACKEND_PROTOCOLS: readonly BackendProtocol[] = ['HTTP', 'HTTPS', 'GRPC', 'GRPCS', 'AUTO_HTTP', 'FCGI'];

/** Anything of ours that owns a Service (NodePortApp, ...). */
export interface IServiceOwner extends IConstruct {
  /** The owned Service, if the construct made one. @default - none */
  readonly service?: kplus.Service;
}

/** Where one path's traffic goes. */
export interface RouteBackend {
  /** A Service of this app: one of our app constructs or a cdk8s-plus Service; its port is checked. @default - none (then `serviceByName` is required) */
  readonly service?: kplus.Service | IServiceOwner;
  /** Service port to send to; must be one the Service exposes. @default - the Service's only port */
  readonly port?: number;
  /** Explicit opt-in: a Service this app does not define, by name and port in the Ingress' namespace; neither is checked. @default - none */
  readonly serviceByName?: {
    /** Name of the Service, in the Ingress's namespace. */
    readonly name: string;
    /** Port of the Service. */
    readonly port: number;
  };
}

/**
 * What the backend sees of a path other than `/`: `strip` removes the matched prefix (`/hello/x` reaches the
 * backend as `/x`, `/hello` as `/`), `keep` forwards the request path unchanged (the backend serves under the prefix).
 */
export type PrefixHandling = 'strip' | 'keep';
const PREFIX_HANDLING: readonly PrefixHandling[] = ['strip', 'keep'];

/** One path of a host. */
export interface RoutePath {
  /**
   * Request path. With `Prefix`/`Exact`: `/` then letters, digits, `.`, `/`, `_`, `-` only (ingress-nginx strict path rules), no
   * `//`, `/./`, `/../` or trailing `/.` (API server). With `useRegex`/`rewriteTarget`: a regular expression RE2 accepts. @default "/"
   */
  readonly path?: string;
  /** How the path matches. @default "Prefix" */
  readonly pathType?: RoutePathType;
  /**
   * Whether the backend sees the path's prefix, stated for every path other than `/` (an app serving its files
   * at `/` answers 404 to a prefix it does not know). `strip` needs pathType `Prefix` and a path without a
   * trailing `/`; it is written as a URLRewrite `ReplacePrefixMatch` filter in an HTTPRoute and as a second
   * Ingress `<name>-strip` with `rewrite-target` in ingress-nginx (an annotation holds for a whole Ingress).
   * Not with `rewriteTarget`, which states the rewrite itself; only `keep` with `useRegex`. In ingress-nginx a regex
   * location makes every path of its host a case-insensitive regex prefix match, so an Exact path on the same host
   * is refused at synth.
   * @default - none: required for a path other than "/" (unless `rewriteTarget` is set); "/" is forwarded as it is
   */
  readonly prefix?: PrefixHandling;
  /** Where matching requests go. */
  readonly backend: RouteBackend;
}

/** The paths served on one host name. */
export interface RouteHost {
  /** Host name, e.g. `app.example.com`; a wildcard only as a leading `*.`. */
  readonly host: string;
  /** Paths on this host, at least one. */
  readonly paths: RoutePath[];
}

/** cert-manager fills the TLS Secret. */
export interface CertManagerTls {
  /** Name of the Issuer or ClusterIssuer: one of the cluster's `issuers`, or one installed elsewhere (a per-cluster check finds it in the output). */
  readonly issuer: string;
  /** Kind of the issuer. @default "ClusterIssuer" */
  readonly issuerKind?: 'ClusterIssuer' | 'Issuer';
  /**
   * How to ask: a `Certificate` object written beside the Ingress (`certificate`: reviewable in the output),
   * or the `cert-manager.io/(cluster-)issuer` annotation on the Ingress (`annotation`). @default "certificate"
   */
  readonly via?: 'certificate' | 'annotation';
}

/** A TLS certificate for some of the hosts. */
export interface RouteTls {
  /** Hosts the certificate serves; each must be a host of a rule (or a `*.` wildcard covering one). */
  readonly hosts: string[];
  /** Secret of type `kubernetes.io/tls` (`tls.crt`, `tls.key`) holding the certificate, in the Ingress' namespace. */
  readonly secretName: string;
  /** Let cert-manager issue the certificate into `secretName`. @default - the Secret is provided by someone else */
  readonly certManager?: CertManagerTls;
}

/** Typed ingress-nginx annotations (the ones users reach for). */
export interface NginxOptions {
  /** `ssl-redirect`: redirect HTTP to HTTPS when the host has TLS. @default - the controller's default (true) */
  readonly sslRedirect?: boolean;
  /** `force-ssl-redirect`: redirect HTTP to HTTPS even without TLS on this Ingress (TLS ends in front of nginx). @default - the controller's default (false) */
  readonly forceSslRedirect?: boolean;
  /** `proxy-body-size`: largest request body, nginx size (`8m`, `512k`, `1g`, `100b`, `0` = unlimited). @default - the controller's default ("1m") */
  readonly proxyBodySize?: string;
  /** `backend-protocol`: what nginx speaks to the backend. @default - the controller's default ("HTTP") */
  readonly backendProtocol?: BackendProtocol;
  /** `rewrite-target`: rewrite the matched path (may use `$1`… from the path's regex groups); needs `ImplementationSpecific` paths. @default - no rewrite */
  readonly rewriteTarget?: string;
  /** `use-regex`: treat paths as regular expressions; needs `ImplementationSpecific` paths. @default false */
  readonly useRegex?: boolean;
}

/** Host and path routing through the ingress controller. */
export interface IngressRoutesProps extends NginxOptions {
  /** Name of the Ingress (and prefix of nothing else). */
  readonly name: string;
  /** IngressClass of the controller that serves it. @default "nginx" */
  readonly className?: string;
  /** Hosts and their paths. */
  readonly hosts: RouteHost[];
  /** TLS certificates. @default - plain HTTP only */
  readonly tls?: RouteTls[];
  /**
   * Which objects to write: `Ingress` (ingress-nginx), `HTTPRoute` (Gateway API `gateway.networking.k8s.io/v1`),
   * or `both` while migrating. @default - the environment's `routeOutput`, which defaults to "Ingress"
   */
  readonly output?: RouteOutput;
  /** The Gateway the HTTPRoutes attach to: an HttpGateway of this app or one the operators manage. @default - the environment's only HttpGateway */
  readonly gateway?: HttpGateway | GatewayRef;
  /** Raw annotations, the escape hatch for what `NginxOptions` does not cover. @default - none */
  readonly annotations?: Record<string, string>;
  /**
   * Allow `*-snippet` annotations. ingress-nginx refuses them unless its operators set
   * `allow-snippet-annotations: true` (off by default since v1.9: they inject raw nginx config). @default false
   */
  readonly allowSnippetAnnotations?: boolean;
}

/** One checked route: what a host + path sends where. */
export interface ResolvedRoute {
  /** Host the route serves. */
  readonly host: string;
  /** Path of the route. */
  readonly path: string;
  /** How the path matches. */
  readonly pathType: RoutePathType;
  /** Whether the backend gets the path without its prefix (a path other than "/" with `prefix: "strip"`). */
  readonly stripPrefix: boolean;
  /** Name of the backend Service. */
  readonly serviceName: string;
  /** Namespace of the backend Service when it is not the route's (HTTPRoute output only). @default - the route's */
  readonly serviceNamespace?: string;
  /** Port of the backend Service. */
  readonly port: number;
}

/** One checked TLS entry. */
export interface ResolvedTls {
  /** Hosts the certificate covers. */
  readonly hosts: readonly string[];
  /** Secret holding the certificate and key. */
  readonly secretName: string;
  /** How cert-manager fills the Secret, with its defaults applied. @default - none: the Secret is provided */
  readonly certManager?: Required<CertManagerTls>;
}

const NGINX = 'nginx.ingress.kubernetes.io/';
/** Annotations our typed props write, and the prop to use instead of the raw annotation. */
const TYPED_ANNOTATIONS: Record<string, string> = {
  [`${NGINX}ssl-redirect`]: 'sslRedirect',
  [`${NGINX}force-ssl-redirect`]: 'forceSslRedirect',
  [`${NGINX}proxy-body-size`]: 'proxyBodySize',
  [`${NGINX}backend-protocol`]: 'backendProtocol',
  [`${NGINX}rewrite-target`]: 'rewriteTarget',
  [`${NGINX}use-regex`]: 'useRegex',
  'cert-manager.io/cluster-issuer': 'tls[].certManager (via: "annotation")',
  'cert-manager.io/issuer': 'tls[].certManager (issuerKind: "Issuer", via: "annotation")',
};

/** True when TLS host `tlsHost` (maybe `*.x`) covers rule host `host`. */
function covers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) return true;
  return tlsHost.startsWith('*.') && !host.startsWith('*.') && host.slice(host.indexOf('.') + 1) === tlsHost.slice(2);
}

/**
 * An `networking.k8s.io/v1` Ingress for the nginx ingress controller: hosts → paths → Services of this app,
 * TLS from a Secret or cert-manager, typed nginx annotations. Refused at synth: paths ingress-nginx would
 * reject, backends on ports their Service does not expose, TLS hosts no rule serves, and the same host +
 * path routed twice anywhere in the environment (naming both).
 */
export class IngressRoutes extends Construct {
  /** Name of the Ingress. */
  public readonly name: string;
  /** IngressClass name. */
  public readonly className: string;
  /** The checked routes, in the order given. */
  public readonly routes: readonly ResolvedRoute[];
  /** The checked TLS entries. */
  public readonly tls: readonly ResolvedTls[];
  /** Which objects are written. */
  public readonly output: RouteOutput;
  /** The Ingress of the paths that reach the backend unchanged (unless output is "HTTPRoute" or every path strips its prefix). */
  public readonly ingress?: kplus.Ingress;
  /** The Ingress `<name>-strip` of the paths with `prefix: "strip"` (regex paths and `rewrite-target`), when there are any and an Ingress is written. */
  public readonly stripIngress?: kplus.Ingress;
  /** The HTTPRoutes, one per host plus one per host redirected to HTTPS (unless output is "Ingress"). */
  public readonly httpRoutes: readonly HttpRoute[];
  /** ReferenceGrants letting the HTTPRoutes reach Services in other namespaces. */
  public readonly referenceGrants: readonly ReferenceGrant[];
  /** cert-manager Certificates written beside the Ingress (one per TLS entry that asks for one). */
  public readonly certificates: readonly Certificate[];

  constructor(scope: Construct, id: string, props: IngressRoutesProps) {
    super(scope, uniqueId(scope, id));
    // Refused input leaves nothing in the tree: remove the half-built construct before rethrowing.
    try {
      checkProps(this, props, INGRESS_ROUTES, new.target === IngressRoutes);
      const env = Environment.of(this);
      this.name = checkDnsSubdomain(this, 'name', props.name);
      this.className = checkDnsSubdomain(this, 'className', props.className ?? 'nginx');
      this.output = checkOneOf(this, 'output', props.output ?? env.routeOutput, ROUTE_OUTPUTS);
      const gateway = this.output === 'Ingress' ? undefined : this.gatewayOf(props.gateway, env);
      const annotations = this.annotations(props);
      const regexPaths = props.rewriteTarget !== undefined || props.useRegex === true;

      if (!Array.isArray(props.hosts) || props.hosts.length === 0) fail(this, 'hosts', props.hosts, 'must list at least one host and its paths');
      const routes: ResolvedRoute[] = [];
      const seen = new Map<string, string>();
      props.hosts.forEach((h, i) => {
        const host = checkRouteHost(this, `hosts[${i}].host`, h.host);
        if (seen.has(host)) fail(this, `hosts[${i}].host`, host, `is already listed as ${seen.get(host)}; give each host once with all its paths`);
        seen.set(host, `hosts[${i}]`);
        if (!Array.isArray(h.paths) || h.paths.length === 0) fail(this, `hosts[${i}].paths`, h.paths, 'must list at least one path');
        const paths = new Set<string>();
        h.paths.forEach((p, j) => {
          const field = `hosts[${i}].paths[${j}]`;
          const route = this.route(host, p, field, regexPaths, props.rewriteTarget);
          if (paths.has(route.path)) fail(this, `${field}.path`, route.path, `is listed twice for host ${host}`);
          paths.add(route.path);
          routes.push(route);
        });
      });
      this.routes = routes;
      this.tls = (props.tls ?? []).map((t, i) => this.tlsEntry(t, `tls[${i}]`, routes));
      const tlsHosts = new Map<string, string>();
      this.tls.forEach((t, i) => t.hosts.forEach((host) => {
        const other = tlsHosts.get(host);
        if (other !== undefined) fail(this, `tls[${i}].hosts`, host, `already has a certificate in ${other}; give each host one TLS entry`);
        tlsHosts.set(host, `tls[${i}]`);
      }));

      const byAnnotation = this.tls.flatMap((t) => (t.certManager?.via === 'annotation' ? [t.certManager] : []));
      if (byAnnotation.length > 0) {
        const first = byAnnotation[0];
        if (byAnnotation.some((c) => c.issuer !== first.issuer || c.issuerKind !== first.issuerKind)) {
          fail(this, 'tls[].certManager', byAnnotation.map((c) => c.issuer), 'asks for different issuers through the annotation, which is one per Ingress; use via: "certificate"');
        }
        annotations[first.issuerKind === 'Issuer' ? 'cert-manager.io/issuer' : 'cert-manager.io/cluster-issuer'] = first.issuer;
      }

      if (this.output !== 'HTTPRoute') {
        // ingress-nginx: rewrite-target is an annotation of the whole Ingress (internal/ingress/annotations/rewrite), so
        // the paths that strip their prefix get an Ingress of their own.
        const kept = routes.filter((r) => !r.stripPrefix);
        const stripped = routes.filter((r) => r.stripPrefix);
        if (stripped.length > 0 && byAnnotation.length > 0) {
          fail(this, 'tls[].certManager.via', 'annotation',
            `cannot be used with paths of prefix "strip": they are a second Ingress "${this.name}-strip", and cert-manager would issue each annotated Ingress's Secret on its own; use via: "certificate"`);
        }
        if (kept.length > 0) this.ingress = this.writeIngress('Ingress', this.name, kept, annotations);
        if (stripped.length > 0) {
          this.stripIngress = this.writeIngress('Ingress-strip', `${this.name}-strip`, stripped,
            { ...annotations, [`${NGINX}rewrite-target`]: STRIP_REWRITE_TARGET, [`${NGINX}use-regex`]: 'true' });
        }
      }
      const written = gateway === undefined ? { routes: [], grants: [], attach: () => undefined } : writeHttpRoutes(this, {
        name: this.name,
        routes,
        tlsSecretOf: (host) => this.tls.find((t) => t.hosts.some((h) => covers(h, host)))?.secretName,
        annotations,
        gateway,
      });
      this.httpRoutes = written.routes;
      this.referenceGrants = written.grants;

      this.certificates = this.tls.flatMap((t, i) => {
        const c = t.certManager;
        if (c?.via !== 'certificate') return [];
        return [new Certificate(this, `Certificate-${i}`, {
          metadata: { name: t.secretName },
          spec: { secretName: t.secretName, dnsNames: [...t.hosts], issuerRef: { name: c.issuer, kind: c.issuerKind, group: 'cert-manager.io' } },
        })];
      });

      // Registered last: a refused Ingress must not leave claims behind. Each output is its own entry point:
      // the ingress class for the Ingress, the Gateway for the HTTPRoutes.
      const entries = [
        ...(this.ingress ? [`ingress class "${this.className}"`] : []),
        ...(gateway ? [`Gateway ${gatewayKey(gateway, Chart.of(this).namespace)}`] : []),
      ];
      for (const entry of entries) {
        for (const [i, r] of routes.entries()) {
          env.uniques.claim(`host + path (one backend per route, ${entry})`, `${entry} ${r.host}${r.path}`, this, `route ${i + 1}`, `${r.host}${r.path}`);
        }
        for (const [i, t] of this.tls.entries()) {
          for (const host of t.hosts) env.uniques.agree(`TLS Secret of a host (${entry})`, `${entry} ${host}`, t.secretName, this, `tls[${i}].secretName`, host);
        }
      }
      // On the Gateway last: a refused IngressRoutes leaves no listener and no route namespace there.
      written.attach();
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /** One Ingress for `routes`, with the TLS entries of their hosts; paths that strip their prefix as nginx regexes. */
  private writeIngress(id: string, name: string, routes: readonly ResolvedRoute[], annotations: Record<string, string>): kplus.Ingress {
    const ingress = new kplus.Ingress(this, id, {
      metadata: { name: checkDnsSubdomain(this, 'name', name), annotations: Object.keys(annotations).length > 0 ? sortKeys(annotations) : undefined },
      className: this.className,
    });
    for (const r of routes) {
      // ingress-nginx: internal/ingress/inspector/inspector.go ValidatePathType (strict-validate-path-type): a regex path needs ImplementationSpecific.
      const [path, pathType] = r.stripPrefix ? [stripPrefixRegex(r.path), 'ImplementationSpecific'] : [r.path, r.pathType];
      ingress.addHostRule(r.host, path, serviceBackend(r.serviceName, r.port), pathType as kplus.HttpIngressPathType);
    }
    const hosts = [...new Set(routes.map((r) => r.host))];
    ingress.addTls(this.tls.flatMap((t) => {
      const served = t.hosts.filter((h) => hosts.some((host) => covers(h, host)));
      const secretId = id === 'Ingress' ? `tls-${t.secretName}` : `${id}-tls-${t.secretName}`;
      return served.length === 0 ? [] : [{ hosts: served, secret: kplus.Secret.fromSecretName(this, secretId, t.secretName) }];
    }));
    return ingress;
  }

  private gatewayOf(given: HttpGateway | GatewayRef | undefined, env: Environment): HttpGateway | GatewayRef {
    if (given !== undefined) {
      if (!(given instanceof HttpGateway)) {
        checkDnsSubdomain(this, 'gateway.name', given.name);
        if (given.namespace !== undefined) checkDnsLabel(this, 'gateway.namespace', given.namespace);
      }
      return given;
    }
    const own = env.gateways.filter((g): g is HttpGateway => g instanceof HttpGateway);
    if (own.length !== 1) {
      fail(this, 'gateway', undefined, `is required for output "${this.output}": the environment has ${own.length === 0 ? 'no HttpGateway' : `${own.length} HttpGateways (${own.map((g) => g.node.path).join(', ')})`} to default to`);
    }
    return own[0];
  }

  private annotations(props: IngressRoutesProps): Record<string, string> {
    const raw = checkAnnotations(this, 'annotations', props.annotations);
    const allowSnippets = checkBoolean(this, 'allowSnippetAnnotations', props.allowSnippetAnnotations ?? false);
    const typed: Record<string, string> = {};
    // Raw annotations must not bypass the typed options' checks: each typed annotation comes from its prop only.
    for (const key of Object.keys(raw)) {
      const option = TYPED_ANNOTATIONS[key];
      if (option !== undefined) fail(this, 'annotations key', key, `is written by the typed option ${option}: set ${option} instead (a raw annotation would skip its checks)`);
      const reason = nginxAnnotationProblem(key, raw[key]);
      if (reason !== undefined) fail(this, `annotations[${JSON.stringify(key)}]`, raw[key], reason);
    }
    const set = (option: keyof NginxOptions, key: string, value: string | undefined) => {
      if (value === undefined) return;
      const reason = nginxAnnotationProblem(NGINX + key, value);
      if (reason !== undefined) fail(this, option, value, reason);
      typed[NGINX + key] = value;
    };
    const bool = (option: 'sslRedirect' | 'forceSslRedirect' | 'useRegex') =>
      props[option] === undefined ? undefined : String(checkBoolean(this, option, props[option]));
    set('sslRedirect', 'ssl-redirect', bool('sslRedirect'));
    set('forceSslRedirect', 'force-ssl-redirect', bool('forceSslRedirect'));
    set('useRegex', 'use-regex', bool('useRegex'));
    // The size rule itself is ingress-nginx's (nginxAnnotationProblem, run by set).
    set('proxyBodySize', 'proxy-body-size', props.proxyBodySize === undefined ? undefined : checkString(this, 'proxyBodySize', props.proxyBodySize));
    set('backendProtocol', 'backend-protocol', props.backendProtocol === undefined ? undefined : checkOneOf(this, 'backendProtocol', props.backendProtocol, BACKEND_PROTOCOLS));
    set('rewriteTarget', 'rewrite-target', props.rewriteTarget === undefined ? undefined : checkString(this, 'rewriteTarget', props.rewriteTarget));
    for (const key of Object.keys(raw)) {
      if (key.endsWith('-snippet') && !allowSnippets) {
        fail(this, 'annotations key', key,
          'is a snippet annotation, which ingress-nginx rejects unless its operators enabled allow-snippet-annotations; set allowSnippetAnnotations: true if yours did');
      }
    }
    return { ...raw, ...typed };
  }

  private route(host: string, p: RoutePath, field: string, regexPaths: boolean, rewriteTarget: string | undefined): ResolvedRoute {
    const path = p.path ?? '/';
    const pathType = checkOneOf(this, `${field}.pathType`, p.pathType ?? 'Prefix', PATH_TYPES);
    if (typeof path !== 'string' || !path.startsWith('/')) fail(this, `${field}.path`, path, 'must start with "/"');
    // Ingress rules where an Ingress is written; the HTTPRoute rules (below) where an HTTPRoute is.
    const pathReason = this.output === 'HTTPRoute' ? undefined : apiServerIngressPathProblem(path, pathType) ?? nginxPathProblem(path, pathType);
    if (pathReason !== undefined) fail(this, `${field}.path`, path, pathReason);
    if (regexPaths && pathType !== 'ImplementationSpecific') {
      fail(this, `${field}.pathType`, pathType,
        `cannot be used with ${rewriteTarget !== undefined ? 'rewriteTarget' : 'useRegex'}: nginx then treats every path as a regular expression, so each must be ImplementationSpecific`);
    }
    if (regexPaths) {
      const regexReason = re2Problem(path);
      if (regexReason !== undefined) fail(this, `${field}.path`, path, regexReason);
      const groups = re2Groups(path);
      const used = Math.max(0, ...[...(rewriteTarget ?? '').matchAll(/\$(\d)/g)].map((m) => Number(m[1])));
      if (used > groups) fail(this, 'rewriteTarget', rewriteTarget, `uses $${used} but path ${show(path)} (${field}) has only ${groups} capture group(s)`);
    }
    if (this.output !== 'Ingress' && rewriteTarget === undefined && (regexPaths || pathType !== 'ImplementationSpecific')) {
      const reason = httpRoutePathProblem(regexPaths ? 'RegularExpression' : pathType === 'Exact' ? 'Exact' : 'PathPrefix', path);
      if (reason !== undefined) fail(this, `${field}.path`, path, `${reason} (output "${this.output}" writes it into an HTTPRoute)`);
    }
    const stripPrefix = this.prefixHandling(p, field, path, pathType, regexPaths, rewriteTarget);
    const { serviceName, serviceNamespace, port } = this.backend(p.backend, `${field}.backend`);
    return { host, path, pathType, stripPrefix, serviceName, serviceNamespace, port };
  }

  /** Whether the path strips its prefix: stated for every path but "/", unless rewriteTarget states the rewrite. */
  private prefixHandling(p: RoutePath, field: string, path: string, pathType: RoutePathType, regexPaths: boolean, rewriteTarget: string | undefined): boolean {
    const prefix = p.prefix === undefined ? undefined : checkOneOf(this, `${field}.prefix`, p.prefix, PREFIX_HANDLING);
    if (rewriteTarget !== undefined) {
      if (prefix !== undefined) fail(this, `${field}.prefix`, prefix, 'cannot be combined with rewriteTarget, which already states what the backend sees; give one');
      return false;
    }
    if (path === '/') return false;
    if (prefix === undefined) {
      fail(this, `${field}.prefix`, undefined,
        `must be stated for path ${show(path)}: "strip" if the backend serves this content at "/" (${show(`${path}/x`)} reaches it as "/x"), or "keep" if it serves under ${show(path)} itself (an app serving at "/" answers 404 to a prefix it does not know)`);
    }
    if (prefix === 'keep') return false;
    if (regexPaths) {
      fail(this, `${field}.prefix`, prefix, 'cannot be "strip" with useRegex: the path is already a regular expression; write the rewrite yourself with rewriteTarget, or use "keep"');
    }
    // Gateway API: apis/v1/httproute_types.go HTTPRouteRule XValidation "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"
    if (pathType !== 'Prefix') fail(this, `${field}.prefix`, prefix, `needs pathType "Prefix", not ${show(pathType)}: a prefix is stripped from a Prefix match only (Gateway API ReplacePrefixMatch)`);
    if (path.endsWith('/')) fail(this, `${field}.path`, path, `ends with "/": write ${show(path.replace(/\/+$/, ''))} to strip the prefix (the match covers it with and without the slash)`);
    return true;
  }

  private backend(b: RouteBackend | undefined, field: string): { serviceName: string; serviceNamespace?: string; port: number } {
    if (b?.serviceByName !== undefined) {
      if (b.service !== undefined) fail(this, `${field}.serviceByName`, b.serviceByName.name, 'cannot be combined with service; give one');
      return {
        serviceName: checkDnsLabel(this, `${field}.serviceByName.name`, b.serviceByName.name),
        port: checkPort(this, `${field}.serviceByName.port`, b.serviceByName.port),
      };
    }
    const target = b?.service;
    const service = target instanceof kplus.Service ? target : target?.service;
    if (!(service instanceof kplus.Service)) {
      return fail(this, `${field}.service`, target === undefined ? undefined : target.node.path,
        target === undefined ? 'is missing: give a Service of this app (or opt in to serviceByName)' : 'has no Service to route to');
    }
    const mine = Chart.of(this).namespace;
    const theirs = Chart.of(service).namespace;
    if (mine !== theirs && this.output !== 'HTTPRoute') {
      fail(this, `${field}.service`, service.node.path, `is in namespace ${show(theirs)}, but an Ingress can only route to Services in its own namespace ${show(mine)} (an HTTPRoute can, with output "HTTPRoute")`);
    }
    const serviceNamespace = mine !== theirs ? theirs : undefined;
    const ports = service.ports.map((sp) => sp.port);
    const exposed = `${service.name} exposes ${ports.join(', ') || 'no ports'}`;
    if (b!.port === undefined) {
      if (ports.length !== 1) fail(this, `${field}.port`, undefined, `must be given: ${exposed}`);
      return { serviceName: service.name, serviceNamespace, port: ports[0] };
    }
    const port = checkPort(this, `${field}.port`, b!.port);
    if (!ports.includes(port)) fail(this, `${field}.port`, port, `is not a port of Service ${exposed}`);
    return { serviceName: service.name, serviceNamespace, port };
  }

  private tlsEntry(t: RouteTls, field: string, routes: readonly ResolvedRoute[]): ResolvedTls {
    if (!Array.isArray(t.hosts) || t.hosts.length === 0) fail(this, `${field}.hosts`, t.hosts, 'must list at least one host');
    const ruleHosts = [...new Set(routes.map((r) => r.host))];
    const hosts = t.hosts.map((h, j) => {
      const host = checkRouteHost(this, `${field}.hosts[${j}]`, h);
      if (!ruleHosts.some((r) => covers(host, r))) {
        fail(this, `${field}.hosts[${j}]`, host, `is served by no rule of this Ingress (rule hosts: ${ruleHosts.join(', ')}); a TLS host must be a rule host`);
      }
      return host;
    });
    const secretName = checkDnsSubdomain(this, `${field}.secretName`, t.secretName);
    const c = t.certManager;
    const certManager = c === undefined ? undefined : {
      issuer: checkDnsSubdomain(this, `${field}.certManager.issuer`, c.issuer),
      issuerKind: checkOneOf(this, `${field}.certManager.issuerKind`, c.issuerKind ?? 'ClusterIssuer', ['ClusterIssuer', 'Issuer']),
      via: checkOneOf(this, `${field}.certManager.via`, c.via ?? 'certificate', ['certificate', 'annotation']),
    };
    return { hosts, secretName, certManager };
  }
}

/**
 * An Ingress backend for a Service name and port, both already checked. cdk8s-plus-27 builds backends only
 * from a Service object (fromService reads just its `name` and `ports`), so a by-name backend is given that shape.
 */
function serviceBackend(name: string, port: number): kplus.IngressBackend {
  return kplus.IngressBackend.fromService({ name, ports: [{ port }] } as unknown as kplus.Service, { port });
}

/** `namespace/name` of the Gateway routes attach to. */
function gatewayKey(gateway: HttpGateway | GatewayRef, routeNamespace: string | undefined): string {
  return `${gateway.namespace ?? routeNamespace}/${gateway.name}`;
}

/** The rewrite-target of an Ingress whose paths are {@link stripPrefixRegex}: the rest after the prefix. */
export const STRIP_REWRITE_TARGET = '/$2';

/**
 * The ingress-nginx regex of a Prefix path whose prefix is stripped (the upstream docs' idiom, rewritten to `/$2`):
 * `/hello` matches `/hello`, `/hello/` and `/hello/…` but not `/hellox`, as a Prefix path does. A `.` matches itself.
 * (ingress-nginx matches regex locations case-insensitively, `location ~*`.)
 */
export function stripPrefixRegex(path: string): string {
  return `${path.replace(/\./g, '[.]')}(/|$)(.*)`;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}

/**
 * IngressRoutes as Gateway API HTTPRoutes: the same hosts, paths, backends and TLS, with each nginx
 * option either mapped to its Gateway API filter or refused by name (never dropped silently).
 */
import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  HttpRoute, HttpRouteSpecRules, HttpRouteSpecRulesFilters, HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode, HttpRouteSpecRulesFiltersType, HttpRouteSpecRulesFiltersUrlRewritePathType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/gateway-api-httproute-gateway.networking.k8s.io';
import { ReferenceGrant } from '../../imports/gateway-api-referencegrant-gateway.networking.k8s.io';
import { GatewayRef, hostSlug, HttpGateway } from './http-gateway';
import { fail } from '../checks/validation';

/** One checked route, as IngressRoutes resolved it. */
export interface RouteToTranslate {
  /** Host the route serves. */
  readonly host: string;
  /** Path of the route. */
  readonly path: string;
  /** How the path matches. */
  readonly pathType: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  /** The backend gets the path without this Prefix path (`prefix: "strip"`). @default false */
  readonly stripPrefix?: boolean;
  /** Name of the backend Service. */
  readonly serviceName: string;
  /** Namespace of the Service when it is not the route's. @default - the route's */
  readonly serviceNamespace?: string;
  /** Port of the backend Service. */
  readonly port: number;
}

/** Everything the translation reads. */
export interface HttpRouteInput {
  /** Base name of the HTTPRoutes (the Ingress name). */
  readonly name: string;
  /** The Ingress's routes, one per host and path. */
  readonly routes: readonly RouteToTranslate[];
  /** For each host with TLS, its Secret. */
  readonly tlsSecretOf: (host: string) => string | undefined;
  /** The options and annotations that would go on the Ingress (typed ones already turned into annotations). */
  readonly annotations: Readonly<Record<string, string>>;
  /** The Gateway the routes attach to. */
  readonly gateway: HttpGateway | GatewayRef;
}

const NGINX = 'nginx.ingress.kubernetes.io/';
/** Annotations the Ingress carries that say nothing the HTTPRoutes must carry over (cert-manager's are refused apart). */
const HANDLED = new Set([`${NGINX}ssl-redirect`, `${NGINX}force-ssl-redirect`, `${NGINX}use-regex`, `${NGINX}rewrite-target`]);
/** Annotation prefixes only Ingress controllers (and cert-manager's ingress-shim) read: on an HTTPRoute they would do nothing. */
const INGRESS_ONLY = [
  'kubernetes.io/ingress.', 'ingress.kubernetes.io/', 'nginx.org/', 'cert-manager.io/', 'acme.cert-manager.io/',
  'traefik.ingress.kubernetes.io/', 'alb.ingress.kubernetes.io/', 'haproxy.org/',
];
/** nginx annotations that set a request header, and the header. */
const REQUEST_HEADERS: Record<string, string> = { [`${NGINX}upstream-vhost`]: 'Host', [`${NGINX}x-forwarded-prefix`]: 'X-Forwarded-Prefix' };
/** The ingress-nginx docs' strip-prefix idiom: path `/p(/|$)(.*)` rewritten to `/$2`. */
const STRIP_PREFIX = /^(\/[A-Za-z0-9_/-]*[A-Za-z0-9_-])\(\/\|\$\)\(\.\*\)$/;

/** The URLRewrite filter that strips a PathPrefix match: the backend sees the rest of the path. */
const STRIP_PREFIX_FILTER: HttpRouteSpecRulesFilters = {
  type: HttpRouteSpecRulesFiltersType.URL_REWRITE,
  urlRewrite: { path: { type: HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH, replacePrefixMatch: '/' } },
};

function untranslatable(where: IConstruct, key: string, value: string, why: string): never {
  return fail(where, 'annotations key', key,
    `(value ${JSON.stringify(value)}) has no Gateway API equivalent (${why}), so the HTTPRoute would silently lose it; remove it, or keep output "Ingress" for these routes`);
}

/**
 * Writes one HTTPRoute per host under `scope` (plus a redirect HTTPRoute on the HTTP listener for hosts
 * nginx would redirect to HTTPS), and a ReferenceGrant in each other namespace a backend lives in.
 * Refuses every annotation that has no Gateway API equivalent, naming it.
 */
export function writeHttpRoutes(scope: Construct, input: HttpRouteInput): {
  /** One HTTPRoute per host. */
  routes: HttpRoute[];
  /** ReferenceGrants for backends in other namespaces. */
  grants: ReferenceGrant[];
  /**
   * Registers the routes on an HttpGateway (their HTTPS listeners and namespace). Call it last, once nothing
   * can refuse the construct any more: a refused construct leaves nothing on the Gateway.
   */
  attach: () => void;
} {
  const a = input.annotations;
  const carried: Record<string, string> = {};
  for (const [key, value] of Object.entries(a)) {
    if (key === 'cert-manager.io/cluster-issuer' || key === 'cert-manager.io/issuer') {
      untranslatable(scope, key, value, 'cert-manager reads it from Ingresses only; use certManager.via "certificate"');
    }
    const ingressOnly = INGRESS_ONLY.find((prefix) => key.startsWith(prefix));
    if (ingressOnly !== undefined) untranslatable(scope, key, value, `"${ingressOnly}…" annotations are read from Ingresses only`);
    if (!key.startsWith(NGINX)) {
      // Any other annotation (owner, team, tooling) is carried over to the HTTPRoutes, never dropped.
      carried[key] = value;
      continue;
    }
    if (HANDLED.has(key) || key in REQUEST_HEADERS) continue;
    if (key === `${NGINX}backend-protocol` && value === 'HTTP') continue;
    untranslatable(scope, key, value, key === `${NGINX}proxy-body-size` ? 'request body limits are implementation policy, not part of HTTPRoute'
      : key === `${NGINX}backend-protocol` ? 'HTTPS or gRPC to the backend needs BackendTLSPolicy or GRPCRoute, not in the standard channel v1.2'
        : 'it is nginx configuration');
  }
  const regex = a[`${NGINX}use-regex`] === 'true' || a[`${NGINX}rewrite-target`] !== undefined;
  const rewrite = a[`${NGINX}rewrite-target`];
  const headers = Object.entries(REQUEST_HEADERS).filter(([key]) => a[key] !== undefined).map(([key, header]) => ({ name: header, value: a[key] }));
  const forceRedirect = a[`${NGINX}force-ssl-redirect`] === 'true';
  const sslRedirect = a[`${NGINX}ssl-redirect`] !== 'false';
  const routeNamespace = Chart.of(scope).namespace;
  const gw = input.gateway;
  const ref = gw instanceof HttpGateway ? gw.ref : gw;
  const listeners: Array<{ host: string; secret: string }> = [];
  const names = new Map<string, string>();
  const parent = (sectionName: string) => ({ name: ref.name, namespace: ref.namespace, sectionName });
  const httpListener = ref.httpListener ?? 'http';

  const routes: HttpRoute[] = [];
  const hosts = [...new Set(input.routes.map((r) => r.host))];
  for (const host of hosts) {
    const secret = input.tlsSecretOf(host);
    const https = secret === undefined ? undefined
      : gw instanceof HttpGateway ? gw.checkHttpsListener(host, secret, routeNamespace, scope) : (ref.httpsListener ?? 'https');
    if (gw instanceof HttpGateway && secret !== undefined) listeners.push({ host, secret });
    const redirect = (https !== undefined && sslRedirect) || forceRedirect;
    const rules: HttpRouteSpecRules[] = input.routes.filter((r) => r.host === host).map((r) => {
      const filters: HttpRouteSpecRulesFilters[] = [];
      let path: { type: HttpRouteSpecRulesMatchesPathType; value: string };
      if (rewrite !== undefined) {
        const m = STRIP_PREFIX.exec(r.path);
        if (!m || rewrite !== '/$2') {
          untranslatable(scope, `${NGINX}rewrite-target`, rewrite,
            `only the strip-prefix form, path "/prefix(/|$)(.*)" with "/$2", maps to a URLRewrite filter; path ${JSON.stringify(r.path)} does not`);
        }
        path = { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: m[1] };
        filters.push(STRIP_PREFIX_FILTER);
      } else if (regex) {
        path = { type: HttpRouteSpecRulesMatchesPathType.REGULAR_EXPRESSION, value: r.path };
      } else if (r.pathType === 'ImplementationSpecific') {
        return fail(scope, 'pathType', r.pathType,
          `of path ${JSON.stringify(r.path)} has no Gateway API equivalent (nginx matches it as a plain string prefix, PathPrefix matches whole segments); use Prefix or Exact`);
      } else {
        path = { type: r.pathType === 'Exact' ? HttpRouteSpecRulesMatchesPathType.EXACT : HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: r.path };
        // Gateway API: ReplacePrefixMatch "/" turns "/hello/x" into "/x" and "/hello" into "/" (a PathPrefix match only, checked by IngressRoutes).
        if (r.stripPrefix) filters.push(STRIP_PREFIX_FILTER);
      }
      if (headers.length > 0) filters.push({ type: HttpRouteSpecRulesFiltersType.REQUEST_HEADER_MODIFIER, requestHeaderModifier: { set: headers } });
      return {
        matches: [{ path }],
        filters: filters.length > 0 ? filters : undefined,
        backendRefs: [{ name: r.serviceName, namespace: r.serviceNamespace, port: r.port }],
      };
    });
    const base = `${input.name}-${hostSlug(host)}`;
    // API server: metadata.name of a custom resource is a DNS-1123 subdomain (at most 253 characters), unique per namespace and kind.
    const other = names.get(base);
    if (other !== undefined) {
      fail(scope, 'hosts', host, `gives HTTPRoute name "${base}" (and HTTPS listener "https-${hostSlug(host)}"), as host ${other} does: hosts that differ only by "." versus "-" collide; serve them from two IngressRoutes with different names`);
    }
    names.set(base, host);
    const longest = redirect ? `${base}-redirect` : base;
    if (longest.length > 253) {
      fail(scope, 'hosts', host, `makes HTTPRoute name "${longest.slice(0, 40)}…" of ${longest.length} characters; names are at most 253: shorten the IngressRoutes name or the host`);
    }
    // Without a redirect, a TLS host is served on both listeners, as nginx serves it on both ports.
    const parents = https === undefined ? [parent(httpListener)] : redirect ? [parent(https)] : [parent(httpListener), parent(https)];
    const annotations = Object.keys(carried).length > 0 ? carried : undefined;
    routes.push(new HttpRoute(scope, `HTTPRoute-${host}`, { metadata: { name: base, annotations }, spec: { parentRefs: parents, hostnames: [host], rules } }));
    if (redirect) {
      routes.push(new HttpRoute(scope, `HTTPRoute-${host}-redirect`, {
        metadata: { name: `${base}-redirect`, annotations },
        spec: {
          parentRefs: [parent(httpListener)],
          hostnames: [host],
          // nginx answers 308; the standard channel offers 301 and 302, and 301 is the permanent one.
          rules: [{ filters: [{ type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT, requestRedirect: { scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS, statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301 } }] }],
        },
      }));
    }
  }

  const grants: ReferenceGrant[] = [];
  for (const ns of [...new Set(input.routes.flatMap((r) => (r.serviceNamespace ? [r.serviceNamespace] : [])))].sort()) {
    grants.push(new ReferenceGrant(scope, `ReferenceGrant-${ns}`, {
      metadata: { name: `${input.name}-from-${routeNamespace}`, namespace: ns },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: routeNamespace! }],
        to: [...new Set(input.routes.filter((r) => r.serviceNamespace === ns).map((r) => r.serviceName))].sort().map((name) => ({ group: '', kind: 'Service', name })),
      },
    }));
  }
  const attach = () => {
    if (!(gw instanceof HttpGateway)) return;
    if (routeNamespace) gw.allowRoutesFrom(routeNamespace);
    for (const l of listeners) gw.httpsListener(l.host, l.secret, routeNamespace, scope);
  };
  return { routes, grants, attach };
}

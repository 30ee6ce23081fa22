/**
 * What Gateway API (the CRDs' validation rules) and its implementations (NGINX Gateway Fabric, and the
 * RE2 engines of Envoy-based ones) refuse or ignore in Gateways and HTTPRoutes.
 */
import { RE2JS } from 're2js';
import { checkLabelSelector, show, ValidationError } from './validation';
import type { Manifest, RenderedObjects } from './index';

// Gateway API: apis/v1/httproute_types.go HTTPPathMatch XValidation rules (Exact and PathPrefix)
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F', '#'];
const INVALID_SUFFIXES = ['/..', '/.'];
// NGINX Gateway Fabric: internal/controller/nginx/config/validation/common.go pathFmt (validatePathInMatch, validatePathInRegexMatch)
const NGF_PATH = /^\/[^\s{};]*$/;

/**
 * Why an HTTPRoute path match is refused, or undefined: the CRD's rules for `Exact`/`PathPrefix` (checked
 * here at construction for a better message; at synth the CEL check evaluates them from the CRD itself),
 * then {@link implementationPathProblem}.
 */
export function httpRoutePathProblem(type: string, value: string): string | undefined {
  if (type === 'Exact' || type === 'PathPrefix') {
    if (!value.startsWith('/')) return `must start with "/" (type ${type})`;
    const seq = INVALID_SEQUENCES.find((s) => value.includes(s));
    if (seq) return `contains "${seq}", which the HTTPRoute CRD refuses in a ${type} path`;
    const suffix = INVALID_SUFFIXES.find((s) => value.endsWith(s));
    if (suffix) return `ends with "${suffix}", which the HTTPRoute CRD refuses in a ${type} path`;
    if (!PATH_CHARS.test(value)) return `has characters the HTTPRoute CRD refuses in a ${type} path (letters, digits, "-./_~!$&'()*+,;=:@" and %XX escapes)`;
  }
  return implementationPathProblem(type, value);
}

/**
 * Why the implementations refuse an HTTPRoute path the CRD allows, or undefined: NGINX Gateway Fabric's path
 * shape, and for `RegularExpression` RE2 syntax (Envoy-based implementations evaluate RE2; NGF's engine
 * accepts every RE2 expression), so the route is portable.
 */
export function implementationPathProblem(type: string, value: string): string | undefined {
  // An Exact/PathPrefix path not starting with "/" is the CRD's own rule (reported once, by the CEL check).
  if (type !== 'RegularExpression' && !value.startsWith('/')) return undefined;
  if (!NGF_PATH.test(value)) {
    return `has whitespace, "{", "}" or ";" or does not start with "/", which NGINX Gateway Fabric refuses in a path${type === 'RegularExpression' ? ' (a regex cannot use "{n}" quantifiers there)' : ''}`;
  }
  if (type === 'RegularExpression') {
    try {
      RE2JS.compile(value);
    } catch (e) {
      return `is not a valid regular expression in RE2 syntax (${(e as Error).message}); Gateway API implementations evaluate RE2, without lookarounds or backreferences`;
    }
  }
  return undefined;
}

/** Every HTTPRoute path match as written, by the implementations' rules (the CRD's own rules: lib/checks/cel.ts). */
export function gatewayHttpRoutePaths(objects: RenderedObjects): string[] {
  return objects.filter((o) => isGatewayApi(o.manifest, 'HTTPRoute')).flatMap((o) =>
    (o.manifest.spec?.rules ?? []).flatMap((rule: Manifest, i: number) => (rule.matches ?? []).flatMap((match: Manifest, j: number) => {
      const path = match.path;
      if (path?.value === undefined) return [];
      const reason = implementationPathProblem(path.type ?? 'PathPrefix', String(path.value));
      return reason ? [`${o.constructPath}: spec.rules[${i}].matches[${j}].path.value ${show(path.value)} ${reason}`] : [];
    })));
}

/**
 * Gateways as written (the CRD's own rules, such as unique listener names: lib/checks/cel.ts): route-namespace selectors that
 * implementations can use (an `In` with no values, as a Gateway no route uses would get, makes the
 * listener invalid), and `spec.addresses` values that parse as written.
 */
// NGINX Gateway Fabric: internal/controller/state/graph/gateway_listener.go metav1.LabelSelectorAsSelector; internal/controller/provisioner/objects.go net.ParseIP(addr.Value)
export function gatewayGateways(objects: RenderedObjects): string[] {
  return objects.filter((o) => isGatewayApi(o.manifest, 'Gateway')).flatMap((o) => {
    const out: string[] = [];
    const listeners: Manifest[] = Array.isArray(o.manifest.spec?.listeners) ? o.manifest.spec.listeners : [];
    listeners.forEach((l, i) => {
      const selector = l.allowedRoutes?.namespaces?.selector;
      if (selector === undefined) return;
      try {
        checkLabelSelector(o.constructPath, `spec.listeners[${i}].allowedRoutes.namespaces.selector`, selector);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        out.push(`${e.message}${(selector.matchExpressions ?? []).some((x: Manifest) => x.operator === 'In' && !x.values?.length) ? ' (no route attaches to this Gateway: give it routes or remove it)' : ''}`);
      }
    });
    (o.manifest.spec?.addresses ?? []).forEach((a: Manifest, i: number) => {
      if ((a.type ?? 'IPAddress') === 'IPAddress' && typeof a.value === 'string' && a.value !== a.value.trim()) {
        out.push(`${o.constructPath}: spec.addresses[${i}].value ${show(a.value)} has spaces around it, so implementations cannot parse it (net.ParseIP) and ignore the address; remove them`);
      }
    });
    return out;
  });
}

function isGatewayApi(m: Manifest, kind: string): boolean {
  return m.kind === kind && typeof m.apiVersion === 'string' && m.apiVersion.startsWith('gateway.networking.k8s.io/');
}

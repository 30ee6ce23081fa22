/**
 * What the API server's Ingress validation and ingress-nginx (final release v1.15.1) refuse in an
 * Ingress: paths, regular expressions and the values of the nginx annotations we type.
 *
 * Regular expressions: ingress-nginx hands regex paths to nginx (PCRE, `location ~* "^<path>"`). We check
 * them with RE2 semantics (re2js) instead: whatever RE2 accepts nginx accepts, and the same route may be
 * written as an HTTPRoute `RegularExpression` match, which Gateway API implementations evaluate with RE2
 * engines; so a regex is portable between both outputs only when RE2 accepts it (lookarounds and
 * backreferences are refused even for `output: "Ingress"`).
 */
import { RE2JS } from 're2js';
import { show } from './validation';
import type { Manifest, RenderedObjects } from './index';

/** The prefix of ingress-nginx's annotations. */
export const NGINX_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';

// ingress-nginx: internal/ingress/inspector/rules.go validPathType (strict-validate-path-type, on by default)
const VALID_PATH_TYPE = /^\/[A-Za-z0-9._\-/]*$/;
// ingress-nginx: internal/ingress/inspector/rules.go invalidRegex, matched against every path by DeepInspect (the whole Ingress is refused)
const INSPECTOR_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\s*alias\s*.*;/s, 'an nginx "alias …;" directive'],
  [/\s*root\s*.*;/s, 'an nginx "root …;" directive'],
  [/\/etc\/(passwd|shadow|group|nginx|ingress-controller)/, 'a sensitive /etc path'],
  [/\/var\/run\/secrets/, 'the service-account secrets path /var/run/secrets'],
  [/.*_by_lua.*/, 'a "*_by_lua" directive'],
];
// API server: pkg/apis/networking/validation validateIngressHTTPPath invalidPathSequences / invalidPathSuffixes (Exact and Prefix)
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

/** Why the API server refuses an Ingress path of this type, or undefined. */
// API server: pkg/apis/networking/validation validateIngressHTTPPath (absolute path; for Exact/Prefix no "//", "/./", "/../", "%2f", trailing "/." or "/..")
export function apiServerIngressPathProblem(path: string, pathType: string): string | undefined {
  if (!path.startsWith('/')) return 'must be an absolute path (start with "/")';
  if (pathType === 'ImplementationSpecific') return undefined;
  const seq = INVALID_PATH_SEQUENCES.find((s) => path.includes(s));
  if (seq) return `contains "${seq}", which the API server refuses in a ${pathType} path`;
  const suffix = INVALID_PATH_SUFFIXES.find((s) => path.endsWith(s));
  if (suffix) return `ends with "${suffix}", which the API server refuses in a ${pathType} path`;
  return undefined;
}

/** Why ingress-nginx refuses an Ingress path of this type, or undefined. */
export function nginxPathProblem(path: string, pathType: string): string | undefined {
  if (pathType !== 'ImplementationSpecific' && !VALID_PATH_TYPE.test(path)) {
    return `breaks ingress-nginx's strict path rules for pathType ${pathType} ("/" then only letters, digits, ".", "_", "-" and "/"); use pathType ImplementationSpecific for regular expressions or other characters`;
  }
  const hit = INSPECTOR_PATTERNS.find(([re]) => re.test(path));
  if (hit) return `looks like ${hit[1]}, which ingress-nginx's deep inspection refuses (the whole Ingress is dropped)`;
  return undefined;
}

/** Why RE2 refuses a regular expression, or undefined; `groups` gets its number of capture groups. */
export function re2Problem(regex: string): string | undefined {
  try {
    RE2JS.compile(regex);
    return undefined;
  } catch (e) {
    return `is not a valid regular expression in RE2 syntax (${(e as Error).message}); lookarounds, backreferences and possessive quantifiers are not portable between nginx and Gateway API implementations`;
  }
}

/** Number of capture groups of a regular expression RE2 accepts. */
export function re2Groups(regex: string): number {
  return RE2JS.compile(regex).groupCount();
}

// ingress-nginx: internal/ingress/annotations/parser/validators.go (enable-annotation-validation, on by default)
const ALPHANUMERIC = '\\-._~a-zA-Z0-9/:';
const REGEX_PATH_WITH_CAPTURE = new RegExp(`^/?[${ALPHANUMERIC}/$]*$`);
const SIZE = /^\d+[bkmgBKMG]?$/;
const BOOL = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];
const PROTOCOLS = ['AUTO_HTTP', 'HTTP', 'HTTPS', 'GRPC', 'GRPCS', 'FCGI'];

/**
 * Why ingress-nginx refuses the value of one of its annotations, or undefined (annotations it has no
 * validator for here pass).
 */
// ingress-nginx: internal/ingress/annotations/{rewrite,proxy,backendprotocol}/main.go validators (ValidateBool, RegexPathWithCapture, SizeRegex, validProtocols)
export function nginxAnnotationProblem(key: string, value: string): string | undefined {
  const name = key.startsWith(NGINX_ANNOTATION_PREFIX) ? key.slice(NGINX_ANNOTATION_PREFIX.length) : undefined;
  // Snippets are nginx configuration, multi-line by nature (and refused unless the operators allow them).
  if (/[\r\n]/.test(value) && name !== undefined && !name.endsWith('-snippet')) return 'contains a line break, which ingress-nginx refuses as malicious';
  switch (name) {
    case 'use-regex': case 'ssl-redirect': case 'force-ssl-redirect':
      return BOOL.includes(value) ? undefined : 'is not a boolean ingress-nginx reads ("true" or "false")';
    case 'rewrite-target': case 'app-root':
      return REGEX_PATH_WITH_CAPTURE.test(value) ? undefined : 'is not a path ingress-nginx accepts here ("/" then letters, digits, "-", ".", "_", "~", ":", "/" and "$1"… captures)';
    case 'proxy-body-size':
      return SIZE.test(value) ? undefined : 'is not an nginx size (digits with an optional b, k, m or g suffix, e.g. "8m"; "0" means unlimited)';
    case 'backend-protocol':
      return PROTOCOLS.includes(value.trim().toUpperCase()) ? undefined : `is not a backend protocol ingress-nginx knows (${PROTOCOLS.join(', ')})`;
    default:
      return undefined;
  }
}

/** True when ingress-nginx treats the Ingress's paths as regular expressions. */
function regexPaths(annotations: Record<string, string>): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(annotations[`${NGINX_ANNOTATION_PREFIX}use-regex`] ?? '')
    || annotations[`${NGINX_ANNOTATION_PREFIX}rewrite-target`] !== undefined;
}

/** Every Ingress as written: its paths (API server and ingress-nginx rules, RE2 for regex paths) and nginx annotation values. */
export function ingressNginxIngresses(objects: RenderedObjects): string[] {
  return objects.filter((o) => o.manifest.kind === 'Ingress').flatMap((o) => {
    const m: Manifest = o.manifest;
    const annotations: Record<string, string> = m.metadata?.annotations ?? {};
    const regex = regexPaths(annotations);
    const out: string[] = [];
    for (const [key, value] of Object.entries(annotations)) {
      const reason = nginxAnnotationProblem(key, value);
      if (reason) out.push(`${o.constructPath}: metadata.annotations[${show(key)}] ${show(value)} ${reason}`);
    }
    (m.spec?.rules ?? []).forEach((rule: Manifest, i: number) => (rule.http?.paths ?? []).forEach((p: Manifest, j: number) => {
      const field = `spec.rules[${i}].http.paths[${j}].path`;
      const path = p.path ?? '';
      const pathType = p.pathType ?? 'ImplementationSpecific';
      const reason = apiServerIngressPathProblem(path, pathType) ?? nginxPathProblem(path, pathType) ?? (regex ? re2Problem(path) : undefined);
      if (reason) out.push(`${o.constructPath}: ${field} ${show(path)} ${reason}`);
    }));
    return out;
  });
}

/**
 * Exact paths that ingress-nginx serves as something else: once one Ingress of a host uses `use-regex` or
 * `rewrite-target` (IngressRoutes' `prefix: "strip"` does), every location of that host, in every Ingress of the
 * class, is written as a case-insensitive regex `location ~* "^<path>"`, so an Exact path also matches
 * everything that starts with it.
 */
// ingress-nginx: internal/ingress/controller/template/template.go enforceRegexModifier, buildLocation (enforceRegex is checked before pathType Exact)
export function ingressNginxRegexHosts(objects: RenderedObjects): string[] {
  const ingresses = objects.filter((o) => o.manifest.kind === 'Ingress');
  const key = (m: Manifest, host: unknown) => `${m.spec?.ingressClassName ?? ''}\u0000${host ?? ''}`;
  const regexHosts = new Map<string, string>();
  for (const o of ingresses) {
    if (!regexPaths(o.manifest.metadata?.annotations ?? {})) continue;
    for (const rule of o.manifest.spec?.rules ?? []) if (!regexHosts.has(key(o.manifest, rule.host))) regexHosts.set(key(o.manifest, rule.host), o.constructPath);
  }
  return ingresses.flatMap((o) => (o.manifest.spec?.rules ?? []).flatMap((rule: Manifest, i: number) => {
    const by = regexHosts.get(key(o.manifest, rule.host));
    if (by === undefined) return [];
    return (rule.http?.paths ?? []).flatMap((p: Manifest, j: number) => (p.pathType !== 'Exact' ? [] : [
      `${o.constructPath}: spec.rules[${i}].http.paths[${j}].path ${show(p.path)} of pathType Exact on host ${show(rule.host)} would match every path starting with it, `
      + `case-insensitively: ${by} makes every location of this host a regular expression (use-regex or rewrite-target, as prefix "strip" writes); `
      + 'serve the Exact path on another host, or strip no prefix on this one',
    ]));
  }));
}

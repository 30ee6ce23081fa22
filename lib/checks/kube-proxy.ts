/**
 * Where kube-proxy exposes a Service beyond what its routes say: a nodePort is served on every node's
 * addresses, in whatever protocol the Service speaks. A Service that is the backend of a TLS route (an
 * Ingress with a TLS host, an HTTPRoute on an HTTPS listener) and also has nodePorts is reachable in clear
 * text on every node, around the TLS the route gives it: refused unless the Service carries the reason.
 */
import { show } from './validation';
import type { Manifest, RenderedObjects } from './index';

/**
 * The annotation that states why a Service keeps nodePorts although it is the backend of a TLS route
 * (written by NodePortApp's `besideTlsRoute` and MetalLbL2Pool.assign's `allocateNodePorts`).
 */
export const NODE_PORT_REASON_ANNOTATION = 'onprem.k8s/node-port-reason';

/** Why a rendered Service opens nodePorts on every node, or undefined when it opens none. */
export function nodePortsOf(service: Manifest): string | undefined {
  const type = service.spec?.type;
  const ports = (service.spec?.ports ?? []).map((p: Manifest) => p.nodePort).filter((p: unknown) => p !== undefined);
  const listed = ports.length > 0 ? ` (${ports.join(', ')})` : '';
  if (type === 'NodePort') return `spec.type "NodePort" opens its nodePorts${listed} on every node`;
  // API server: pkg/registry/core/service/storage/alloc.go shouldAllocateNodePorts (allocateLoadBalancerNodePorts defaults to true; nodePorts asked for are kept even when false)
  if (type === 'LoadBalancer' && service.spec?.allocateLoadBalancerNodePorts !== false) {
    return `spec.type "LoadBalancer" without allocateLoadBalancerNodePorts: false opens nodePorts${listed} on every node`;
  }
  if (type === 'LoadBalancer' && ports.length > 0) return `spec.type "LoadBalancer" with spec.ports[].nodePort${listed} opens them on every node`;
  return undefined;
}

/** `namespace/name` of every Service a TLS route of these objects sends traffic to, with the route that does. */
function tlsBackends(objects: RenderedObjects, namespace: string): Map<string, string> {
  const out = new Map<string, string>();
  const add = (ns: string | undefined, name: unknown, route: string) => {
    if (typeof name === 'string' && !out.has(`${ns ?? namespace}/${name}`)) out.set(`${ns ?? namespace}/${name}`, route);
  };
  for (const o of objects) {
    const m = o.manifest;
    const ns = m.metadata?.namespace;
    if (m.kind === 'Ingress' && m.apiVersion === 'networking.k8s.io/v1') {
      const tlsHosts: string[] = (m.spec?.tls ?? []).flatMap((t: Manifest) => t.hosts ?? []);
      for (const rule of m.spec?.rules ?? []) {
        if (!tlsHosts.some((h) => covers(h, rule.host ?? ''))) continue;
        for (const p of rule.http?.paths ?? []) add(ns, p.backend?.service?.name, `${o.constructPath} (host ${rule.host})`);
      }
    }
    if (m.kind === 'HTTPRoute' && String(m.apiVersion).startsWith('gateway.networking.k8s.io/')) {
      const https = (m.spec?.parentRefs ?? []).some((ref: Manifest) => attachesToHttps(objects, ref, ns ?? namespace));
      if (!https) continue;
      for (const rule of m.spec?.rules ?? []) {
        for (const b of rule.backendRefs ?? []) {
          if ((b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '') add(b.namespace ?? ns, b.name, `${o.constructPath} (HTTPS listener)`);
        }
      }
    }
  }
  return out;
}

/** Whether a parentRef attaches to an HTTPS listener of a Gateway among the objects (one we do not write is not judged). */
function attachesToHttps(objects: RenderedObjects, ref: Manifest, routeNamespace: string): boolean {
  const gw = objects.find((o) => o.manifest.kind === 'Gateway' && o.manifest.metadata?.name === ref.name
    && (o.manifest.metadata?.namespace ?? routeNamespace) === (ref.namespace ?? routeNamespace));
  const listeners: Manifest[] = gw?.manifest.spec?.listeners ?? [];
  return listeners.some((l) => (ref.sectionName === undefined || l.name === ref.sectionName) && l.protocol === 'HTTPS');
}

function covers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) return true;
  return tlsHost.startsWith('*.') && !host.startsWith('*.') && host.slice(host.indexOf('.') + 1) === tlsHost.slice(2);
}

/**
 * Every Service that is the backend of a TLS route and also opens nodePorts, unless it says why
 * ({@link NODE_PORT_REASON_ANNOTATION}).
 */
// kube-proxy: pkg/proxy/iptables/proxier.go KUBE-NODEPORTS (likewise ipvs, nftables) accepts each nodePort on every node (its addresses per --nodeport-addresses)
export function nodePortsBesideTls(objects: RenderedObjects, context: { readonly namespace: string }): string[] {
  const backends = tlsBackends(objects, context.namespace);
  return objects.filter((o) => o.manifest.kind === 'Service').flatMap((o) => {
    const m = o.manifest;
    const route = backends.get(`${m.metadata?.namespace ?? context.namespace}/${m.metadata?.name}`);
    const exposed = nodePortsOf(m);
    if (route === undefined || exposed === undefined) return [];
    const reason = m.metadata?.annotations?.[NODE_PORT_REASON_ANNOTATION];
    if (typeof reason === 'string' && reason.trim() !== '') return [];
    return [`${o.constructPath}: ${exposed} in clear text, yet Service ${show(m.metadata?.name)} is the backend of TLS route ${route}: `
      + `serve it through the route only (a ClusterIP Service; for a LoadBalancer, allocateLoadBalancerNodePorts: false), or state why with `
      + `NodePortApp besideTlsRoute: { reason } / a pool assignment's allocateNodePorts: { reason } (annotation ${NODE_PORT_REASON_ANNOTATION})`];
  });
}

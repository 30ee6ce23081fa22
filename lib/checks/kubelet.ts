/**
 * What the kubelet refuses when it starts a container, which neither the API server nor Pod Security
 * admission sees: the pod is accepted and scheduled, then each container fails with
 * CreateContainerConfigError on every node. Judged on the rendered objects, so raw cdk8s-plus or
 * `k8s.Kube*` workloads and patched objects are checked like the constructs' own output.
 */
import { idOf, podSpecOf } from './api-server';
import type { Manifest, RenderedObjects } from './index';

const list = (v: unknown): Manifest[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Every container (init containers included) whose effective security context (its own fields over the
 * pod's, as the kubelet's `securitycontext.DetermineEffectiveSecurityContext` merges them) has
 * `runAsNonRoot: true` must carry a numeric `runAsUser`: without one the kubelet falls back to the image's
 * USER, and a named user (`USER nobody`) cannot be verified as non-root, so the container never starts.
 * Our policy adds `runAsGroup`: without it the process keeps the image's primary group, which the output
 * cannot show.
 */
// kubelet: pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot
// ("container has runAsNonRoot and image has non-numeric user (%s), cannot verify user is non-root").
export function kubeletRunAsNonRoot(objects: RenderedObjects): string[] {
  const out: string[] = [];
  for (const { manifest: m, constructPath } of objects) {
    const pod = podSpecOf(m);
    if (!pod) continue;
    const podSc: Manifest = pod.spec.securityContext ?? {};
    for (const group of ['initContainers', 'containers'] as const) {
      list(pod.spec[group]).forEach((c, i) => {
        const sc: Manifest = c.securityContext ?? {};
        const pick = (key: string) => (sc[key] !== undefined ? sc[key] : podSc[key]);
        if (pick('runAsNonRoot') !== true) return;
        const where = `${constructPath}: ${idOf(m)} ${pod.field}.${group}[${i}] (container ${JSON.stringify(c.name)})`;
        const set = `set a numeric securityContext.runAsUser and runAsGroup on the container or the pod (the construct props runAsUser/runAsGroup, or the environment's workloadDefaults.securityContext)`;
        const user = pick('runAsUser');
        if (!isId(user)) {
          out.push(`${where}: runAsNonRoot is true but no numeric runAsUser is set, so the kubelet falls back to the image's USER and refuses to start the container when that user is a name it cannot verify as non-root (CreateContainerConfigError); ${set}`);
        } else if (!isId(pick('runAsGroup'))) {
          out.push(`${where}: runAsNonRoot is true with runAsUser ${user} but no runAsGroup (our policy, not the kubelet's: the process would keep the image's primary group, which the output does not show); ${set}`);
        }
      });
    }
  }
  return out;
}

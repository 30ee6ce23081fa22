/**
 * Pod Security admission per cluster version: the namespace pins its cluster's minor, and the checks of
 * that version apply (k8s.io/pod-security-admission policy/check_hostProbesAndHostLifecycle.go, baseline from v1.34).
 */
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Cluster, Environment, NodePortApp, renderApp, SynthError } from '../../lib';
import { manifests, only } from '../helpers';

// Patches run before cdk8s-plus' typed serializer, so they use its shapes (k8s.IntOrString), as upstream-facts.md says.
/** An app `web` on a cluster of `version` whose probe or lifecycle handler is patched by `patch` (as a subclass or aspect would). */
function web(version: string, patch?: JsonPatch) {
  const app = new App();
  const env = new Environment(app, 'dev', { name: 'dev', cluster: new Cluster({ name: 'c', kubernetesVersion: version }) });
  const built = new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, readiness: { httpPath: '/' } });
  if (patch) ApiObject.of(built.deployment).addJsonPatch(patch);
  return app;
}

describe('Pod Security admission at the cluster\'s version', () => {
  test.each(['1.27', '1.33', '1.34', '1.36'])('the namespace pins Pod Security v%s', (version) => {
    const labels = only(manifests(web(version)), 'Namespace', 'dev').metadata.labels;
    for (const mode of ['enforce', 'audit', 'warn']) expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe(`v${version}`);
  });

  test.each([
    ['a readiness probe with httpGet.host', JsonPatch.add('/spec/template/spec/containers/0/readinessProbe/httpGet/host', '10.0.0.1'), 'readinessProbe sets host "10.0.0.1"'],
    ['a liveness probe with tcpSocket.host', JsonPatch.add('/spec/template/spec/containers/0/livenessProbe', { tcpSocket: { port: k8s.IntOrString.fromNumber(8080), host: 'metadata.internal' } }), 'livenessProbe sets host "metadata.internal"'],
    ['a preStop hook with httpGet.host', JsonPatch.add('/spec/template/spec/containers/0/lifecycle', { preStop: { httpGet: { port: k8s.IntOrString.fromNumber(80), host: '169.254.169.254' } } }), 'lifecycle.preStop sets host "169.254.169.254"'],
  ])('%s is refused from 1.34 on, accepted before', (_what, patch, reason) => {
    expect(() => renderApp(web('1.33', patch))).not.toThrow();
    let error: unknown;
    try {
      renderApp(web('1.34', patch));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    expect((error as Error).message).toContain(`dev/web/web/Deployment/Resource: Deployment dev/web: container "web": ${reason} (refused from Pod Security v1.34)`);
    expect((error as Error).message).toContain('enforces Pod Security "restricted"');
  });
});

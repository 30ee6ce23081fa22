/**
 * One run of the scale benchmark, as its own process:
 *   node build/bench/scale-app.js <ours|plain> <N> <outdir>
 * builds N apps (an AutoscaledApp — Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget — and
 * an Ingress route to it, TLS included) either through our constructs and synth pipeline (every check on)
 * or hand-written with cdk8s-plus-27 and cdk8s' own `app.synth()`, and prints one line of JSON:
 * construct time, synth time (ms) and the process's peak resident memory (MiB).
 */
import type { EnvironmentDefinition } from '../environments';

/** An environment of `n` autoscaled apps, each with its own host on the nginx Ingress. */
export function scaleDefinition(n: number): EnvironmentDefinition {
  const names = Array.from({ length: n }, (_, i) => `app-${String(i).padStart(4, '0')}`);
  return {
    name: 'scale',
    namespace: 'scale',
    quota: { requestsCpu: '100000', requestsMemory: '100Ti', limitsCpu: '100000', limitsMemory: '100Ti', pods: 100000, persistentVolumeClaims: 10, requestsStorage: '10Gi' },
    containerLimits: { defaultRequestCpu: '100m', defaultRequestMemory: '128Mi', defaultLimitCpu: '500m', defaultLimitMemory: '512Mi', maxCpu: '2', maxMemory: '4Gi' },
    claimSize: { min: '10Mi', max: '10Gi' },
    autoscaledApps: names.map((name) => ({
      name, image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080,
      readiness: { httpPath: '/' }, liveness: { httpPath: '/' },
      minReplicas: 2, maxReplicas: 4, cpuUtilization: 70,
      service: { port: 80 },
    })),
    ingressRoutes: names.map((name) => ({
      name,
      hosts: [{ host: `${name}.scale.example.internal`, paths: [{ path: '/', backend: { app: name } }] }],
      tls: [{ hosts: [`${name}.scale.example.internal`], secretName: `${name}-tls` }],
    })),
  };
}

if (require.main === module) {
  const [variant, size, outdir] = process.argv.slice(2);
  const definition = scaleDefinition(Number(size));
  const started = performance.now();
  // Each variant loads only its own modules: the plain baseline does not pay for loading ours.
  let built: number;
  if (variant === 'ours') {
    // As main.ts does: Node's compile cache first (where there is one), then our modules.
    require('../lib/synth/compile-cache');
    const { buildApp } = require('../main') as typeof import('../main');
    const { synthesize } = require('../lib') as typeof import('../lib');
    const app = buildApp([definition]);
    built = performance.now();
    synthesize(() => app, { outdir });
  } else {
    const { plainApp } = require('./plain-app') as typeof import('./plain-app');
    const app = plainApp([definition], outdir, true);
    built = performance.now();
    app.synth();
  }
  const done = performance.now();
  process.stdout.write(`${JSON.stringify({ constructMs: built - started, synthMs: done - built, peakMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

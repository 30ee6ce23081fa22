// First, so that every module after it is loaded through Node's compile cache where there is one.
import './lib/synth/compile-cache';
import { App } from 'cdk8s';
import { clusters, EnvironmentDefinition, environments } from './environments';
import { composeEnvironment } from './environments/compose';
import { Cluster, ClusterProps, fail, runSynthCli } from './lib';

/**
 * Builds the app: one Cluster per cluster definition, one Environment (and its charts) per environment
 * definition on the cluster it names; by default those in `environments/`.
 */
export function buildApp(definitions: readonly EnvironmentDefinition[] = environments, clusterDefinitions: readonly ClusterProps[] = clusters): App {
  const app = new App();
  const byName = new Map<string, Cluster>();
  for (const c of clusterDefinitions) {
    const cluster = new Cluster(c);
    if (byName.has(cluster.name)) fail(`cluster ${cluster.name}`, 'name', c.name, 'is already the name of another cluster');
    byName.set(cluster.name, cluster);
  }
  for (const definition of definitions) composeEnvironment(app, definition, byName);
  return app;
}

/** The synth's command line (`node build/main.js`, `npm run synth`: scripts/synth.js) on the clusters and environments in `environments/`. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  runSynthCli(() => buildApp(), argv);
}

if (require.main === module) main();

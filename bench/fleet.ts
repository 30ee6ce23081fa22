/**
 * The fleet half of `npm run bench`: `clusters` generated clusters (ClusterProps: a control plane and three
 * workers with allocatable resources on a /24 of their own, Kubernetes 1.33 or 1.34 in turn), each running
 * one environment of `apps` scale apps (bench/scale-app.ts), synthesized with every check, the per-cluster
 * ones included. One worker process synthesizes a contiguous batch of clusters into its own folder:
 *   node build/bench/fleet.js <first> <end> <apps> <outdir>
 * and prints one line of JSON with its peak memory.
 */
// First, so that every module after it is loaded through Node's compile cache where there is one.
import '../lib/synth/compile-cache';
import { EnvironmentDefinition } from '../environments';
import { ClusterProps, synthesize } from '../lib';
import { buildApp } from '../main';
import { scaleDefinition } from './scale-app';

/** The name of the fleet's cluster number `i`. */
export const fleetClusterName = (i: number) => `fleet-${String(i).padStart(4, '0')}`;

/** Cluster `i` of the fleet, as data. */
export function fleetCluster(i: number): ClusterProps {
  const net = `10.${Math.floor(i / 256) + 1}.${i % 256}`;
  const name = fleetClusterName(i);
  const allocatable = { cpu: '16', memory: '64Gi', pods: 110 };
  return {
    name,
    kubernetesVersion: i % 2 === 0 ? '1.33' : '1.34',
    nodes: [
      { name: `${name}-cp-1`, address: `${net}.10`, role: 'control-plane', allocatable },
      ...[1, 2, 3].map((w) => ({ name: `${name}-worker-${w}`, address: `${net}.${100 + w}`, role: 'worker' as const, allocatable })),
    ],
    nodeNetwork: { cidr: `${net}.0/24`, gateway: `${net}.1` },
    reservedNodePorts: [32080, 32443],
  };
}

/** Clusters `first` .. `end - 1` of the fleet and their environments (`apps` apps each). */
export function fleetDefinitions(first: number, end: number, apps: number): { clusters: ClusterProps[]; environments: EnvironmentDefinition[] } {
  const clusters: ClusterProps[] = [];
  const environments: EnvironmentDefinition[] = [];
  for (let i = first; i < end; i++) {
    const cluster = fleetCluster(i);
    clusters.push(cluster);
    environments.push({ ...scaleDefinition(apps), name: `apps-${String(i).padStart(4, '0')}`, namespace: 'apps', cluster: cluster.name });
  }
  return { clusters, environments };
}

if (require.main === module) {
  const [first, end, apps, outdir] = process.argv.slice(2);
  const { clusters, environments } = fleetDefinitions(Number(first), Number(end), Number(apps));
  const summary = synthesize(() => buildApp(environments, clusters), { outdir });
  process.stdout.write(`${JSON.stringify({ objects: summary.objects, peakMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

import * as fs from 'fs';
import * as path from 'path';
import { k8s } from 'cdk8s-plus-27';
import { buildApp } from '../main';
import { environments } from '../environments';
import { MAP_FILE, NodePortApp, objectId, renderApp, renderMaps, stableService, withMap } from '../lib';
import { FIXTURE_LAB, FIXTURE_LAB_CLUSTER } from './fixtures/lab';
import { ROOT, runCliInProcess, tempDir, testEnv } from './helpers';

/** The maps of the shipped environments (each must match its committed map.md). */
const maps = renderMaps(buildApp());
/** The map of a fixture lab of this test's own (test/fixtures/lab.ts), drawn with every kind of entry point and storage. */
const labApp = () => buildApp([FIXTURE_LAB], [FIXTURE_LAB_CLUSTER]);
const lab = renderMaps(labApp()).get('lab')!;
const labObjects = renderApp(labApp(), ['lab']).filter((f) => f.environment === 'lab').flatMap((f) => f.objects.map((o) => o.manifest));
/** The Mermaid node id the map gives an object (its `Kind ns/name`, non-alphanumerics as `_`). */
const idOf = (m: Record<string, any>) => objectId(m).replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');

describe('the lab map', () => {
  test('has a node for every Service, workload, claim, PersistentVolume and StorageClass of the lab', () => {
    const drawn = labObjects.filter((m) => ['Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'PersistentVolumeClaim', 'PersistentVolume', 'IPAddressPool'].includes(m.kind));
    expect(drawn.length).toBe(14); // with lab-pool-pinned, which holds whoami's fixed address, and kv-primary
    for (const m of drawn) expect(lab).toMatch(new RegExp(`^    ${idOf(m)}\\["`, 'm'));
    expect(lab).toContain('StorageClass_lab_nfs["StorageClass lab-nfs<br/>nfs.csi.k8s.io, Retain"]');
  });

  test('shows every entry point: the MetalLB address, the node ports and each host and path of the Ingress', () => {
    for (const entry of [
      'IPAddressPool_metallb_system_lab_pool["MetalLB pool lab-pool<br/>192.168.1.12-192.168.1.13"]',
      'IPAddressPool_metallb_system_lab_pool_pinned["MetalLB pool lab-pool-pinned<br/>192.168.1.11/32"]',
      'lb_Service_lab_whoami["LoadBalancer 192.168.1.11<br/>port 80"]',
      'nodePort_30000["every node :30000"]',
      'nodePort_30001["every node :30001"]',
      'ingress_https_lab_example_internal["https://lab.example.internal/<br/>Ingress lab/lab (nginx)"]',
      'ingress_https_lab_example_internal_ip["https://lab.example.internal/ip<br/>Ingress lab/lab-strip (nginx)<br/>prefix stripped"]',
    ]) expect(lab).toContain(entry);
  });

  test('draws the edges from entry points to Services, workloads, claims, storage and NFS exports', () => {
    const edges = lab.split('\n').filter((l) => l.includes('->')).map((l) => l.trim());
    expect(edges).toEqual(expect.arrayContaining([
      'IPAddressPool_metallb_system_lab_pool_pinned -.->|assigns| lb_Service_lab_whoami',
      'lb_Service_lab_whoami --> Service_lab_whoami',
      'nodePort_30000 -->|→ 80| Service_lab_hello',
      'nodePort_30001 -->|→ 80| Service_lab_files',
      'ingress_https_lab_example_internal -->|→ 80| Service_lab_hello',
      'ingress_https_lab_example_internal_ip -->|→ 80| Service_lab_whoami',
      'Service_lab_hello --> Deployment_lab_hello',
      'Service_lab_whoami --> Deployment_lab_whoami',
      'Service_lab_files --> Deployment_lab_files',
      'Service_lab_kv --> StatefulSet_lab_kv',
      'Service_lab_kv_primary -->|pod kv-0 only| StatefulSet_lab_kv',
      'Deployment_lab_files -->|read-only| PersistentVolumeClaim_lab_nfs_shared',
      'PersistentVolumeClaim_lab_nfs_shared -->|binds| PersistentVolume_lab_nfs_shared',
      'PersistentVolume_lab_nfs_shared --> nfs_192_168_1_10_nfs_shared_static',
      'StatefulSet_lab_kv -->|read-write| template_StatefulSet_lab_kv_data',
      'template_StatefulSet_lab_kv_data -->|provisioned by| StorageClass_lab_nfs',
      'StorageClass_lab_nfs --> nfs_192_168_1_10_nfs_shared_dynamic',
      'DaemonSet_lab_node_agents_node_exporter -->|read-only| hostPath',
    ]));
    expect(edges.filter((e) => !e.includes('|allows '))).toHaveLength(18);
    expect(lab).not.toContain('class ');
  });

  test('draws the flows the NetworkPolicies allow, and says which namespaces deny by default', () => {
    const allowed = lab.split('\n').filter((l) => l.includes('|allows ')).map((l) => l.trim());
    const outside = 'peer_ip_0_0_0_0_0_0';
    const controller = 'peer_ns_ingress_nginx_app_kubernetes_io_component_controller_app_kubernetes_io_instance_ingress_nginx_app_kubernetes_io_name_ingress_nginx';
    expect(allowed).toEqual([
      `${outside} -.->|allows TCP 8080| Deployment_lab_files`,
      `${outside} -.->|allows TCP 8080| Deployment_lab_hello`,
      `${controller} -.->|allows TCP 8080| Deployment_lab_hello`,
      'Deployment_lab_whoami -.->|allows TCP 6379| StatefulSet_lab_kv',
      'StatefulSet_lab_kv -.->|allows TCP 6379| StatefulSet_lab_kv',
      `${outside} -.->|allows TCP 8080| Deployment_lab_whoami`,
      `${controller} -.->|allows TCP 8080| Deployment_lab_whoami`,
    ]);
    expect(lab).toContain(`${outside}["outside the cluster<br/>0.0.0.0/0, ::/0"]`);
    expect(lab).toContain('NetworkPolicies: namespaces lab, lab-node-agents deny ingress by default; the dotted "allows" arrows are the only traffic admitted to those pods.');
  });

  test('labels workloads with their replicas, autoscaling range and node selection', () => {
    expect(lab).toContain('Deployment_lab_hello["Deployment lab/hello<br/>3 replicas<br/>spread over kubernetes.io/hostname"]');
    expect(lab).toContain('Deployment_lab_whoami["Deployment lab/whoami<br/>autoscaled 2–6 on cpu 60 %<br/>spread over kubernetes.io/hostname"]');
    expect(lab).toContain('StatefulSet_lab_kv["StatefulSet lab/kv<br/>3 replicas, ordered start"]');
    expect(lab).toContain('DaemonSet_lab_node_agents_node_exporter["DaemonSet lab-node-agents/node-exporter<br/>one pod per node<br/>on kubernetes.io/os=linux, host network"]');
    expect(lab).toContain('template_StatefulSet_lab_kv_data["claim per pod data-kv-0…2<br/>1Gi ReadWriteOnce"]');
  });
});

describe('maps are current, deterministic and valid Mermaid', () => {
  test.each(environments.map((e) => [e.cluster!, e.name]))(`dist/%s/%s/${MAP_FILE} is the map of the current source (else run npm run synth)`, (cluster, env) => {
    expect(fs.readFileSync(path.join(ROOT, 'dist', cluster, env, MAP_FILE), 'utf8')).toBe(maps.get(env));
  });

  test('the clusters page shows the lab map as it is now (else run npm run docs)', () => {
    const page = fs.readFileSync(path.join(ROOT, 'docs', 'clusters-and-environments.md'), 'utf8');
    expect(withMap(page, 'lab', lab)).toBe(page);
    expect(page).toContain('```mermaid\nflowchart LR');
  });

  test('the same source gives byte-identical maps', () => {
    expect(renderMaps(buildApp())).toEqual(maps);
  });
  // Mermaid's own parser over every map: `npm run test:e2e` (test/e2e/env-map.test.ts).
});

describe('problems are drawn, not hidden', () => {
  function brokenApp() {
    const { app, env } = testEnv();
    new NodePortApp(env.addChart('web'), 'web', { name: 'web', image: 'web:1.0.0', containerPort: 8080, nodePort: 30080 });
    stableService(env.addChart('orphan'), 'orphan', { ports: [{ port: 80 }] });
    new k8s.KubePersistentVolumeClaim(env.addChart('scratch'), 'scratch', {
      metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
    });
    return app;
  }

  test('a Service no pod matches and a claim without its class are red nodes, with the checks\' messages listed', () => {
    expect(() => renderApp(brokenApp())).toThrow('cross-object checks failed');
    const map = renderMaps(brokenApp()).get('dev')!;
    expect(map).toContain('Service_dev_orphan --> no_pods_Service_dev_orphan');
    expect(map).toContain('no_pods_Service_dev_orphan["no pod matches<br/>app.kubernetes.io/instance=orphan, app.kubernetes.io/name=orphan"]');
    expect(map).toContain('PersistentVolumeClaim_dev_scratch -->|provisioned by| missing_StorageClass_fast');
    expect(map).toContain('missing_StorageClass_fast["missing: StorageClass fast<br/>neither written nor listed as external"]');
    expect(map).toContain('class no_pods_Service_dev_orphan,missing_StorageClass_fast problem');
    expect(map).toContain('- dev/orphan/Service/Resource: Service dev/orphan: selector');
    expect(map).toContain('- dev/scratch/scratch: PersistentVolumeClaim dev/scratch names StorageClass "fast"');
    // Mermaid's parser accepts it: test/e2e/env-map.test.ts.
  });

  test('a class listed as external is drawn as external, not as a problem', () => {
    const { app, env } = testEnv({ externalStorageClasses: ['fast'] });
    new k8s.KubePersistentVolumeClaim(env.addChart('scratch'), 'scratch', {
      metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
    });
    const map = renderMaps(app).get('dev')!;
    expect(map).toContain('StorageClass_fast["StorageClass fast<br/>external: not written here"]');
    expect(map).not.toContain('problem');
  });
});

describe('npm run map (in process: runSynthCli with --map, as build/main.js calls it; as a process in test/e2e/env-map.test.ts)', () => {
  /** Runs the CLI in this process, capturing what it prints and its exit code. */
  const mapCli = (...args: string[]) => runCliInProcess(() => buildApp(), ['--map', ...args]);

  test('prints the maps, and refreshes the README block with --readme', () => {
    const printed = mapCli('--env', 'lab');
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(lab);
    const dir = tempDir();
    const readme = path.join(dir, 'README.md');
    fs.writeFileSync(readme, 'before\n<!-- map:lab start -->\nold\n<!-- map:lab end -->\nafter\n');
    expect(mapCli('--env', 'lab', '--readme', readme).status).toBe(0);
    expect(fs.readFileSync(readme, 'utf8')).toBe(withMap('before\n<!-- map:lab start -->\n<!-- map:lab end -->\nafter\n', 'lab', lab));
    expect(fs.readdirSync(dir)).toEqual(['README.md']);
  });

  test('names a missing marker or a bad argument, with a non-zero exit', () => {
    const readme = path.join(tempDir(), 'README.md');
    fs.writeFileSync(readme, 'no markers\n');
    const noMarkers = mapCli('--env', 'lab', '--readme', readme);
    expect(noMarkers.status).toBe(1);
    expect(noMarkers.stderr).toContain(`${readme} has no "<!-- map:lab start -->" … "<!-- map:lab end -->" markers`);
    const bad = mapCli('--bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown argument "--bogus"');
    expect(bad.stderr).toContain('usage: ');
  });
});

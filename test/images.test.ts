/**
 * Shipped data: every container the shipped environments run agrees with its image's runtime facts
 * (environments/images.ts, read from the images' upstream files): the port it listens on, probes on that
 * port and the image's health path, numeric user and group, and a writable mount at every path it writes.
 */
import { environments } from '../environments';
import { IMAGES, ImageFacts, NODE_EXPORTER_IMAGE, runs } from '../environments/images';
import { buildApp } from '../main';
import { renderApp } from '../lib';
import { podSpecOf } from '../lib/checks/api-server';
import { kubeletRunAsNonRoot } from '../lib/checks/kubelet';

type Obj = Record<string, any>;

const rendered = renderApp(buildApp());
/** Every container of every shipped environment (not of the clusters' platforms: upstream charts) with its pod, environment and workload. */
const containers = rendered.filter((f) => f.environment !== '').flatMap((f) => f.objects.flatMap(({ manifest: m }) => {
  const pod = podSpecOf(m);
  if (!pod) return [];
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c: Obj) => ({ env: f.environment, id: `${f.environment} ${m.kind} ${m.metadata.name} container ${c.name}`, pod: pod.spec, c }));
}));
const factsOf = (image: string) => IMAGES.find((f) => f.image === image);

describe('the image facts table', () => {
  test.each(IMAGES.map((f) => [f.image, f] as const))('%s: every fact has a pinned upstream source', (_image, f: ImageFacts) => {
    const sources = [f.sources.user, f.sources.port, f.sources.writablePaths, ...(f.healthPath ? [f.sources.health] : []), ...(f.servesAt ? [f.sources.servesAt] : [])];
    for (const s of sources) {
      expect(s).toBeDefined();
      // Pinned: a release tag or a full commit, never a branch.
      expect(s!.url).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/(v?\d[\w.-]*|[0-9a-f]{40})\//);
      expect(s!.says.length).toBeGreaterThan(10);
    }
    expect(f.runAsUser).toBeGreaterThan(0);
  });

  test('node-exporter runs as the numeric id of its image\'s "nobody" (65534), which the kubelet can verify', () => {
    expect(runs(NODE_EXPORTER_IMAGE)).toMatchObject({ runAsUser: 65534, runAsGroup: 65534, containerPort: 9100 });
  });
});

describe('every shipped container agrees with its image', () => {
  test('every shipped image is in the table', () => {
    expect(containers.length).toBeGreaterThan(0);
    expect([...new Set(containers.map(({ c }) => c.image))].filter((i) => !factsOf(i))).toEqual([]);
    expect(new Set(rendered.map((f) => f.environment).filter(Boolean))).toEqual(new Set(environments.map((e) => e.name)));
  });

  test.each(containers.map((x) => [x.id, x] as const))('%s', (_id, { pod, c }) => {
    const facts = factsOf(c.image)!;
    // Port: the one the process listens on, declared and probed.
    expect((c.ports ?? []).map((p: Obj) => p.containerPort)).toEqual([facts.port]);
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) {
      // An exec probe (RedisStore's authenticated redis-cli ping) names the port in its command.
      if (probe.exec) {
        expect(probe.exec.command.join(' ')).toContain(`-p ${facts.port}`);
        continue;
      }
      const target = probe.httpGet ?? probe.tcpSocket;
      expect(target?.port).toBe(facts.port);
      if (probe.httpGet) expect(probe.httpGet.path).toBe(facts.healthPath);
    }
    // User and group: numeric, the image's (as the kubelet sees them: the container's over the pod's).
    const sc = { ...pod.securityContext, ...c.securityContext };
    expect([sc.runAsNonRoot, sc.runAsUser, sc.runAsGroup]).toEqual([true, facts.runAsUser, facts.runAsGroup]);
    // Arguments the facts depend on.
    for (const a of facts.args ?? []) expect(c.args).toContain(a);
    // Every path the image writes to is a writable mount (an emptyDir or a claim).
    const writable = (c.volumeMounts ?? []).filter((m: Obj) => !m.readOnly).map((m: Obj) => m.mountPath);
    for (const p of facts.writablePaths) expect(writable).toContain(p);
  });

  test('the kubelet would start every container: runAsNonRoot always with a numeric user and group', () => {
    for (const f of rendered) expect(kubeletRunAsNonRoot(f.objects)).toEqual([]);
  });

  test('every PodDisruptionBudget lets a drain evict a crash-looping pod', () => {
    const pdbs = rendered.flatMap((f) => f.objects.map((o) => o.manifest)).filter((m) => m.kind === 'PodDisruptionBudget');
    expect(pdbs.length).toBeGreaterThan(0);
    for (const pdb of pdbs) expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });
});

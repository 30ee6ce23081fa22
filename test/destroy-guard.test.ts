import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { k8s } from 'cdk8s-plus-27';
import { App } from 'cdk8s';
import { EnvironmentDefinition } from '../environments/definition';
import { buildApp as buildAppOn } from '../main';
import { DestructiveChangeError, Environment, findDestructiveChanges, guardReport, synthesize } from '../lib';
import { FIXTURE_LAB as lab, FIXTURE_LAB_CLUSTER } from './fixtures/lab';
import { readTree, repoDir, tempDir } from './helpers';

/**
 * The fixture lab cluster (test/fixtures/lab.ts, never the shipped clusters) without its platform: the cases
 * here are about the environment's objects, and a synth without the platform's dozens of files takes a third
 * of the time. The case about a cluster's platform (dropping its last environment) uses the whole lab.
 */
const { platform: _platform, ...BARE_LAB_CLUSTER } = FIXTURE_LAB_CLUSTER;

/** The app of these definitions on the bare lab cluster, or on the whole lab with `withPlatform`. */
const buildApp = (defs: readonly EnvironmentDefinition[], withPlatform = false) => buildAppOn(defs, [withPlatform ? FIXTURE_LAB_CLUSTER : BARE_LAB_CLUSTER]);

/** The lab with one change applied to a deep copy of its definition. */
function labWith(change: (def: any) => void): EnvironmentDefinition {
  const def = JSON.parse(JSON.stringify(lab));
  change(def);
  return def;
}

/** The lab's current output (bare, or whole with `withPlatform`), synthesized once for this file on first use; committedLab() hands out copies. */
const labOutputs = new Map<boolean, string>();

/** A folder holding the lab's current output, as a GitOps repository would have it committed (its own copy). */
function committedLab(withPlatform = false): string {
  if (!labOutputs.has(withPlatform)) {
    const first = path.join(repoDir('guard-'), 'dist');
    synthesize(() => buildApp([lab], withPlatform), { outdir: first });
    labOutputs.set(withPlatform, first);
  }
  const outdir = path.join(repoDir('guard-'), 'dist');
  fs.cpSync(labOutputs.get(withPlatform)!, outdir, { recursive: true });
  return outdir;
}

/** Synthesizes `defs` over `outdir` and returns the error the guard threw (or undefined). */
function synthOver(outdir: string, defs: EnvironmentDefinition[], allowDestroy: string[] = [], withPlatform = false): DestructiveChangeError | undefined {
  try {
    synthesize(() => buildApp(defs, withPlatform), { outdir, allowDestroy });
    return undefined;
  } catch (e) {
    if (e instanceof DestructiveChangeError) return e;
    throw e;
  }
}

describe('destructive-change guard', () => {
  test.each<[string, (def: any) => void, string[], RegExp]>([
    ['renaming a claim', (d) => {
      d.nfsStorage[0].volumes[0].claim.name = 'nfs-data';
      d.nodePortApps[1].claims[0].claim = 'nfs-data';
    }, ['PersistentVolumeClaim/lab/nfs-shared'], /`PersistentVolumeClaim\/lab\/nfs-shared` \(dist\/lab\/lab\/\): is removed \(a rename\? new in the same namespace: PersistentVolumeClaim\/lab\/nfs-data\)/],
    ['removing a volume and its claim', (d) => {
      d.nfsStorage[0].volumes = [];
      delete d.nodePortApps[1].claims;
    }, ['PersistentVolume/lab-nfs-shared', 'PersistentVolumeClaim/lab/nfs-shared'], /`PersistentVolume\/lab-nfs-shared` \(dist\/lab\/lab\/\): is removed\./],
    ['changing a StatefulSet claim template', (d) => {
      d.redisStores[0].volumeClaimTemplates[0].storage = '2Gi';
    }, ['StatefulSet/lab/kv'], /`StatefulSet\/lab\/kv` \(dist\/lab\/lab\/\): spec\.volumeClaimTemplates\[0\]\.spec\.resources\.requests\.storage changes from "1Gi" to "2Gi"\./],
    ['pointing a volume at another NFS export', (d) => {
      d.nfsStorage[0].volumes[0].path = '/nfs_shared/other';
    }, ['PersistentVolume/lab-nfs-shared'], /its source changes: spec\.nfs\.path changes from "\/nfs_shared\/static" to "\/nfs_shared\/other"\./],
    ['changing a StorageClass parameter', (d) => {
      d.nfsStorage[0].storageClass.share = '/nfs_shared/dyn';
    }, ['StorageClass/lab-nfs'], /`StorageClass\/lab-nfs` \(dist\/lab\/lab\/\): parameters\.share changes from "[^"]+" to "\/nfs_shared\/dyn"\./],
  ])('%s: refused with a report, dist/ untouched; accepted per object with --allow-destroy', (_name, change, ids, line) => {
    const outdir = committedLab();
    const before = readTree(outdir);
    const refused = synthOver(outdir, [labWith(change)]);
    expect(refused).toBeDefined();
    expect([...new Set(refused!.refused.map((c) => c.id))].sort()).toEqual(ids);
    expect(refused!.report).toMatch(line);
    expect(refused!.report).toContain('Why it is dangerous: ');
    expect(refused!.report).toContain(`npm run synth -- ${ids.map((id) => `--allow-destroy ${id}`).join(' ')}`);
    expect(readTree(outdir)).toEqual(before);

    // One allowance short: still refused, still untouched.
    if (ids.length > 1) {
      expect(synthOver(outdir, [labWith(change)], ids.slice(1))?.refused.map((c) => c.id)).toEqual([ids[0]]);
      expect(readTree(outdir)).toEqual(before);
    }
    expect(synthOver(outdir, [labWith(change)], ids)).toBeUndefined();
    expect(readTree(outdir)).not.toEqual(before);
  });

  test('an unrelated change (an image tag) goes through without an allowance', () => {
    const outdir = committedLab();
    expect(synthOver(outdir, [labWith((d) => { d.nodePortApps[0].image = 'nginxinc/nginx-unprivileged:1.27.1-alpine'; })])).toBeUndefined();
    expect(fs.readFileSync(path.join(outdir, 'lab/lab/50-hello.yaml'), 'utf8')).toContain('image: nginxinc/nginx-unprivileged:1.27.1-alpine');
  });

  test('dropping a whole environment lists every stateful object of its folder', () => {
    const outdir = committedLab(true);
    const refused = synthOver(outdir, [], [], true);
    expect(refused?.refused.filter((c) => c.folder === 'lab/lab').map((c) => c.id)).toEqual([
      'Namespace/lab', 'Namespace/lab-node-agents', 'PersistentVolume/lab-nfs-shared', 'PersistentVolumeClaim/lab/nfs-shared', 'StatefulSet/lab/kv', 'StorageClass/lab-nfs',
    ]);
    // The lab was the cluster's only environment: its platform goes too, CRDs (and every custom resource of theirs) included.
    expect(refused?.refused.filter((c) => c.folder !== 'lab/lab').map((c) => c.id)).toEqual(expect.arrayContaining([
      'Namespace/metallb-system', 'CustomResourceDefinition/ipaddresspools.metallb.io', 'CustomResourceDefinition/certificates.cert-manager.io',
    ]));
  });

  test('an allowance that matches no change is refused, so a stale one cannot let a later change through', () => {
    const outdir = committedLab();
    const before = readTree(outdir);
    expect(() => synthesize(() => buildApp([lab]), { outdir, allowDestroy: ['StatefulSet/lab/kv'] }))
      .toThrow('--allow-destroy StatefulSet/lab/kv matches no destructive change (there are none); remove it');
    expect(readTree(outdir)).toEqual(before);
  });

  test('changing a Deployment selector is refused (immutable), naming old and new', () => {
    const app = (tier: string) => () => {
      const a = new App();
      const env = new Environment(a, 'legacy', { name: 'legacy' });
      // A hand-written Deployment whose selector changes between two versions of the source.
      const labels = { app: 'legacy', tier };
      new k8s.KubeDeployment(env.addChart('legacy'), 'legacy', {
        metadata: { name: 'legacy' },
        spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{ name: 'app', image: 'busybox:1.36', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
        } } },
      });
      return a;
    };
    const outdir = path.join(tempDir('guard-'), 'dist');
    synthesize(app('web'), { outdir });
    const before = readTree(outdir);
    let error: unknown;
    try {
      synthesize(app('frontend'), { outdir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DestructiveChangeError);
    expect((error as Error).message).toContain('`Deployment/legacy/legacy` (dist/legacy/legacy/): spec.selector.matchLabels.tier changes from "web" to "frontend".');
    expect((error as Error).message).toContain('the API server refuses this change (immutable field)');
    expect(readTree(outdir)).toEqual(before);
    synthesize(app('frontend'), { outdir, allowDestroy: ['Deployment/legacy/legacy'] });
  });

  test('an object that moves to another file of its folder is not removed; one that leaves the folder is', () => {
    const pvc = 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: c\n  namespace: e\n';
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  namespace: e\n';
    const before = new Map([['e/a.yaml', pvc], ['e/b.yaml', cm]]);
    expect(findDestructiveChanges(before, new Map([['e/a.yaml', cm], ['e/b.yaml', pvc]]))).toEqual([]);
    expect(findDestructiveChanges(before, new Map([['e/b.yaml', `${cm}---\n${pvc}`]]))).toEqual([]);
    expect(findDestructiveChanges(before, new Map([['e/b.yaml', cm], ['f/a.yaml', pvc]])).map((c) => `${c.folder} ${c.id}`)).toEqual(['e PersistentVolumeClaim/e/c']);
 
    // Written twice before, kept only in the file that did not change: not removed (found in the unchanged file).
    const twice = new Map([['e/a.yaml', pvc], ['e/b.yaml', `${cm}---\n${pvc}`]]);
    expect(findDestructiveChanges(twice, new Map([['e/a.yaml', cm], ['e/b.yaml', `${cm}---\n${pvc}`]]))).toEqual([]);
    // An unchanged file that merely mentions the name holds no such object: still removed.
    const mentions = new Map([['e/a.yaml', pvc], ['e/b.yaml', `${cm}data:\n  note: c\n`]]);
    expect(findDestructiveChanges(mentions, new Map([['e/a.yaml', cm], ['e/b.yaml', `${cm}data:\n  note: c\n`]])).map((c) => c.id)).toEqual(['PersistentVolumeClaim/e/c']);
  });

  test('a changed field shows each changed path inside it with its full old and new values, and a line diff for long values', () => {
    const sts = (storageClass: string, selector: string) => new Map([['c/e/a.yaml', [
      'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: kv\n  namespace: e\nspec:\n  serviceName: kv\n',
      `  selector:\n    matchLabels:\n      app: ${selector}\n`,
      `  volumeClaimTemplates:\n    - metadata:\n        name: data\n      spec:\n        storageClassName: ${storageClass}\n        resources:\n          requests:\n            storage: 1Gi\n`,
    ].join('')]]);
    // A StorageClass inside a claim template: the path to it, both values whole (not cut at 100 characters).
    const long = `nfs-${'x'.repeat(150)}`;
    const [change] = findDestructiveChanges(sts('lab-nfs', 'kv'), sts(long, 'kv'));
    expect(change.change.split('\n')[0]).toBe(`spec.volumeClaimTemplates[0].spec.storageClassName changes from "lab-nfs" to "${long}"`);
    expect(change.change).toContain(`\n\`\`\`diff\n- lab-nfs\n+ ${long}\n\`\`\``);
    // Two paths inside one field, short values: one line each, no diff.
    expect(findDestructiveChanges(sts('a', 'kv'), sts('b', 'kv2')).map((c) => c.change)).toEqual([
      'spec.selector.matchLabels.app changes from "kv" to "kv2"',
      'spec.volumeClaimTemplates[0].spec.storageClassName changes from "a" to "b"',
    ]);
    // The report keeps the diff inside the change's list item.
    const report = guardReport([{ id: 'StatefulSet/e/kv', folder: 'c/e', change: change.change, danger: 'x' }], []);
    expect(report).toContain(`- \`StatefulSet/e/kv\` (dist/c/e/): spec.volumeClaimTemplates[0].spec.storageClassName changes from "lab-nfs" to "${long}"\n  \`\`\`diff\n  - lab-nfs\n  + ${long}\n  \`\`\`\n  Why it is dangerous: x.`);
  });

  test('an object that appears inside an immutable field is shown whole, with a line diff of its indented JSON', () => {
    const pvc = (dataSource: string) => new Map([['e/a.yaml', `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: c\n  namespace: e\nspec:\n  accessModes: [ReadWriteOnce]\n${dataSource}`]]);
    const name = `nightly-${'0'.repeat(80)}`;
    const [change] = findDestructiveChanges(pvc(''), pvc(`  dataSource: { apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: ${name} }\n`));
    expect(change.change).toBe([
      `spec.dataSource changes from (unset) to {"apiGroup":"snapshot.storage.k8s.io","kind":"VolumeSnapshot","name":"${name}"}`,
      '```diff', '+ {', '+   "apiGroup": "snapshot.storage.k8s.io",', '+   "kind": "VolumeSnapshot",', `+   "name": "${name}"`, '+ }', '```',
    ].join('\n'));
  });

  test('a shrinking claim and a reclaim policy turned to Delete are reported; a growing claim is not', () => {
    const file = (storage: string, policy: string) => new Map([['e/a.yaml', [
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: c\n  namespace: e\nspec:\n  resources:\n    requests:\n      storage: ${storage}\n`,
      `---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: v\nspec:\n  persistentVolumeReclaimPolicy: ${policy}\n  nfs:\n    server: s\n    path: /p\n`,
    ].join('')]]);
    expect(findDestructiveChanges(file('1Gi', 'Retain'), file('2Gi', 'Retain'))).toEqual([]);
    expect(findDestructiveChanges(file('1Gi', 'Retain'), file('512Mi', 'Delete')).map((c) => `${c.id}: ${c.change}`)).toEqual([
      'PersistentVolume/v: persistentVolumeReclaimPolicy changes from Retain to Delete',
      'PersistentVolumeClaim/e/c: spec.resources.requests.storage shrinks from 1Gi to 512Mi',
    ]);
  });
});

describe('destructive-change guard: objects are compared by identity within a cluster', () => {
  const pvc = 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: c\n  namespace: e\n';
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: e\n';

  test.each<[string, Map<string, string>, Map<string, string>, string[]]>([
    ['the move from dist/<env>/ to dist/<cluster>/<env>/ (the layout before clusters)',
      new Map([['e/00-cluster.yaml', ns], ['e/50-app.yaml', pvc]]), new Map([['c1/e/00-cluster.yaml', ns], ['c1/e/50-app.yaml', pvc], ['c1/kustomization.yaml', 'x: 1\n']]), []],
    ['an environment moving to another folder of its cluster (renamed environment, same objects)',
      new Map([['c1/e/50-app.yaml', pvc]]), new Map([['c1/f/50-app.yaml', pvc]]), []],
    ['a real removal after the layout move', new Map([['e/00-cluster.yaml', ns], ['e/50-app.yaml', pvc]]), new Map([['c1/e/00-cluster.yaml', ns]]),
      ['e PersistentVolumeClaim/e/c: is removed']],
    ['an object moving from one cluster to another: removed from the first',
      new Map([['c1/e/50-app.yaml', pvc], ['c2/f/00-cluster.yaml', ns]]), new Map([['c2/f/00-cluster.yaml', ns], ['c2/f/50-app.yaml', pvc]]),
      ['c1/e PersistentVolumeClaim/e/c: is removed from cluster c1 (it moves to cluster c2: a new, empty object there)']],
    ['an environment moving to another cluster in the layout before clusters', new Map([['e/50-app.yaml', pvc]]), new Map([['c2/f/50-app.yaml', pvc]]),
      ['e PersistentVolumeClaim/e/c: is removed from cluster e (it moves to cluster c2: a new, empty object there)']],
  ])('%s', (_what, before, after, expected) => {
    expect(findDestructiveChanges(before, after).map((c) => `${c.folder} ${c.id}: ${c.change}`)).toEqual(expected);
  });

  test('the committed output of the layout before clusters moves to the cluster layout without an allowance; a removal is still refused', () => {
    const outdir = path.join(repoDir('guard-move-'), 'dist');
    // The output as the synth wrote it before clusters: dist/lab/*.yaml.
    synthesize(() => buildApp([lab]), { outdir });
    for (const f of fs.readdirSync(path.join(outdir, 'lab', 'lab'))) fs.renameSync(path.join(outdir, 'lab', 'lab', f), path.join(outdir, 'lab', `_${f}`));
    fs.rmSync(path.join(outdir, 'lab', 'lab'), { recursive: true });
    fs.rmSync(path.join(outdir, 'lab', 'kustomization.yaml'));
    for (const f of fs.readdirSync(path.join(outdir, 'lab'))) fs.renameSync(path.join(outdir, 'lab', f), path.join(outdir, 'lab', f.slice(1)));
    expect(fs.existsSync(path.join(outdir, 'lab', '50-kv.yaml'))).toBe(true);
    const legacy = readTree(outdir);
    expect(synthOver(outdir, [labWith((d) => { d.redisStores = []; delete d.autoscaledApps[0].connections; })])?.refused.map((c) => `${c.folder} ${c.id}`)).toEqual(['lab StatefulSet/lab/kv']);
    expect(readTree(outdir)).toEqual(legacy);
    expect(synthOver(outdir, [lab])).toBeUndefined();
    expect(fs.existsSync(path.join(outdir, 'lab', 'lab', '50-kv.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(outdir, 'lab', '50-kv.yaml'))).toBe(false);
  });
});

describe('destructive-change guard without the folder (plain `cdk8s synth` deletes it first)', () => {
  test('compares with the output committed at HEAD, and refuses without writing', () => {
    const repo = tempDir('guard-git-');
    const git = (...args: string[]) => {
      const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: repo, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    };
    git('init', '-q');
    const outdir = path.join(repo, 'dist');
    synthesize(() => buildApp([lab]), { outdir });
    git('add', 'dist');
    git('commit', '-qm', 'committed output');
    fs.rmSync(outdir, { recursive: true });
    const refused = synthOver(outdir, [labWith((d) => { d.redisStores[0].volumeClaimTemplates[0].storage = '2Gi'; })]);
    expect(refused?.refused.map((c) => c.id)).toEqual(['StatefulSet/lab/kv']);
    expect(fs.existsSync(outdir)).toBe(false);
    // An unchanged source goes through and writes the committed bytes again.
    synthesize(() => buildApp([lab]), { outdir });
    git('diff', '--exit-code', '--', 'dist');
  });
});

// The guard on the command line (build/main.js as a process): test/e2e/destroy-guard-cli.test.ts.

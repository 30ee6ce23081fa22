import { spawnSync } from 'child_process';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { clusters } from '../../environments';
import { buildApp } from '../../main';
import { synthesizeApp } from '../../lib/testing';
import { ROOT } from '../helpers';

// A real kubectl building each committed cluster folder, as `kubectl apply -k` and the GitOps tools do.
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe('the committed dist/ as kustomize builds it', () => {
  const rendered = synthesizeApp(buildApp()).files;

  (kubectl ? test.each : test.skip.each)(clusters.map((c) => c.name))('`kubectl kustomize dist/%s` yields every object of the cluster', (cluster) => {
    const r = spawnSync('kubectl', ['kustomize', path.join(ROOT, 'dist', cluster)], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
    expect(r.stderr).toBe('');
    const built = parseAllDocuments(r.stdout).map((d) => d.toJS());
    const expected = rendered.filter((f) => f.cluster === cluster && (f.environment !== '' || f.layer)).flatMap((f) => f.objects.map((o) => o.manifest));
    expect(built.map((m: any) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`).sort())
      .toEqual(expected.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`).sort());
  });
});

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { helmBinary, helmHomes } from '../../lib/cluster/helm';
import { synthesize } from '../../lib';
import { buildApp } from '../../main';
import { writeScaleChart } from '../../bench/helm-chart';
import { scaleDefinition } from '../../bench/scale-app';
import { objectsIn } from '../../bench/scale-bench';
import { tempDir } from '../helpers';

// `helm template` as a real process (from test/bench.test.ts, which keeps the in-process bench checks).
describe('bench: the helm template baseline renders exactly the objects of the scale app', () => {
  const dir = tempDir('bench-test-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `helm template --output-dir` of the chart written for `definition`. */
  function helmTemplate(definition: ReturnType<typeof scaleDefinition>, name: string): string {
    const chart = writeScaleChart(definition, path.join(dir, `chart-${name}`));
    const out = path.join(dir, `helm-${name}`);
    const r = spawnSync(helmBinary(), ['template', 'scale', chart, '--output-dir', out], {
      encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, ...helmHomes(path.join(dir, `homes-${name}`)) },
    });
    if (r.status !== 0) throw new Error(r.stderr);
    return out;
  }

  test('the same objects, compared as parsed data (the bytes differ: Helm writes one file with # Source comments)', () => {
    const ours = path.join(dir, 'ours');
    synthesize(() => buildApp([scaleDefinition(3)]), { outdir: ours });
    const helm = helmTemplate(scaleDefinition(3), 'same');
    const objects = objectsIn(ours);
    // Per app Deployment, HPA, PDB, Service, Ingress and its NetworkPolicy; Namespace, ResourceQuota, LimitRange, default-deny.
    expect(objects).toHaveLength(3 * 6 + 4);
    expect(objectsIn(helm)).toEqual(objects);
    expect(fs.readFileSync(path.join(helm, 'scale/templates/apps.yaml'), 'utf8')).toContain('# Source: scale/templates/apps.yaml');
  });

  test('a chart that renders one value differently is told apart', () => {
    const definition = scaleDefinition(3);
    const other = { ...definition, autoscaledApps: definition.autoscaledApps!.map((a, i) => (i === 1 ? { ...a, maxReplicas: 5 } : a)) };
    const ours = path.join(dir, 'ours-3');
    synthesize(() => buildApp([definition]), { outdir: ours });
    expect(objectsIn(helmTemplate(other, 'other'))).not.toEqual(objectsIn(ours));
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { isKnownApiVersion } from '../../lib/checks/api-versions';
import { ChartRenderError, renderChart, renderKey } from '../../lib/cluster/chart-render';
import { platformLock } from '../../lib/cluster/platform-files';
import { validateManifest } from '../../lib/checks/schema';
import { tempDir } from '../helpers';

/** Every pinned chart, rendered for real by Helm (seconds each): the end-to-end half of test/platform-render.test.ts. */
type Manifest = Record<string, any>;
const charted = [...platformLock().values()].filter((c) => c.files[0].name.endsWith('.tgz'));
/** A temporary folder, removed after this file by test/setup-temp.ts. */
const temp = (prefix: string) => tempDir(prefix);

describe('pinned charts render offline from the verified copies', () => {
  test.each(charted.map((c) => [c.id, c.files[0].name, c.namespace!]))('%s (%s) renders with Helm into objects that pass the 1.34 API schema, and renders the same twice', (id, chart, namespace) => {
    const cache = temp('render-cache-');
    const saved = process.env.ONPREM_RENDER_CACHE;
    process.env.ONPREM_RENDER_CACHE = cache;
    try {
      const request = { componentId: id, chart, release: id.toLowerCase(), namespace, values: {}, kubernetesVersion: '1.34' };
      const first = renderChart(request);
      expect(first.length).toBeGreaterThan(0);
      expect(fs.readdirSync(cache)).toEqual([`${renderKey(request)}.json`]);
      fs.rmSync(path.join(cache, `${renderKey(request)}.json`));
      expect(renderChart(request)).toEqual(first); // deterministic: nothing random in the pinned charts' defaults
      const builtIn = first.filter((m: Manifest) => isKnownApiVersion(String(m.apiVersion), String(m.kind)));
      for (const m of builtIn) expect(validateManifest(m, '1.34').filter((v) => !/^spec\.versions\[\d+\]\.schema/.test(v.field))).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.ONPREM_RENDER_CACHE;
      else process.env.ONPREM_RENDER_CACHE = saved;
    }
  });

  test('values the chart\'s values.schema.json refuses fail the render with Helm\'s message (MetalLB)', () => {
    const request = { componentId: 'metallb', chart: 'metallb-0.16.1.tgz', release: 'metallb', namespace: 'metallb-system', values: { speaker: { enabled: 'yes' } }, kubernetesVersion: '1.34' };
    expect(() => renderChart(request)).toThrow(ChartRenderError);
    expect(() => renderChart(request)).toThrow(/MetalLB 0\.16\.1: helm template refused the chart or its values .*speaker/s);
  });

  test('the render key changes with the values, the Kubernetes version and the release, not with the order of nothing else', () => {
    const base = { componentId: 'metricsServer', chart: 'metrics-server-3.13.1.tgz', release: 'metrics-server', namespace: 'kube-system', values: {}, kubernetesVersion: '1.34' };
    const keys = new Set([base, { ...base, values: { args: ['--kubelet-insecure-tls'] } }, { ...base, kubernetesVersion: '1.33' }, { ...base, release: 'ms' }].map(renderKey));
    expect(keys.size).toBe(4);
    expect(renderKey({ ...base })).toBe(renderKey(base));
  });
});


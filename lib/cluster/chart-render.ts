/**
 * `helm template` of a pinned chart, with a content-addressed cache: a render is keyed by the chart's
 * sha256, the release name, namespace, values, Kubernetes version and the Helm version, so an unchanged
 * platform costs one file read per chart. Helm itself validates the values against the chart's
 * `values.schema.json` (when it ships one) and fails the render with the path of the bad value.
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { helmBinary, helmHomes, HELM_VERSION } from './helm';
import { readCache, writeCache } from '../checks/cache';
import { platformFile, platformFileDigest, platformLock } from './platform-files';

/** What to render. */
export interface ChartRenderRequest {
  /** The component's id in `platform.lock.json`. */
  readonly componentId: string;
  /** The chart file pinned for it. */
  readonly chart: string;
  /** Helm release name. */
  readonly release: string;
  /** Namespace of the release. */
  readonly namespace: string;
  /** Values (only plain JSON data). */
  readonly values: Record<string, unknown>;
  /** Kubernetes minor the cluster runs, e.g. `1.33` (Helm's `.Capabilities.KubeVersion`). */
  readonly kubernetesVersion: string;
}

/** Helm refused the chart or its values: the message carries Helm's own. */
export class ChartRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartRenderError';
  }
}

/** The cache key of a request (hex sha256 of everything that decides the output). */
export function renderKey(r: ChartRenderRequest): string {
  const input = JSON.stringify({
    chart: platformFileDigest(r.componentId, r.chart), release: r.release, namespace: r.namespace,
    values: r.values, kubernetesVersion: r.kubernetesVersion, helm: HELM_VERSION,
  });
  return crypto.createHash('sha256').update(input).digest('hex');
}

/**
 * The manifests `helm template` writes for the request (hooks included, chart tests skipped, CRDs
 * included), from the cache when the same request was rendered before.
 */
export function renderChart(r: ChartRenderRequest): Record<string, unknown>[] {
  const name = `${renderKey(r)}.json`;
  const cached = readCache<Record<string, unknown>[]>(name);
  if (cached) return cached;
  const docs = helmTemplate(r);
  writeCache(name, docs);
  return docs;
}

function helmTemplate(r: ChartRenderRequest): Record<string, unknown>[] {
  const c = platformLock().get(r.componentId)!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onprem-helm-'));
  try {
    const chart = path.join(dir, r.chart);
    fs.writeFileSync(chart, platformFile(r.componentId, r.chart));
    const values = path.join(dir, 'values.json');
    fs.writeFileSync(values, JSON.stringify(r.values));
    const args = ['template', r.release, chart, '--namespace', r.namespace, '--kube-version', `v${r.kubernetesVersion}.0`,
      '--include-crds', '--skip-tests', '--values', values];
    const run = spawnSync(helmBinary(), args, {
      env: { PATH: process.env.PATH ?? '', ...helmHomes(path.join(dir, 'homes')) },
      encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    });
    if (run.error) throw new ChartRenderError(`${c.name} ${c.version}: helm template could not run: ${run.error.message}`);
    if (run.status !== 0) {
      throw new ChartRenderError(`${c.name} ${c.version}: helm template refused the chart or its values (values: ${JSON.stringify(r.values)}): ${run.stderr.trim()}`);
    }
    return parseAllDocuments(run.stdout)
      .map((d) => d.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null)
      .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

import * as fs from 'fs';
import * as path from 'path';
import * as schema from '../lib/checks/schema';
import { packagesIdentity, schemaSetsIdentity } from '../lib/checks/schema-sets';
import * as crypto from 'crypto';
import type { PassedObjects } from '../lib/checks';
import { CEL_PACKAGES, crdValidationRules } from '../lib/checks/cel';
import { KEPT, ValidatedObjects } from '../lib/synth/validated-objects';
import { tempDir, withPackageVersion } from './helpers';

type Obj = Record<string, any>;
const configMap = (name: string): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'dev' }, data: { a: 'b' } });
// Service trafficDistribution is a field from Kubernetes 1.31: in the 1.33 schema set, not in the exact 1.27 one.
const service: Obj = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'dev' }, spec: { ports: [{ port: 80 }], trafficDistribution: 'PreferClose' } };

describe('the objects that passed the schema check are kept, so a synth checks only what changed', () => {
  let saved: Record<string, string | undefined>;
  let cache: string;
  let spy: jest.SpyInstance;
  beforeEach(() => {
    saved = { ONPREM_RENDER_CACHE: process.env.ONPREM_RENDER_CACHE, ONPREM_CHECK_CACHE: process.env.ONPREM_CHECK_CACHE };
    cache = tempDir('validated-');
    process.env.ONPREM_RENDER_CACHE = cache;
    delete process.env.ONPREM_CHECK_CACHE;
    spy = jest.spyOn(schema, 'validateManifest');
  });
  afterEach(() => {
    spy.mockRestore();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });
  const kept = () => fs.readdirSync(cache).filter((n) => n.startsWith('validated-')).flatMap((n) => fs.readFileSync(path.join(cache, n), 'utf8').split('\n').filter(Boolean));

  test('an object that passed is checked once, then found, also by a new process reading the file', () => {
    const first = ValidatedObjects.forThisCode();
    expect(first.validate(configMap('a'), '1.33')).toEqual([]);
    expect(first.validate(configMap('a'), '1.33')).toEqual([]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(kept()).toEqual([]);
    first.remember();
    expect(kept()).toHaveLength(1);
    // A new process: the module loaded again reads the file.
    jest.isolateModules(() => {
      const fresh = (require('../lib/synth/validated-objects') as typeof import('../lib/synth/validated-objects')).ValidatedObjects.forThisCode();
      const check = jest.spyOn(require('../lib/checks/schema') as typeof schema, 'validateManifest');
      expect(fresh.validate(configMap('a'), '1.33')).toEqual([]);
      expect(fresh.validate(configMap('b'), '1.33')).toEqual([]);
      expect(check).toHaveBeenCalledTimes(1);
    });
  });

  test('a refused object is never kept; the Kubernetes version is part of what is kept', () => {
    const v = ValidatedObjects.forThisCode();
    const bad = { ...configMap('c'), data: { a: 1 } };
    expect(v.validate(bad, '1.33')).not.toEqual([]);
    expect(v.validate(bad, '1.33')).not.toEqual([]);
    expect(v.validate(service, '1.33')).toEqual([]);
    expect(v.validate(service, '1.27').map((x) => `${x.field} ${x.message}`)).toEqual(['spec.trafficDistribution is not a field of v1 Service']);
    v.remember();
    expect(kept()).toHaveLength(1);
    expect(spy).toHaveBeenCalledTimes(4);
  });

  test('an object with a value JSON cannot tell apart (NaN as null, undefined dropped) is always checked', () => {
    const v = ValidatedObjects.forThisCode();
    const deployment = (replicas: unknown): Obj => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'dev' }, spec: {
      replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1.0.0' }] } } } });
    expect(v.validate(deployment(null), '1.33')).toEqual([]);
    expect(v.validate(deployment(NaN), '1.33').map((x) => `${x.field} ${x.message}`)).toEqual(['spec.replicas must be of type integer']);
    expect(v.validate(deployment(undefined), '1.33')).toEqual(schema.validateManifest(deployment(undefined), '1.33'));
    v.remember();
    expect(kept()).toHaveLength(1);
  });

  test("an imported CRD's custom resource is kept like a built-in kind; ONPREM_CHECK_CACHE=off checks everything every time and keeps nothing", () => {
    const pool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'p', namespace: 'metallb-system' }, spec: { addresses: ['192.168.1.240/28'] } };
    const v = ValidatedObjects.forThisCode();
    expect(v.validate(pool, '1.33')).toEqual([]);
    expect(v.validate(pool, '1.33')).toEqual([]);
    expect(spy).toHaveBeenCalledTimes(1);
    process.env.ONPREM_CHECK_CACHE = 'off';
    const off = ValidatedObjects.forThisCode();
    expect(off.validate(configMap('d'), '1.33')).toEqual([]);
    expect(off.validate(configMap('d'), '1.33')).toEqual([]);
    expect(off.validate(pool, '1.33')).toEqual([]);
    off.remember();
    expect(spy).toHaveBeenCalledTimes(4);
    expect(kept()).toEqual([]);
    v.remember();
    expect(kept()).toHaveLength(1);
  });

  test('a kind whose schema was registered at runtime (a factory no key can name) is always checked, also one that replaces an imported CRD', () => {
    jest.isolateModules(() => {
      const fresh = require('../lib/checks/schema') as typeof schema;
      const { ValidatedObjects: Fresh } = require('../lib/synth/validated-objects') as typeof import('../lib/synth/validated-objects');
      let runs = 0;
      const count = () => () => {
        runs++;
        return [];
      };
      fresh.registerCustomResourceSchema('example.com/v1', 'Widget', count);
      fresh.registerCustomResourceSchema('metallb.io/v1beta1', 'IPAddressPool', count);
      expect(fresh.isPureSchemaCheck('metallb.io/v1beta1', 'IPAddressPool')).toBe(false);
      expect(fresh.isPureSchemaCheck('metallb.io/v1beta1', 'L2Advertisement')).toBe(true);
      expect(fresh.isPureSchemaCheck('v1', 'ConfigMap')).toBe(true);
      const v = Fresh.forThisCode();
      const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'dev' } };
      const pool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'p', namespace: 'metallb-system' }, spec: { addresses: ['192.168.1.240/28'] } };
      for (let i = 0; i < 2; i++) {
        expect(v.validate(widget, '1.33')).toEqual([]);
        expect(v.validate(pool, '1.33')).toEqual([]);
      }
      expect(runs).toBe(4);
      v.remember();
    });
    expect(kept()).toEqual([]);
  });

  test("the CRD rules of an imported CRD run once per object that passes them, always on one that breaks them, and the same answers either way", () => {
    const repo = (extra: Obj): Obj => ({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'r', namespace: 'dev' },
      spec: { url: 'https://git.example.com/r.git', interval: '1m', ...extra } });
    const objects = [repo({}), repo({ serviceAccountName: 'fetcher' })].map((manifest, i) => ({ manifest, constructPath: `app/r${i}` }));
    const unmemoized = crdValidationRules(objects);
    expect(unmemoized).toHaveLength(1);
    expect(unmemoized[0]).toContain("serviceAccountName can only be set when provider is 'azure' or 'aws'");
    const v = ValidatedObjects.forThisCode();
    let runs = 0;
    const counting: PassedObjects = { problems: (check, manifest, run) => v.problems(check, manifest, () => (runs++, run())) };
    expect(crdValidationRules(objects, { passed: counting })).toEqual(unmemoized);
    expect(crdValidationRules(objects, { passed: counting })).toEqual(unmemoized);
    expect(runs).toBe(3);
    v.remember();
    expect(kept()).toHaveLength(1);
    jest.isolateModules(() => {
      const { ValidatedObjects: Fresh } = require('../lib/synth/validated-objects') as typeof import('../lib/synth/validated-objects');
      const cel = require('../lib/checks/cel') as typeof import('../lib/checks/cel');
      const before = cel.celRuleStats().evaluated;
      expect(cel.crdValidationRules(objects.slice(0, 1), { passed: Fresh.forThisCode() })).toEqual([]);
      expect(cel.celRuleStats().evaluated).toBe(before);
    });
  });

  test('past KEPT objects the file is rewritten with the newest half, the new object last', () => {
    const v = ValidatedObjects.forThisCode();
    v.validate(configMap('f'), '1.33');
    v.remember();
    const [file] = fs.readdirSync(cache).filter((n) => n.startsWith('validated-'));
    const old = Array.from({ length: KEPT }, (_, i) => crypto.createHash('sha256').update(String(i)).digest('base64'));
    fs.writeFileSync(path.join(cache, file), `${old.join('\n')}\n`);
    jest.isolateModules(() => {
      const fresh = (require('../lib/synth/validated-objects') as typeof import('../lib/synth/validated-objects')).ValidatedObjects.forThisCode();
      fresh.validate(configMap('g'), '1.33');
      fresh.remember();
    });
    const lines = kept();
    expect(lines).toHaveLength(KEPT / 2);
    expect(lines.slice(0, -1)).toEqual(old.slice(-(KEPT / 2 - 1)));
    expect(fs.readdirSync(cache).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  test('the file is named after every package the validators load, as Node resolves them (the models, their validator, ajv and its formats)', () => {
    const identity = JSON.parse(schemaSetsIdentity()) as string[];
    for (const pkg of ['kubernetes-models', '@kubernetes-models/validate', '@kubernetes-models/apimachinery', 'ajv', 'ajv-formats']) {
      expect(identity.some((entry) => entry.startsWith(`${pkg}@`) && /@\d+\.\d+\.\d+/.test(entry))).toBe(true);
    }
  });

  test('the file is also named after the packages the CRD rules are evaluated with: another version of @bufbuild/cel checks every object again', () => {
    const filesWith = (celVersion: string | undefined) => {
      withPackageVersion('@bufbuild/cel', celVersion, () => {
        const v = (require('../lib/synth/validated-objects') as typeof import('../lib/synth/validated-objects')).ValidatedObjects.forThisCode();
        v.validate(configMap('h'), '1.33');
        v.remember();
      });
      return fs.readdirSync(cache).filter((n) => n.startsWith('validated-'));
    };
    expect(filesWith(undefined)).toHaveLength(1);
    expect(filesWith('99.0.0')).toHaveLength(2);
    // What the closure holds: @bufbuild/cel, what it requires (a peer included) and the regular expressions' engine.
    const identity = packagesIdentity(CEL_PACKAGES);
    for (const pkg of ['@bufbuild/cel', '@bufbuild/protobuf', 're2js']) expect(identity.some((entry) => entry.startsWith(`${pkg}@`) && /@\d+\.\d+\.\d+/.test(entry))).toBe(true);
  });

  test('a line that is no key (a torn write, another tool) is dropped when the file is read', () => {
    const v = ValidatedObjects.forThisCode();
    v.validate(configMap('e'), '1.33');
    v.remember();
    const [file] = fs.readdirSync(cache).filter((n) => n.startsWith('validated-'));
    const [key] = kept();
    fs.writeFileSync(path.join(cache, file), `garbage\n${key.slice(0, 20)}\n${key}\n`);
    jest.isolateModules(() => {
      const fresh = (require('../lib/synth/validated-objects') as typeof import('../lib/synth/validated-objects')).ValidatedObjects.forThisCode();
      const check = jest.spyOn(require('../lib/checks/schema') as typeof schema, 'validateManifest');
      expect(fresh.validate(configMap('e'), '1.33')).toEqual([]);
      expect(check).not.toHaveBeenCalled();
      expect(fresh.validate({ ...configMap('e'), data: { a: 'c' } }, '1.33')).toEqual([]);
      expect(check).toHaveBeenCalledTimes(1);
    });
  });
});

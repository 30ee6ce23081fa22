import * as fs from 'fs';
import * as path from 'path';
import { compileCrdSchema, registerCustomResourceSchema, validateManifest } from '../lib';
import { tempDir } from './helpers';

function deployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'dev', labels: { 'app.kubernetes.io/name': 'web' }, annotations: { any: 'thing' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
        spec: {
          containers: [{
            name: 'web',
            image: 'nginxinc/nginx-unprivileged:1.27-alpine',
            ports: [{ containerPort: 8080, name: 'http' }],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
          }],
        },
      },
    },
  };
}

describe('Kubernetes 1.27 schema', () => {
  test('a valid object has no violations (maps such as labels and resources accept any key)', () => {
    expect(validateManifest(deployment())).toEqual([]);
  });

  test('a wrong field type names the object and the field', () => {
    const d = deployment();
    d.spec.replicas = 'two';
    expect(validateManifest(d)).toEqual([{ object: 'Deployment dev/web', field: 'spec.replicas', message: 'must be of type integer' }]);
  });

  test('an unknown field names the object and the field', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    expect(validateManifest(d)).toEqual([{
      object: 'Deployment dev/web',
      field: 'spec.template.spec.containers[0].imagePullPolicyy',
      message: 'is not a field of apps/v1 Deployment',
    }]);
  });

  test('a field that exists elsewhere in the API is still unknown where it does not belong', () => {
    const d = deployment();
    d.spec.externalTrafficPolicy = 'Local';
    expect(validateManifest(d).map((v) => v.field)).toEqual(['spec.externalTrafficPolicy']);
  });

  test('a missing required field is reported', () => {
    const d = deployment();
    delete d.spec.selector;
    expect(validateManifest(d)).toEqual([{ object: 'Deployment dev/web', field: 'spec', message: 'is missing required field "selector"' }]);
  });

  test('a bad enum value is reported', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'Loadbalancer', ports: [{ port: 80 }] } };
    expect(validateManifest(svc)).toEqual([{
      object: 'Service s', field: 'spec.type', message: 'must be one of ["ClusterIP","ExternalName","LoadBalancer","NodePort"]',
    }]);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 'x' }] }] } };
    expect(validateManifest(pod).map((v) => v.field)).toEqual(['spec.containers[0].ports[0].containerPort']);
  });

  test('an apiVersion or kind that 1.27 does not have is refused', () => {
    expect(validateManifest({ ...deployment(), apiVersion: 'apps/v1beta1' })[0].message)
      .toBe('apps/v1beta1 Deployment is not served by Kubernetes 1.27 (removed in 1.16); it serves apps/v1');
    // kubernetes-models still ships these removed versions; a 1.27 API server does not serve them.
    expect(validateManifest({ ...deployment(), apiVersion: 'extensions/v1beta1', kind: 'Ingress' })).toHaveLength(1);
    expect(validateManifest({ apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' } })).toHaveLength(1);
    expect(validateManifest({ apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', metadata: { name: 'x' } })[0].message)
      .toBe('networking.k8s.io/v1beta1 Ingress is not served by Kubernetes 1.27 (removed in 1.22); it serves networking.k8s.io/v1');
    expect(validateManifest({ apiVersion: 'metallb.io/v1beta2', kind: 'IPAddressPool', metadata: { name: 'x' } })[0].message)
      .toBe('metallb.io/v1beta2 IPAddressPool is not a Kubernetes 1.27 kind nor a registered custom resource');
  });

  test('imported CRDs are registered by their served versions', () => {
    const pool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'p', namespace: 'metallb-system' }, spec: { addresses: ['10.0.0.0/28'] } };
    expect(validateManifest(pool)).toEqual([]);
    expect(validateManifest({ ...pool, spec: {} })).toEqual([{ object: 'IPAddressPool metallb-system/p', field: 'spec', message: 'is missing required field "addresses"' }]);
  });

  test('custom resources are checked by their registered schema', () => {
    // A stand-in for a compiled CRD schema: it looks at every field it knows, as a generated validator does.
    registerCustomResourceSchema('example.com/v1', 'Widget', () => (data: any) => {
      const { apiVersion, kind, metadata, spec } = data;
      expect([apiVersion, kind, metadata?.name]).toBeDefined();
      return typeof spec?.size === 'number' ? [] : [{ instancePath: '/spec/size', keyword: 'type', params: { type: 'integer' } }];
    });
    expect(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } })).toEqual([]);
    expect(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'x' } }))
      .toEqual([{ object: 'Widget w', field: 'spec.size', message: 'must be of type integer' }]);
    expect(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1, colour: 'red' } }))
      .toEqual([{ object: 'Widget w', field: 'spec.colour', message: 'is not a field of example.com/v1 Widget' }]);
  });
});

describe('compiled CRD validators are kept in the render cache', () => {
  const schema = { type: 'object', properties: { spec: { type: 'object', required: ['size'], properties: {
    size: { type: 'integer', minimum: 1 }, name: { type: 'string', pattern: '^[a-z]+$' } } } } };
  const errorsOf = (s: object, data: unknown) => compileCrdSchema(s)(data).map((e) => `${e.instancePath} ${e.keyword}`);

  test('a compile keeps ajv\'s code under a key of the schema; the next compile loads it; a damaged entry is compiled again', () => {
    const saved = process.env.ONPREM_RENDER_CACHE;
    process.env.ONPREM_RENDER_CACHE = tempDir('ajv-cache-');
    try {
      const bad = { spec: { size: 0, name: 'A1' } };
      expect(errorsOf(schema, bad)).toEqual(['/spec/size minimum', '/spec/name pattern']);
      const [file, ...more] = fs.readdirSync(process.env.ONPREM_RENDER_CACHE);
      expect(file).toMatch(/^ajv-[0-9a-f]{64}\.json$/);
      expect(more).toEqual([]);
      const kept = path.join(process.env.ONPREM_RENDER_CACHE, file);

      // The kept code is what the next compile of the same schema runs (a stand-in that refuses everything shows it).
      const keptCode = fs.readFileSync(kept, 'utf8');
      fs.writeFileSync(kept, JSON.stringify('module.exports = (d) => { module.exports.errors = [{ instancePath: "/cached", keyword: "x", params: {} }]; return false; };'));
      expect(errorsOf(schema, { spec: { size: 1 } })).toEqual(['/cached x']);
      fs.writeFileSync(kept, keptCode);
      expect(errorsOf(schema, bad)).toEqual(['/spec/size minimum', '/spec/name pattern']);
      expect(errorsOf(schema, { spec: { size: 2, name: 'ok' } })).toEqual([]);

      // Another schema has its own entry; a damaged entry is compiled again and replaced.
      expect(errorsOf({ ...schema, required: ['spec'] }, {})).toEqual([' required']);
      expect(fs.readdirSync(process.env.ONPREM_RENDER_CACHE)).toHaveLength(2);
      fs.writeFileSync(kept, '"not javascript {"');
      expect(errorsOf(schema, bad)).toEqual(['/spec/size minimum', '/spec/name pattern']);
      expect(fs.readFileSync(kept, 'utf8')).toBe(keptCode);
    } finally {
      if (saved === undefined) delete process.env.ONPREM_RENDER_CACHE;
      else process.env.ONPREM_RENDER_CACHE = saved;
    }
  });
});

describe('imports', () => {
  test('every CRD listed in cdk8s.yaml has its generated schema, and nothing else is registered', () => {
    const fs = require('fs');
    const path = require('path');
    const { parse } = require('yaml');
    const { CRD_SCHEMAS } = require('../imports/crd-schemas');
    const urls = parse(fs.readFileSync(path.join(__dirname, '..', 'cdk8s.yaml'), 'utf8')).imports.map((i: string) => i.split(':=')[1]);
    const releases = [
      'https://raw.githubusercontent.com/metallb/metallb/v0.16.1/', 'https://raw.githubusercontent.com/cert-manager/cert-manager/v1.21.1/',
      'https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/', 'https://raw.githubusercontent.com/fluxcd/kustomize-controller/v1.9.4/',
      'https://raw.githubusercontent.com/fluxcd/source-controller/v1.9.1/', 'https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/v1.2.1/',
    ];
    expect(urls.filter((u: string) => !releases.some((r) => u.startsWith(r)))).toEqual([]);
    expect([...new Set(CRD_SCHEMAS.map((s: any) => s.source))].sort()).toEqual([...urls].sort());
    expect(CRD_SCHEMAS.map((s: any) => `${s.apiVersion} ${s.kind}`)).toEqual([
      'argoproj.io/v1alpha1 Application', 'cert-manager.io/v1 Certificate', 'cert-manager.io/v1 ClusterIssuer', 'cert-manager.io/v1 Issuer',
      'gateway.networking.k8s.io/v1 Gateway', 'gateway.networking.k8s.io/v1beta1 Gateway', 'gateway.networking.k8s.io/v1 HTTPRoute',
      'gateway.networking.k8s.io/v1beta1 HTTPRoute', 'gateway.networking.k8s.io/v1beta1 ReferenceGrant', 'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'metallb.io/v1beta1 IPAddressPool', 'metallb.io/v1beta1 L2Advertisement', 'source.toolkit.fluxcd.io/v1 GitRepository',
    ]);
  });
});

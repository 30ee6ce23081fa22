import { App } from 'cdk8s';
import { ChartTier, Cluster, Environment, IngressRoutes, renderApp } from '../../lib';
import { CLUSTER_CHECKS } from '../../lib/checks/cluster';
import { certManagerIssuerRefs } from '../../lib/checks/cert-manager';
import { ClusterRow, expectClusterRow, facts, obj } from './cluster-fixtures';

const issuers = facts({ issuers: [{ name: 'nonprod-ca', kind: 'selfSignedCa' }, { name: 'corp-pki', kind: 'ca' }, { name: 'letsencrypt', kind: 'acme' }, { name: 'vault-issuer', kind: 'external' }] });

/** A Certificate written by `<env>/routes/apps`, naming `issuerRef`. */
const certificate = (env: string, issuerRef: Record<string, unknown>) => obj(`${env}/routes/apps/Certificate-0`, {
  apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'apps-tls', namespace: env },
  spec: { secretName: 'apps-tls', dnsNames: ['apps.example.internal'], issuerRef },
});
/** An Ingress or Gateway asking cert-manager for a certificate by annotation. */
const annotated = (kind: 'Ingress' | 'Gateway', env: string, annotations: Record<string, string>) => obj(`${env}/routes/apps/${kind}`, {
  apiVersion: kind === 'Ingress' ? 'networking.k8s.io/v1' : 'gateway.networking.k8s.io/v1', kind, metadata: { name: 'apps', namespace: env, annotations },
  spec: {},
});
const issuer = (env: string, name: string, ns = env) => obj(`${env}/certs/${name}`, { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name, namespace: ns }, spec: { selfSigned: {} } });
const clusterIssuer = (env: string, name: string) => obj(`${env}/certs/${name}`, { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name }, spec: { selfSigned: {} } });

const rows: ClusterRow[] = [
  // passes
  { name: 'a ClusterIssuer the cluster writes (selfSignedCa)', objects: [certificate('dev', { name: 'nonprod-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' })], facts: issuers },
  { name: 'a ClusterIssuer from the operators\' CA Secret, group left out', objects: [certificate('dev', { name: 'corp-pki', kind: 'ClusterIssuer' })], facts: issuers },
  { name: 'a ClusterIssuer declared external', objects: [certificate('dev', { name: 'vault-issuer', kind: 'ClusterIssuer' })], facts: issuers },
  { name: 'an external issuer of another group, declared external', objects: [certificate('dev', { name: 'vault-issuer', kind: 'VaultIssuer', group: 'vault.example.com' })], facts: issuers },
  { name: 'a ClusterIssuer object among the cluster\'s objects', objects: [clusterIssuer('dev', 'team-ca'), certificate('staging', { name: 'team-ca', kind: 'ClusterIssuer' })], facts: issuers },
  { name: 'an Issuer object in the Certificate\'s namespace', objects: [issuer('dev', 'team-ca'), certificate('dev', { name: 'team-ca', kind: 'Issuer' })], facts: issuers },
  { name: 'an empty kind is Issuer, found in the namespace', objects: [issuer('dev', 'team-ca'), certificate('dev', { name: 'team-ca' })], facts: issuers },
  { name: 'the Ingress annotation naming a declared ClusterIssuer', objects: [annotated('Ingress', 'dev', { 'cert-manager.io/cluster-issuer': 'letsencrypt' })], facts: issuers },
  { name: 'the Gateway annotation naming a declared ClusterIssuer', objects: [annotated('Gateway', 'dev', { 'cert-manager.io/cluster-issuer': 'nonprod-ca' })], facts: issuers },
  { name: 'the issuer annotation with an Issuer in the namespace', objects: [issuer('dev', 'team-ca'), annotated('Ingress', 'dev', { 'cert-manager.io/issuer': 'team-ca' })], facts: issuers },
  { name: 'unknown issuers (an environment\'s own cluster): ClusterIssuers unchecked', objects: [certificate('dev', { name: 'anything', kind: 'ClusterIssuer' })], facts: facts() },
  { name: 'an Ingress without cert-manager annotations', objects: [annotated('Ingress', 'dev', { 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' })], facts: facts({ issuers: [] }) },
  // refusals
  {
    name: 'a ClusterIssuer nothing provides',
    objects: [certificate('dev', { name: 'lab-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' })], facts: issuers,
    expected: [
      'dev/routes/apps/Certificate-0: Certificate dev/apps-tls spec.issuerRef names ClusterIssuer "lab-ca", which cluster "nonprod" neither provides nor declares external',
      '(its issuers: nonprod-ca, corp-pki, letsencrypt, vault-issuer (external))', 'IssuerNotFound', 'add it to the cluster\'s issuers',
    ],
  },
  {
    name: 'any ClusterIssuer on a cluster that declares none',
    objects: [certificate('dev', { name: 'nonprod-ca', kind: 'ClusterIssuer' })], facts: facts({ issuers: [] }),
    expected: ['names ClusterIssuer "nonprod-ca"', '(its issuers: none)'],
  },
  {
    name: 'an Issuer that is not in the Certificate\'s namespace',
    objects: [issuer('staging', 'team-ca'), certificate('dev', { name: 'team-ca', kind: 'Issuer' })], facts: issuers,
    expected: ['dev/routes/apps/Certificate-0: Certificate dev/apps-tls spec.issuerRef names Issuer "team-ca", which no object of cluster "nonprod" creates in namespace "dev"', 'Referenced \\"Issuer\\" not found'],
  },
  {
    name: 'an empty kind is Issuer, not the ClusterIssuer of that name',
    objects: [certificate('dev', { name: 'nonprod-ca' })], facts: issuers,
    expected: ['names Issuer "nonprod-ca", which no object of cluster "nonprod" creates in namespace "dev"'],
  },
  {
    name: 'an Issuer checked even when the cluster\'s issuers are unknown',
    objects: [certificate('dev', { name: 'team-ca', kind: 'Issuer' })], facts: facts(),
    expected: ['names Issuer "team-ca"'],
  },
  {
    name: 'an external issuer group the cluster does not declare external',
    objects: [certificate('dev', { name: 'step-ca', kind: 'StepClusterIssuer', group: 'certmanager.step.sm' })], facts: issuers,
    expected: ['names StepClusterIssuer "step-ca" of group "certmanager.step.sm", an external issuer', 'does not declare it external', '{ name: "step-ca", external: true }'],
  },
  {
    name: 'another group naming an issuer the cluster writes itself (not external)',
    objects: [certificate('dev', { name: 'corp-pki', kind: 'AWSPCAClusterIssuer', group: 'awspca.cert-manager.io' })], facts: issuers,
    expected: ['names AWSPCAClusterIssuer "corp-pki" of group "awspca.cert-manager.io"', 'does not declare it external'],
  },
  {
    name: 'a kind of cert-manager\'s group that is no issuer',
    objects: [certificate('dev', { name: 'nonprod-ca', kind: 'Certificate' })], facts: issuers,
    expected: ['names kind "Certificate" of group cert-manager.io, which is neither Issuer nor ClusterIssuer'],
  },
  {
    name: 'the Ingress cluster-issuer annotation naming an undeclared issuer',
    objects: [annotated('Ingress', 'dev', { 'cert-manager.io/cluster-issuer': 'lab-ca' })], facts: issuers,
    expected: ['dev/routes/apps/Ingress: Ingress dev/apps annotation cert-manager.io/cluster-issuer names ClusterIssuer "lab-ca"'],
  },
  {
    name: 'the Gateway cluster-issuer annotation naming an undeclared issuer',
    objects: [annotated('Gateway', 'dev', { 'cert-manager.io/cluster-issuer': 'lab-ca' })], facts: issuers,
    expected: ['dev/routes/apps/Gateway: Gateway dev/apps annotation cert-manager.io/cluster-issuer names ClusterIssuer "lab-ca"'],
  },
  {
    name: 'the issuer annotation without that Issuer in the namespace',
    objects: [annotated('Ingress', 'dev', { 'cert-manager.io/issuer': 'team-ca' })], facts: issuers,
    expected: ['Ingress dev/apps annotation cert-manager.io/issuer names Issuer "team-ca"'],
  },
  {
    name: 'the issuer annotation with issuer-kind and issuer-group of an undeclared external issuer',
    objects: [annotated('Ingress', 'dev', { 'cert-manager.io/issuer': 'step-ca', 'cert-manager.io/issuer-kind': 'StepClusterIssuer', 'cert-manager.io/issuer-group': 'certmanager.step.sm' })],
    facts: issuers,
    expected: ['annotation cert-manager.io/issuer names StepClusterIssuer "step-ca" of group "certmanager.step.sm"'],
  },
];

describe('cert-manager: every issuer reference names an issuer the cluster provides', () => {
  test.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => expectClusterRow(row.objects, row.facts ?? issuers, row.expected));

  test('registered as a per-cluster check', () => {
    expect(CLUSTER_CHECKS).toContain(certManagerIssuerRefs);
  });

  test('each unresolved reference is one message', () => {
    const objects = [certificate('dev', { name: 'a', kind: 'ClusterIssuer' }), certificate('staging', { name: 'b', kind: 'ClusterIssuer' })];
    expect(certManagerIssuerRefs(objects, issuers)).toHaveLength(2);
  });
});

describe('synth refuses a Certificate whose issuer the cluster does not provide', () => {
  function app(clusterIssuers: Array<{ name: string; external?: boolean; ca?: { secretName: string } }> | undefined, issuerName: string) {
    const a = new App();
    const cluster = new Cluster({ name: 'nonprod', ...(clusterIssuers ? { issuers: clusterIssuers } : {}) });
    const env = new Environment(a, 'dev', { name: 'dev', cluster });
    new IngressRoutes(env.addChart('routes', ChartTier.ROUTES), 'apps', {
      name: 'apps',
      hosts: [{ host: 'apps.example.internal', paths: [{ path: '/', backend: { serviceByName: { name: 'web', port: 80 } } }] }],
      tls: [{ hosts: ['apps.example.internal'], secretName: 'apps-tls', certManager: { issuer: issuerName } }],
    });
    return a;
  }

  test('a cluster without issuers refuses the Certificate, naming its construct path and what to do', () => {
    expect(() => renderApp(app(undefined, 'lab-ca'))).toThrow(/dev\/routes\/apps\/Certificate-0: Certificate dev\/apps-tls spec.issuerRef names ClusterIssuer "lab-ca", which cluster "nonprod" neither provides nor declares external \(its issuers: none\).*add it to the cluster's issuers/);
  });

  test('a cluster providing the issuer, or declaring it external, accepts it', () => {
    expect(() => renderApp(app([{ name: 'corp-pki', ca: { secretName: 'corp-ca' } }], 'corp-pki'))).not.toThrow();
    expect(() => renderApp(app([{ name: 'corp-pki', external: true }], 'corp-pki'))).not.toThrow();
  });

  test('an environment on its own (implicit) cluster is not refused: its issuers are unknown', () => {
    const a = new App();
    const env = new Environment(a, 'dev', { name: 'dev' });
    new IngressRoutes(env.addChart('routes', ChartTier.ROUTES), 'apps', {
      name: 'apps',
      hosts: [{ host: 'apps.example.internal', paths: [{ path: '/', backend: { serviceByName: { name: 'web', port: 80 } } }] }],
      tls: [{ hosts: ['apps.example.internal'], secretName: 'apps-tls', certManager: { issuer: 'lab-ca' } }],
    });
    expect(() => renderApp(a)).not.toThrow();
  });
});

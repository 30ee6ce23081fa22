import { App, Chart } from 'cdk8s';
import { Cluster, ClusterIssuerProps, ClusterIssuers, ClusterIssuersProps, ValidationError, validateManifest } from '../lib';
import { crdValidationRules } from '../lib/checks/cel';
import { clusterRefusal } from './helpers';

const ACME = 'https://acme-v02.api.letsencrypt.org/directory';
const acme = (over: Record<string, unknown> = {}, http01: Record<string, unknown> = { ingressClassName: 'nginx' }) =>
  ({ server: ACME, email: 'ops@example.com', privateKeySecretName: 'le-account', http01, ...over });

/** Writes the issuers into a plain chart of a test app; its manifests and the construct. */
function render(props: ClusterIssuersProps) {
  const chart = new Chart(new App(), 'config');
  const construct = new ClusterIssuers(chart, 'issuers', props);
  return { construct, all: chart.toJson() as Array<Record<string, any>> };
}
const byKindName = (all: Array<Record<string, any>>) => all.map((m) => `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`);

/** Every manifest passes the API schema (1.27 and the newest version) and the CRDs' CEL rules. */
function expectAccepted(all: Array<Record<string, any>>): void {
  expect(all.flatMap((m) => [...validateManifest(m), ...validateManifest(m, '1.36')])).toEqual([]);
  expect(crdValidationRules(all.map((manifest, i) => ({ manifest, constructPath: `config/issuers/${i}` })))).toEqual([]);
}

describe('ClusterIssuers writes each kind of issuer', () => {
  test('selfSignedCa: SelfSigned bootstrap issuer -> CA Certificate (isCA, ECDSA, in cert-manager) -> CA ClusterIssuer reading its Secret', () => {
    const { all, construct } = render({ issuers: [{ name: 'lab-ca', selfSignedCa: {} }] });
    expect(byKindName(all)).toEqual(['ClusterIssuer lab-ca-selfsigned', 'Certificate cert-manager/lab-ca', 'ClusterIssuer lab-ca']);
    const [bootstrap, cert, ca] = all;
    expect(bootstrap.spec).toEqual({ selfSigned: {} });
    expect(cert.apiVersion).toBe('cert-manager.io/v1');
    expect(cert.spec).toEqual({
      isCA: true, commonName: 'lab-ca root CA', secretName: 'lab-ca-root', duration: '87600h', renewBefore: '720h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' },
      issuerRef: { name: 'lab-ca-selfsigned', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
    expect(ca.spec).toEqual({ ca: { secretName: 'lab-ca-root' } });
    expect(bootstrap.metadata.namespace).toBeUndefined();
    expect(ca.metadata.namespace).toBeUndefined();
    expect([...construct.clusterIssuers.keys()]).toEqual(['lab-ca-selfsigned', 'lab-ca']);
    expect([...construct.caCertificates.keys()]).toEqual(['lab-ca']);
    expectAccepted(all);
  });

  test('selfSignedCa with its own common name, Secret, lifetime, and another cert-manager namespace', () => {
    const { all } = render({ namespace: 'certs', issuers: [{ name: 'corp', selfSignedCa: { commonName: 'Corp Lab Root', secretName: 'corp-root-keypair', duration: '43800h', renewBefore: '2160h' } }] });
    const cert = all.find((m) => m.kind === 'Certificate')!;
    expect(cert.metadata.namespace).toBe('certs');
    expect(cert.spec).toMatchObject({ commonName: 'Corp Lab Root', secretName: 'corp-root-keypair', duration: '43800h', renewBefore: '2160h' });
    expect(all.find((m) => m.kind === 'ClusterIssuer' && m.metadata.name === 'corp')!.spec).toEqual({ ca: { secretName: 'corp-root-keypair' } });
    expectAccepted(all);
  });

  test('acme through the Ingress class: one ACME ClusterIssuer with an HTTP-01 ingress solver', () => {
    const { all } = render({ issuers: [{ name: 'letsencrypt', acme: acme() }] });
    expect(byKindName(all)).toEqual(['ClusterIssuer letsencrypt']);
    expect(all[0].spec).toEqual({
      acme: { server: ACME, email: 'ops@example.com', privateKeySecretRef: { name: 'le-account' }, solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }] },
    });
    expectAccepted(all);
  });

  test('acme through a Gateway: the solver\'s HTTPRoute attaches to it (gatewayHTTPRoute.parentRefs)', () => {
    const { all } = render({ issuers: [{ name: 'letsencrypt', acme: acme({}, { gateway: { name: 'web', namespace: 'gateways', sectionName: 'http' } }) }] });
    expect(all[0].spec.acme.solvers).toEqual([{
      http01: { gatewayHTTPRoute: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web', namespace: 'gateways', sectionName: 'http' }] } },
    }]);
    expectAccepted(all);
  });

  test('ca: a CA ClusterIssuer reading the operators\' Secret; external: nothing written', () => {
    const { all } = render({ issuers: [{ name: 'corp-pki', ca: { secretName: 'corp-intermediate' } }, { name: 'vault', external: true }] });
    expect(byKindName(all)).toEqual(['ClusterIssuer corp-pki']);
    expect(all[0].spec).toEqual({ ca: { secretName: 'corp-intermediate' } });
    expect(all.some((m) => m.kind === 'Secret')).toBe(false);
    expectAccepted(all);
  });

  test('a cluster\'s issuers as it resolves them (defaults filled in) pass the schema and CEL rules', () => {
    const cluster = new Cluster({ name: 'site', issuers: [{ name: 'site-ca', selfSignedCa: { commonName: 'site root CA' } }, { name: 'corp', ca: { secretName: 'corp-ca' } }] });
    expect(cluster.issuers).toHaveLength(2);
    expectAccepted(render({ issuers: [...cluster.issuers] }).all);
  });

  test('the cluster resolves its issuers (defaults filled in) and hands their names and kinds to the checks', () => {
    const cluster = new Cluster({ name: 'lab', issuers: [{ name: 'lab-ca', selfSignedCa: {} }, { name: 'corp', ca: { secretName: 'corp-ca' } }, { name: 'ext', external: true }] });
    expect(cluster.issuers[0]).toEqual({ name: 'lab-ca', selfSignedCa: { commonName: 'lab-ca root CA', secretName: 'lab-ca-root', duration: '87600h', renewBefore: '720h' } });
    expect(cluster.facts.issuers).toEqual([{ name: 'lab-ca', kind: 'selfSignedCa' }, { name: 'corp', kind: 'ca' }, { name: 'ext', kind: 'external' }]);
    expect(new Cluster({ name: 'bare' }).facts.issuers).toEqual([]);
    // An environment's own cluster declares nothing: its issuers are unknown, not none.
    expect(Cluster.implicit('dev').facts.issuers).toBeUndefined();
  });
});

const base: ClusterIssuerProps = { name: 'lab-ca', selfSignedCa: {} };
/** [what, issuers, message parts] */
const refusals: Array<[string, unknown[], string]> = [
  ['a name that is no DNS subdomain', [{ name: 'Lab_CA', ca: { secretName: 'x' } }], 'issuers[0].name "Lab_CA" is not a DNS-1123 subdomain'],
  ['two issuers of one name', [base, { name: 'lab-ca', external: true }], 'issuers[1].name "lab-ca" is already the name of issuers[0]'],
  ['a name taken by a self-signed CA\'s bootstrap issuer', [base, { name: 'lab-ca-selfsigned', ca: { secretName: 'x' } }], 'issuers[1].name "lab-ca-selfsigned" is already the name of the bootstrap issuer of issuers[0]'],
  ['a self-signed CA whose bootstrap name is taken', [{ name: 'lab-ca-selfsigned', ca: { secretName: 'x' } }, base], 'issuers[1].name "lab-ca" needs the name "lab-ca-selfsigned" for its bootstrap issuer, which is already the name of issuers[0]'],
  ['a self-signed CA name too long for its bootstrap issuer', [{ name: `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}`, selfSignedCa: { commonName: 'x' } }], 'is too long for a self-signed CA'],
  ['two roots writing one Secret', [base, { name: 'other-ca', selfSignedCa: { secretName: 'lab-ca-root' } }], 'issuers[1].selfSignedCa.secretName "lab-ca-root" is already the Secret of issuers[0].selfSignedCa.secretName'],
  ['an ACME account key in a root\'s Secret', [base, { name: 'le', acme: acme({ privateKeySecretName: 'lab-ca-root' }) }], 'issuers[1].acme.privateKeySecretName "lab-ca-root" is already the Secret of issuers[0].selfSignedCa.secretName'],
  ['no kind', [{ name: 'lab-ca' }], 'issuers[0] "lab-ca" sets no kind: an issuer is exactly one of selfSignedCa, acme, ca or external: true'],
  ['external: false and no kind', [{ name: 'lab-ca', external: false }], 'issuers[0] "lab-ca" sets no kind'],
  ['two kinds', [{ name: 'lab-ca', selfSignedCa: {}, ca: { secretName: 'x' } }], 'issuers[0] ["selfSignedCa","ca"] sets several kinds'],
  ['external and a kind', [{ name: 'lab-ca', ca: { secretName: 'x' }, external: true }], 'issuers[0] ["ca","external"] sets several kinds'],
  ['an unknown field', [{ name: 'lab-ca', vault: {} }], 'vault'],
  ['a common name over 64 characters', [{ name: 'lab-ca', selfSignedCa: { commonName: 'x'.repeat(65) } }], 'issuers[0].selfSignedCa.commonName'],
  ['a bad CA Secret name', [{ name: 'lab-ca', selfSignedCa: { secretName: 'Root CA' } }], 'issuers[0].selfSignedCa.secretName "Root CA" is not a DNS-1123 subdomain'],
  ['a duration that is no Go duration', [{ name: 'lab-ca', selfSignedCa: { duration: '10y' } }], 'issuers[0].selfSignedCa.duration "10y" is not a duration'],
  ['a duration under 1h', [{ name: 'lab-ca', selfSignedCa: { duration: '30m', renewBefore: '10m' } }], 'issuers[0].selfSignedCa.duration "30m" is less than 1h'],
  ['renewBefore under 5m', [{ name: 'lab-ca', selfSignedCa: { renewBefore: '1m' } }], 'issuers[0].selfSignedCa.renewBefore "1m" is less than 5m'],
  ['renewBefore not less than duration', [{ name: 'lab-ca', selfSignedCa: { duration: '2h', renewBefore: '2h' } }], 'issuers[0].selfSignedCa.renewBefore "2h" is not less than duration 2h'],
  ['an http ACME server', [{ name: 'le', acme: acme({ server: 'http://acme.example.com/directory' }) }], 'issuers[0].acme.server "http://acme.example.com/directory" is not an https:// URL'],
  ['an ACME server that is no URL', [{ name: 'le', acme: acme({ server: 'letsencrypt' }) }], 'issuers[0].acme.server "letsencrypt" is not an https:// URL'],
  ['an email without a domain', [{ name: 'le', acme: acme({ email: 'ops' }) }], 'issuers[0].acme.email "ops" is not an email address'],
  ['an email with a space', [{ name: 'le', acme: acme({ email: 'ops team@example.com' }) }], 'issuers[0].acme.email "ops team@example.com" is not an email address'],
  ['a bad account key Secret name', [{ name: 'le', acme: acme({ privateKeySecretName: 'LE' }) }], 'issuers[0].acme.privateKeySecretName "LE" is not a DNS-1123 subdomain'],
  ['no HTTP-01 solver', [{ name: 'le', acme: acme({}, {}) }], 'issuers[0].acme.http01 {} must set exactly one of ingressClassName'],
  ['two HTTP-01 solvers', [{ name: 'le', acme: acme({}, { ingressClassName: 'nginx', gateway: { name: 'gw', namespace: 'gw' } }) }], 'must set exactly one of ingressClassName'],
  ['a bad ingress class', [{ name: 'le', acme: acme({}, { ingressClassName: 'Nginx' }) }], 'issuers[0].acme.http01.ingressClassName "Nginx" is not a DNS-1123 subdomain'],
  ['a Gateway namespace that is no label', [{ name: 'le', acme: acme({}, { gateway: { name: 'gw', namespace: 'a.b' } }) }], 'issuers[0].acme.http01.gateway.namespace "a.b" is not a DNS-1123 label'],
  ['a CA Secret name that is no subdomain', [{ name: 'corp', ca: { secretName: 'corp/ca' } }], 'issuers[0].ca.secretName "corp/ca" is not a DNS-1123 subdomain'],
  ['a CA without its Secret', [{ name: 'corp', ca: {} }], 'secretName'],
  ['issuers that are not a list', 'lab-ca' as unknown as unknown[], 'issuers "lab-ca" is not a list'],
];

describe('issuers are checked where they enter', () => {
  test.each(refusals)('the cluster refuses %s', (_what, issuers, message) => {
    const e = clusterRefusal({ name: 'lab', issuers });
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain('cluster lab: ');
    expect(e.message).toContain(message);
  });

  test.each(refusals)('ClusterIssuers refuses %s, naming its construct path', (_what, issuers, message) => {
    const chart = new Chart(new App(), 'config');
    let error: unknown;
    try {
      new ClusterIssuers(chart, 'issuers', { issuers } as ClusterIssuersProps);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('config/issuers');
    expect((error as Error).message).toContain(message);
  });

  test.each([
    ['a bad namespace', { issuers: [base], namespace: 'Cert Manager' }, 'namespace "Cert Manager" is not a DNS-1123 label'],
    ['no issuers field', {}, 'issuers'],
  ])('ClusterIssuers refuses %s', (_what, props, message) => {
    expect(() => new ClusterIssuers(new Chart(new App(), 'config'), 'issuers', props as ClusterIssuersProps)).toThrow(message);
  });

  test.each<[string, ClusterIssuerProps[]]>([
    ['none', []],
    ['each kind once', [base, { name: 'le', acme: acme() }, { name: 'corp', ca: { secretName: 'corp-ca' } }, { name: 'ext.example.com', external: true }]],
    ['an ACME issuer on a Gateway without a listener name', [{ name: 'le', acme: acme({}, { gateway: { name: 'gw', namespace: 'gw' } }) }]],
    ['the shortest lifetimes cert-manager accepts', [{ name: 'lab-ca', selfSignedCa: { duration: '1h', renewBefore: '5m' } }]],
    ['external: false beside a kind', [{ name: 'corp', ca: { secretName: 'corp-ca' }, external: false }]],
    ['two CA issuers reading one operator Secret', [{ name: 'corp', ca: { secretName: 'corp-ca' } }, { name: 'corp-2', ca: { secretName: 'corp-ca' } }]],
  ])('the cluster accepts %s', (_what, issuers) => {
    expect(new Cluster({ name: 'lab', issuers }).issuers.map((i) => i.name)).toEqual(issuers.map((i) => i.name));
  });
});

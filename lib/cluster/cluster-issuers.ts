/**
 * cert-manager issuers of a cluster (issue 21): what the cluster's `issuers` field declares and the
 * construct {@link ClusterIssuers} that writes them. Every Certificate of a cluster must name one of them
 * (the per-cluster check `certManagerIssuerRefs`, lib/checks/cert-manager.ts).
 */
import { Construct } from 'constructs';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy } from '../../imports/cert-manager-certificate-cert-manager.io';
import { ClusterIssuer as ClusterIssuerObject, ClusterIssuerSpec } from '../../imports/cert-manager-clusterissuer-cert-manager.io';
import type { IssuerFacts } from '../checks/cluster';
import { checkProps, CLUSTER_ISSUERS, uniqueId } from '../checks/prop-shapes';
import { checkDnsLabel, checkDnsSubdomain, checkDuration, checkString, fail, show, Where } from '../checks/validation';

/**
 * A self-signed root CA, bootstrapped the usual cert-manager way: a SelfSigned ClusterIssuer
 * `<name>-selfsigned` signs a CA Certificate `<name>` (`isCA: true`, ECDSA P-256, in cert-manager's
 * namespace), whose Secret a CA ClusterIssuer `<name>` signs with. For labs and internal domains: clients
 * must trust the root (`kubectl -n cert-manager get secret <secretName> -o jsonpath='{.data.ca\.crt}'`).
 */
export interface SelfSignedCaProps {
  /** Common name of the root certificate (at most 64 characters). @default "<name> root CA" */
  readonly commonName?: string;
  /** Secret (in cert-manager's namespace) holding the root's key pair; a stable name, never derived from anything else. @default "<name>-root" */
  readonly secretName?: string;
  /** Lifetime of the root certificate, a Go duration of at least 1h. @default "87600h" (10 years) */
  readonly duration?: string;
  /** How long before it expires cert-manager renews it (at least 5m, less than `duration`). @default "720h" (30 days) */
  readonly renewBefore?: string;
}

/** A Gateway the ACME HTTP-01 solver attaches its HTTPRoute to (`gatewayHTTPRoute.parentRefs`). */
export interface AcmeGatewayRef {
  /** The Gateway's name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The listener (on port 80) to attach to. @default - every listener of the Gateway */
  readonly sectionName?: string;
}

/** How the ACME server's HTTP-01 challenge reaches cert-manager's solver: exactly one of the two. */
export interface AcmeHttp01Props {
  /** Through an Ingress of this IngressClass (the cluster's Ingress controller). @default - none */
  readonly ingressClassName?: string;
  /**
   * Through an HTTPRoute on this Gateway, made in the Certificate's namespace (the listener must admit routes
   * from it). cert-manager runs this solver only with `--enable-gateway-api` (off by default). @default - none
   */
  readonly gateway?: AcmeGatewayRef;
}

/**
 * An ACME (RFC 8555) account, e.g. Let's Encrypt, solving HTTP-01 challenges: the ACME server must reach the
 * host on port 80, so only for names the internet resolves to the cluster (not internal domains).
 */
export interface AcmeIssuerProps {
  /** The ACME directory URL, https only (e.g. "https://acme-v02.api.letsencrypt.org/directory"). */
  readonly server: string;
  /** Contact address of the account (expiry notices). */
  readonly email: string;
  /** Secret (in cert-manager's namespace) where cert-manager keeps the account's private key, which it generates. */
  readonly privateKeySecretName: string;
  /** The HTTP-01 solver. */
  readonly http01: AcmeHttp01Props;
}

/** A CA whose key pair the operators put in a Secret in cert-manager's namespace (company PKI); never a key in Git. */
export interface CaIssuerProps {
  /** The Secret's name (`tls.crt`, `tls.key`, optionally `ca.crt`). */
  readonly secretName: string;
}

/** One ClusterIssuer of a cluster: a name and exactly one of `selfSignedCa`, `acme`, `ca` or `external: true`. */
export interface ClusterIssuerProps {
  /** The ClusterIssuer's name (what Certificates' `issuerRef.name` says): a DNS-1123 subdomain, unique in the cluster. */
  readonly name: string;
  /** A self-signed root CA bootstrapped into a CA ClusterIssuer. @default - not this kind */
  readonly selfSignedCa?: SelfSignedCaProps;
  /** An ACME ClusterIssuer. @default - not this kind */
  readonly acme?: AcmeIssuerProps;
  /** A CA ClusterIssuer from an operator-provided Secret. @default - not this kind */
  readonly ca?: CaIssuerProps;
  /** An issuer someone else creates (any group, e.g. an external issuer): nothing is written, Certificates may name it. @default false */
  readonly external?: boolean;
}

/** Props of {@link ClusterIssuers}. */
export interface ClusterIssuersProps {
  /** The issuers to write (a cluster's `issuers`). */
  readonly issuers: ClusterIssuerProps[];
  /** cert-manager's namespace, its `--cluster-resource-namespace`, where ClusterIssuers read Secrets. @default "cert-manager" */
  readonly namespace?: string;
}

/** The namespace the cert-manager chart installs into; its controller reads ClusterIssuers' Secrets there. */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
const BOOTSTRAP_SUFFIX = '-selfsigned';
const KINDS = ['selfSignedCa', 'acme', 'ca', 'external'] as const;

/** Seconds of a Go duration already checked by `checkDuration`. */
function seconds(d: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return [...d.matchAll(/([0-9.]+)(ms|s|m|h)/g)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
}

/** An https URL with a host. */
function checkHttpsUrl(where: Where, field: string, value: unknown): string {
  const text = checkString(where, field, value);
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || !url.hostname) fail(where, field, value, 'is not an https:// URL (the ACME directory, e.g. "https://acme-v02.api.letsencrypt.org/directory")');
  return text;
}

/** The facts the per-cluster check uses: each issuer's name and kind. */
export function issuerFacts(issuers: readonly ClusterIssuerProps[]): IssuerFacts[] {
  return issuers.map((i) => ({ name: i.name, kind: KINDS.find((k) => (k === 'external' ? i.external === true : i[k] !== undefined))! }));
}

/**
 * Checks a cluster's issuers and fills in every default: names DNS-1123 subdomains and unique (the
 * bootstrap issuers of self-signed CAs included), exactly one kind each, ACME on https with an email
 * address and one HTTP-01 solver, Secret names DNS-1123 subdomains, durations cert-manager accepts.
 * @param field the field's name in messages (`issuers`)
 */
export function checkClusterIssuers(where: Where, field: string, issuers: readonly ClusterIssuerProps[]): ClusterIssuerProps[] {
  const taken = new Map<string, string>();
  const take = (at: string, name: string, what: string) => {
    const first = taken.get(name);
    if (first !== undefined) fail(where, at, name, `is already the name of ${first}: ClusterIssuer names are unique in a cluster`);
    taken.set(name, what);
  };
  // The Secrets cert-manager writes in its namespace (a root's key pair, an ACME account key): one owner each.
  const secrets = new Map<string, string>();
  const own = (at: string, secret: string) => {
    const first = secrets.get(secret);
    if (first !== undefined) fail(where, at, secret, `is already the Secret of ${first}: cert-manager would write both into one Secret`);
    secrets.set(secret, at);
    return secret;
  };
  return issuers.map((issuer, i) => {
    const at = `${field}[${i}]`;
    const name = checkDnsSubdomain(where, `${at}.name`, issuer.name);
    const kinds = KINDS.filter((k) => (k === 'external' ? issuer.external === true : issuer[k] !== undefined));
    if (kinds.length !== 1) {
      fail(where, at, kinds.length ? kinds : issuer.name, `${kinds.length ? 'sets several kinds' : 'sets no kind'}: an issuer is exactly one of selfSignedCa, acme, ca or external: true`);
    }
    take(`${at}.name`, name, `${at}`);
    switch (kinds[0]) {
      case 'selfSignedCa': {
        const s = issuer.selfSignedCa!;
        const bootstrap = `${name}${BOOTSTRAP_SUFFIX}`;
        const other = taken.get(bootstrap);
        if (other !== undefined) fail(where, `${at}.name`, name, `needs the name ${show(bootstrap)} for its bootstrap issuer, which is already the name of ${other}`);
        taken.set(bootstrap, `the bootstrap issuer of ${at}`);
        if (bootstrap.length > 253) fail(where, `${at}.name`, name, `is too long for a self-signed CA: its bootstrap issuer ${show(bootstrap)} would exceed 253 characters`);
        const commonName = checkString(where, `${at}.selfSignedCa.commonName`, s.commonName ?? `${name} root CA`);
        // cert-manager webhook: internal/apis/certmanager/validation/certificate.go (commonName TooLong 64).
        if (commonName.length === 0 || commonName.length > 64) fail(where, `${at}.selfSignedCa.commonName`, commonName, 'must be 1 to 64 characters (the X.509 limit cert-manager enforces)');
        const secretName = own(`${at}.selfSignedCa.secretName`, checkDnsSubdomain(where, `${at}.selfSignedCa.secretName`, s.secretName ?? `${name}-root`));
        const duration = checkDuration(where, `${at}.selfSignedCa.duration`, s.duration ?? '87600h');
        const renewBefore = checkDuration(where, `${at}.selfSignedCa.renewBefore`, s.renewBefore ?? '720h');
        // cert-manager webhook: internal/apis/certmanager/validation/certificate.go ValidateDuration
        // (duration >= MinimumCertificateDuration 1h, renewBefore >= MinimumRenewBefore 5m and < duration).
        if (seconds(duration) < 3600) fail(where, `${at}.selfSignedCa.duration`, duration, 'is less than 1h, the shortest certificate cert-manager accepts');
        if (seconds(renewBefore) < 300) fail(where, `${at}.selfSignedCa.renewBefore`, renewBefore, 'is less than 5m, the shortest renewBefore cert-manager accepts');
        if (seconds(renewBefore) >= seconds(duration)) fail(where, `${at}.selfSignedCa.renewBefore`, renewBefore, `is not less than duration ${duration}: cert-manager refuses it`);
        return { name, selfSignedCa: { commonName, secretName, duration, renewBefore } };
      }
      case 'acme': {
        const a = issuer.acme!;
        const server = checkHttpsUrl(where, `${at}.acme.server`, a.server);
        const email = checkString(where, `${at}.acme.email`, a.email);
        if (!/^[^@\s]+@[^@\s]+\.[^@\s.]+$/.test(email)) fail(where, `${at}.acme.email`, email, 'is not an email address (name@domain.tld)');
        const privateKeySecretName = own(`${at}.acme.privateKeySecretName`, checkDnsSubdomain(where, `${at}.acme.privateKeySecretName`, a.privateKeySecretName));
        const h = a.http01;
        // cert-manager webhook: internal/apis/certmanager/validation/issuer.go ValidateACMEIssuerChallengeSolverHTTP01Config
        // ("no HTTP01 solver type configured", "only 1 HTTP01 solver type may be configured").
        if ((h.ingressClassName === undefined) === (h.gateway === undefined)) {
          fail(where, `${at}.acme.http01`, h, 'must set exactly one of ingressClassName (an Ingress of the cluster\'s Ingress class) or gateway (an HTTPRoute on a Gateway)');
        }
        const http01: AcmeHttp01Props = h.ingressClassName !== undefined
          ? { ingressClassName: checkDnsSubdomain(where, `${at}.acme.http01.ingressClassName`, h.ingressClassName) }
          : {
            gateway: {
              name: checkDnsSubdomain(where, `${at}.acme.http01.gateway.name`, h.gateway!.name),
              namespace: checkDnsLabel(where, `${at}.acme.http01.gateway.namespace`, h.gateway!.namespace),
              ...(h.gateway!.sectionName === undefined ? {} : { sectionName: checkDnsSubdomain(where, `${at}.acme.http01.gateway.sectionName`, h.gateway!.sectionName) }),
            },
          };
        return { name, acme: { server, email, privateKeySecretName, http01 } };
      }
      case 'ca':
        return { name, ca: { secretName: checkDnsSubdomain(where, `${at}.ca.secretName`, issuer.ca!.secretName) } };
      default:
        return { name, external: true };
    }
  });
}

/**
 * Writes a cluster's cert-manager ClusterIssuers into `scope`: for a `selfSignedCa`, the SelfSigned
 * bootstrap ClusterIssuer, the CA Certificate (in cert-manager's namespace) and the CA ClusterIssuer; for
 * `acme` and `ca`, their ClusterIssuer; for `external`, nothing. Needs cert-manager's CRDs and controller
 * applied before it (the platform's configuration layer).
 */
export class ClusterIssuers extends Construct {
  /** The issuers as checked, every default filled in. */
  public readonly issuers: readonly ClusterIssuerProps[];
  /** cert-manager's namespace. */
  public readonly namespace: string;
  /** Every ClusterIssuer written, by name (bootstrap issuers included). */
  public readonly clusterIssuers: ReadonlyMap<string, ClusterIssuerObject>;
  /** The CA Certificates of the self-signed roots, by issuer name. */
  public readonly caCertificates: ReadonlyMap<string, Certificate>;

  constructor(scope: Construct, id: string, props: ClusterIssuersProps) {
    super(scope, uniqueId(scope, id));
    checkProps(this, props, CLUSTER_ISSUERS);
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? CERT_MANAGER_NAMESPACE);
    this.issuers = checkClusterIssuers(this, 'issuers', props.issuers);
    const issuers = new Map<string, ClusterIssuerObject>();
    const certificates = new Map<string, Certificate>();
    const write = (name: string, spec: ClusterIssuerSpec) => issuers.set(name, new ClusterIssuerObject(this, name, { metadata: { name }, spec }));
    for (const i of this.issuers) {
      if (i.selfSignedCa) {
        const s = i.selfSignedCa;
        const bootstrap = `${i.name}${BOOTSTRAP_SUFFIX}`;
        write(bootstrap, { selfSigned: {} });
        certificates.set(i.name, new Certificate(this, `${i.name}-certificate`, {
          metadata: { name: i.name, namespace: this.namespace },
          spec: {
            isCa: true,
            commonName: s.commonName!,
            secretName: s.secretName!,
            duration: s.duration,
            renewBefore: s.renewBefore,
            // A root keeps its key when it is renewed (cert-manager rotationPolicy Never): a new key would be a new
            // root that every client trusting the old one rejects.
            privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.NEVER },
            issuerRef: { name: bootstrap, kind: 'ClusterIssuer', group: 'cert-manager.io' },
          },
        }));
        write(i.name, { ca: { secretName: s.secretName! } });
      } else if (i.acme) {
        const a = i.acme;
        const http01 = a.http01.ingressClassName !== undefined
          ? { ingress: { ingressClassName: a.http01.ingressClassName } }
          : { gatewayHttpRoute: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', ...a.http01.gateway! }] } };
        write(i.name, { acme: { server: a.server, email: a.email, privateKeySecretRef: { name: a.privateKeySecretName }, solvers: [{ http01 }] } });
      } else if (i.ca) {
        write(i.name, { ca: { secretName: i.ca.secretName } });
      }
    }
    this.clusterIssuers = issuers;
    this.caCertificates = certificates;
  }
}

import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, CertificateSpecUsages } from '../imports/cert-manager-certificates-cert-manager.io';
import { clusterLabels, objectMetadata } from './labels';
import { RUN_DIR } from './pod-layout';

/**
 * TLS for the cluster: where the servers' certificates come from. README.md ("TLS") explains each source;
 * agent/README.md ("TLS") is the contract with the agent that puts the files in place.
 */

/** Where PostgreSQL, the walreceiver, pg_basebackup and pg_rewind find the files (the shared memory emptyDir). */
export const TLS_DIR = `${RUN_DIR}/tls`;
/** Where the agent container mounts the Secret of `fromSecret()` / `certManager()`. */
export const TLS_SECRET_DIR = '/etc/pgha-tls';
/** The key of the CA certificate in the published ConfigMap `<name>-ca-cert`. */
export const CA_CERT_KEY = 'ca.crt';

/** The kind of a cert-manager issuer. */
export enum CertManagerIssuerKind {
  /** A namespaced `Issuer`, in the cluster's namespace. */
  ISSUER = 'Issuer',
  /** A cluster-scoped `ClusterIssuer`. */
  CLUSTER_ISSUER = 'ClusterIssuer',
}

/** A cert-manager issuer that signs the cluster's certificate. */
export interface CertManagerIssuer {
  /** The issuer's name. */
  readonly name: string;

  /**
   * @default CertManagerIssuerKind.ISSUER
   */
  readonly kind?: CertManagerIssuerKind;

  /**
   * The issuer's API group, for external issuers (e.g. `awspca.cert-manager.io`).
   *
   * @default 'cert-manager.io'
   */
  readonly group?: string;
}

/** Options of `PostgresTls.certManager()`. */
export interface CertManagerTlsOptions {
  /** The Issuer or ClusterIssuer that signs the certificate. It must put `ca.crt` into the Secret (CA and self-signed issuers do). */
  readonly issuer: CertManagerIssuer;

  /**
   * The certificate's requested lifetime; at least an hour.
   *
   * @default - cert-manager's default (90 days)
   * @see https://cert-manager.io/docs/usage/certificate/
   */
  readonly duration?: Duration;

  /**
   * How long before expiry cert-manager renews the certificate; at least 5 minutes and shorter than `duration`.
   *
   * @default - cert-manager's default (a third of the lifetime)
   */
  readonly renewBefore?: Duration;
}

enum TlsSource {
  GENERATED = 'generated',
  SECRET = 'secret',
  CERT_MANAGER = 'cert-manager',
  DISABLED = 'disabled',
}

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Where the members' TLS server certificates come from. With any source but `disabled()`, PostgreSQL
 * accepts network connections over TLS only (`hostssl` in pg_hba.conf, TLS 1.2 at least), and standbys,
 * pg_basebackup and pg_rewind verify the primary's certificate and host name (`sslmode=verify-full`).
 *
 * @see https://www.postgresql.org/docs/current/ssl-tcp.html
 */
export class PostgresTls {
  /**
   * The default: the agent that first needs it generates a CA (ECDSA P-256, 10 years) into the Secret
   * `<name>-ca`; each member then generates its own key, which never leaves the pod's memory, and a
   * one-year certificate for its pod and Service names, renewed 30 days before it expires. Nothing to
   * install, and no secret in the rendered YAML.
   */
  public static generated(): PostgresTls {
    return new PostgresTls(TlsSource.GENERATED);
  }

  /**
   * An existing `kubernetes.io/tls` Secret with `tls.crt`, `tls.key` and `ca.crt`. The certificate must
   * cover `<name>.<namespace>.svc.<clusterDomain>`, `<name>-replicas.<namespace>.svc.<clusterDomain>` and
   * every member's `<pod>.<name>-pods.<namespace>.svc.<clusterDomain>` (a wildcard
   * `*.<name>-pods.<namespace>.svc.<clusterDomain>` does). When the Secret changes, the agents install
   * the new files and reload PostgreSQL.
   */
  public static fromSecret(secret: kplus.ISecret): PostgresTls {
    return new PostgresTls(TlsSource.SECRET, secret);
  }

  /**
   * A cert-manager `Certificate` `<name>-tls` (rendered with the cluster) into the Secret `<name>-tls`,
   * signed by the given issuer, with every member's and Service's DNS names and an ECDSA P-256 key
   * that is rotated on each renewal. cert-manager must be installed in the Kubernetes cluster.
   *
   * @see https://cert-manager.io/docs/usage/certificate/
   */
  public static certManager(options: CertManagerTlsOptions): PostgresTls {
    const { issuer } = options;
    if (!DNS_1123_SUBDOMAIN.test(issuer.name) || issuer.name.length > 253) {
      throw new Error('tls: PostgresTls.certManager() issuer.name must be the name of an Issuer or ClusterIssuer '
        + `(a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'), got "${issuer.name}"`);
    }
    if (issuer.group !== undefined && !DNS_1123_SUBDOMAIN.test(issuer.group)) {
      throw new Error(`tls: PostgresTls.certManager() issuer.group must be an API group like cert-manager.io, got "${issuer.group}"`);
    }
    const duration = options.duration === undefined ? undefined : wholeSeconds('duration', options.duration);
    const renewBefore = options.renewBefore === undefined ? undefined : wholeSeconds('renewBefore', options.renewBefore);
    if (duration !== undefined && duration < 3600) {
      throw new Error(`tls: PostgresTls.certManager() duration must be at least 1 hour (cert-manager's minimum), got ${duration}s`);
    }
    if (renewBefore !== undefined && renewBefore < 300) {
      throw new Error(`tls: PostgresTls.certManager() renewBefore must be at least 5 minutes (cert-manager's minimum), got ${renewBefore}s`);
    }
    if (renewBefore !== undefined && renewBefore >= (duration ?? 90 * 24 * 3600)) {
      throw new Error('tls: PostgresTls.certManager() renewBefore must be shorter than duration '
        + `(${duration === undefined ? 'by default 90 days' : `${duration}s`}), got ${renewBefore}s`);
    }
    return new PostgresTls(TlsSource.CERT_MANAGER, undefined, options);
  }

  /**
   * No TLS: PostgreSQL accepts plaintext connections only. Passwords stay safe (SCRAM never sends them),
   * but queries, results and replicated data cross the network readable and alterable by anyone on the
   * path, and clients cannot tell the server from an impostor. Only for a network that is encrypted and
   * authenticated by other means (a service mesh with mutual TLS).
   */
  public static disabled(): PostgresTls {
    return new PostgresTls(TlsSource.DISABLED);
  }

  /** Whether PostgreSQL serves TLS (every source but `disabled()`). */
  public readonly enabled: boolean;

  private constructor(
    private readonly source: TlsSource,
    private readonly secret?: kplus.ISecret,
    private readonly certManagerOptions?: CertManagerTlsOptions,
  ) {
    this.enabled = source !== TlsSource.DISABLED;
  }

  /**
   * What a cluster named `name` renders for this source.
   *
   * @internal
   */
  public _bind(cluster: TlsCluster): TlsBinding {
    return new TlsBinding(cluster, this.source, this.secret, this.certManagerOptions);
  }
}

/** What the TLS rendering needs to know about the cluster. */
export interface TlsCluster {
  readonly name: string;
  readonly namespace: string;
  readonly clusterDomain: string;
}

/**
 * One cluster's TLS: its postgresql.conf and pg_hba.conf lines, the pods' environment, volumes and
 * RBAC rules, and the cert-manager Certificate. Pure until `createCertificate()`.
 *
 * @internal
 */
export class TlsBinding {
  /** Whether PostgreSQL serves TLS. */
  public readonly enabled: boolean;
  /** Secret `<name>-ca` with the generated CA and its key; undefined unless generated. */
  public readonly caSecretName?: string;
  /** ConfigMap `<name>-ca-cert` the agents publish the CA certificate in; undefined when disabled. */
  public readonly caConfigMapName?: string;
  /** The kubernetes.io/tls Secret mounted into the agent container; undefined unless fromSecret or certManager. */
  public readonly serverSecretName?: string;
  /**
   * The Secret with the CA that signs the agents' member certificates (their mutual-TLS API, port 8009):
   * the generated CA `<name>-ca` when there is one, else `<name>-members-ca`, which the agents create in
   * every other mode, disabled included (README.md, "Security").
   */
  public readonly memberCaSecretName: string;

  public constructor(
    private readonly cluster: TlsCluster,
    private readonly source: TlsSource,
    secret: kplus.ISecret | undefined,
    private readonly certManagerOptions: CertManagerTlsOptions | undefined,
  ) {
    this.enabled = source !== TlsSource.DISABLED;
    this.caSecretName = source === TlsSource.GENERATED ? `${cluster.name}-ca` : undefined;
    this.caConfigMapName = this.enabled ? `${cluster.name}-ca-cert` : undefined;
    this.serverSecretName = source === TlsSource.SECRET ? secret?.name : source === TlsSource.CERT_MANAGER ? `${cluster.name}-tls` : undefined;
    this.memberCaSecretName = this.caSecretName ?? `${cluster.name}-members-ca`;
  }

  /** The owned postgresql.conf parameters. */
  public parameters(): Array<[string, string]> {
    if (!this.enabled) return [['ssl', 'off']];
    return [
      ['ssl', 'on'],
      ['ssl_cert_file', `'${TLS_DIR}/server.crt'`],
      ['ssl_key_file', `'${TLS_DIR}/server.key'`],
      // The default since PostgreSQL 12, pinned: older protocol versions have known weaknesses.
      ['ssl_min_protocol_version', '\'TLSv1.2\''],
    ];
  }

  /** The pg_hba.conf connection type of network lines: `hostssl` refuses plaintext connections. */
  public get hbaConnectionType(): 'host' | 'hostssl' {
    return this.enabled ? 'hostssl' : 'host';
  }

  /** The postgres container's environment: the CA that pg_basebackup and pg_rewind verify the primary with. */
  public postgresEnv(): k8s.EnvVar[] {
    return this.enabled ? [{ name: 'PGHA_TLS_CA_FILE', value: `${TLS_DIR}/ca.crt` }] : [];
  }

  /** The agent container's environment (agent/README.md, "Environment"). */
  public agentEnv(): k8s.EnvVar[] {
    const value = (name: string, v: string): k8s.EnvVar => ({ name, value: v });
    const published = this.caConfigMapName ? [value('PGHA_TLS_CA_CONFIG_MAP', this.caConfigMapName)] : [];
    switch (this.source) {
      case TlsSource.GENERATED:
        return [value('PGHA_TLS_SOURCE', 'generated'), value('PGHA_TLS_CA_SECRET', this.caSecretName as string), ...published];
      case TlsSource.SECRET:
      case TlsSource.CERT_MANAGER:
        return [
          value('PGHA_TLS_SOURCE', 'secret'),
          value('PGHA_TLS_SECRET', this.serverSecretName as string),
          value('PGHA_TLS_SECRET_DIR', TLS_SECRET_DIR),
          ...published,
        ];
      case TlsSource.DISABLED:
        return [value('PGHA_TLS_SOURCE', 'disabled')];
    }
  }

  /**
   * The Secret's volume, for the agent only: it checks the certificate, installs a 0600 copy in the memory
   * emptyDir (PostgreSQL refuses a key file with more access than 0600, or 0640 owned by root, and reads
   * the files while the kubelet may be swapping them) and reloads PostgreSQL when it changes. 0440: the
   * agent (uid 999) reads it through the fsGroup; nobody writes it.
   */
  public volumes(): k8s.Volume[] {
    if (!this.serverSecretName) return [];
    return [{ name: 'tls', secret: { secretName: this.serverSecretName, defaultMode: 0o440 } }];
  }

  public agentVolumeMounts(): k8s.VolumeMount[] {
    return this.serverSecretName ? [{ name: 'tls', mountPath: TLS_SECRET_DIR, readOnly: true }] : [];
  }

  /**
   * Secrets the agent reads through the API and creates when missing: the generated CA's, or the members'
   * CA. A mounted Secret needs no rule: the kubelet reads it.
   */
  public secretNames(): string[] {
    return [this.memberCaSecretName];
  }

  /** Publishing the CA certificate for clients: create once, then read and update that ConfigMap only. */
  public configMapRules(): k8s.PolicyRule[] {
    if (!this.caConfigMapName) return [];
    return [
      // Kubernetes cannot restrict `create` by name.
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: [this.caConfigMapName], verbs: ['get', 'update'] },
    ];
  }

  /**
   * The names every member's certificate must cover with `fromSecret()` or `certManager()`: the two
   * Services and the members under the headless Service, in the short forms too.
   */
  public dnsNames(): string[] {
    const { name, namespace, clusterDomain } = this.cluster;
    return [name, `${name}-replicas`, `*.${name}-pods`]
      .flatMap((host) => [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, `${host}.${namespace}.svc.${clusterDomain}`]);
  }

  /** The cert-manager Certificate, for `certManager()`; nothing otherwise. */
  public createCertificate(scope: Construct): Certificate | undefined {
    const options = this.certManagerOptions;
    if (this.source !== TlsSource.CERT_MANAGER || !options) return undefined;
    const { issuer } = options;
    return new Certificate(scope, 'Certificate', {
      metadata: objectMetadata(this.cluster, `${this.cluster.name}-tls`),
      spec: {
        secretName: this.serverSecretName as string,
        secretTemplate: { labels: clusterLabels(this.cluster.name) },
        issuerRef: { name: issuer.name, kind: issuer.kind ?? CertManagerIssuerKind.ISSUER, group: issuer.group ?? 'cert-manager.io' },
        dnsNames: this.dnsNames(),
        duration: options.duration === undefined ? undefined : goDuration(options.duration),
        renewBefore: options.renewBefore === undefined ? undefined : goDuration(options.renewBefore),
        // A fresh key with every renewal, of the kind the generated certificates use.
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
        usages: [CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.SERVER_AUTH],
      },
    });
  }
}

function wholeSeconds(option: string, duration: Duration): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds)) {
    throw new Error(`tls: PostgresTls.certManager() ${option} must be a whole number of seconds, got ${seconds}s`);
  }
  return seconds;
}

/** A Go duration (what cert-manager parses), in the largest whole unit. */
function goDuration(duration: Duration): string {
  const seconds = duration.toSeconds();
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

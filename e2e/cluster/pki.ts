/**
 * The cluster's certificates, made with openssl once per cluster state: one CA for the API server,
 * its clients and the kubelets (as kubeadm does, minus the front proxy and etcd CAs: etcd listens on
 * loopback only), and the service-account signing key pair.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETWORK } from './plan';
import { run } from './progress';

export interface Identity {
  readonly name: string;
  readonly commonName: string;
  readonly organization?: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly server?: boolean;
}

export class Pki {
  constructor(readonly dir: string, private readonly log: string) {}

  get caCert(): string { return join(this.dir, 'ca.crt'); }
  get caKey(): string { return join(this.dir, 'ca.key'); }
  get serviceAccountKey(): string { return join(this.dir, 'sa.key'); }
  get serviceAccountPub(): string { return join(this.dir, 'sa.pub'); }
  cert(name: string): string { return join(this.dir, `${name}.crt`); }
  key(name: string): string { return join(this.dir, `${name}.key`); }

  async ensureAuthority(): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (!existsSync(this.caCert)) {
      await this.openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', this.caKey]);
      await this.openssl(['req', '-x509', '-new', '-key', this.caKey, '-sha256', '-days', '3650', '-subj', '/CN=cdk8s-postgres-ha-e2e-ca', '-out', this.caCert]);
    }
    if (!existsSync(this.serviceAccountKey)) {
      await this.openssl(['genrsa', '-out', this.serviceAccountKey, '2048']);
      await this.openssl(['rsa', '-in', this.serviceAccountKey, '-pubout', '-out', this.serviceAccountPub]);
    }
  }

  async ensure(identity: Identity): Promise<void> {
    if (existsSync(this.cert(identity.name))) return;
    const key = this.key(identity.name);
    const csr = join(this.dir, `${identity.name}.csr`);
    const ext = join(this.dir, `${identity.name}.ext`);
    const subject = `/CN=${identity.commonName}${identity.organization ? `/O=${identity.organization}` : ''}`;
    const san = [...(identity.dnsNames ?? []).map((d) => `DNS:${d}`), ...(identity.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
    writeFileSync(ext, [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      `extendedKeyUsage = ${identity.server ? 'serverAuth' : 'clientAuth'}`,
      ...(san.length > 0 ? [`subjectAltName = ${san.join(', ')}`] : []),
      '',
    ].join('\n'));
    await this.openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    await this.openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
    await this.openssl(['x509', '-req', '-in', csr, '-CA', this.caCert, '-CAkey', this.caKey, '-CAcreateserial', '-sha256', '-days', '3650', '-extfile', ext, '-out', this.cert(identity.name)]);
  }

  private openssl(args: readonly string[]): Promise<void> {
    return run('certificates', ['openssl', ...args], { log: this.log });
  }
}

/** Every identity of a cluster whose API server listens on `hostAddress`, with the given nodes. */
export function clusterIdentities(hostAddress: string, nodeNames: readonly string[]): Identity[] {
  const domain = NETWORK.clusterDomain;
  return [
    {
      name: 'apiserver', commonName: 'kube-apiserver', server: true,
      dnsNames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${domain}`, 'localhost'],
      ipAddresses: ['127.0.0.1', NETWORK.apiServiceAddress, hostAddress],
    },
    { name: 'apiserver-kubelet-client', commonName: 'kube-apiserver-kubelet-client', organization: 'system:masters' },
    { name: 'admin', commonName: 'kubernetes-admin', organization: 'system:masters' },
    { name: 'controller-manager', commonName: 'system:kube-controller-manager' },
    { name: 'scheduler', commonName: 'system:kube-scheduler' },
    { name: 'kube-proxy', commonName: 'system:kube-proxy' },
    ...nodeNames.flatMap((node): Identity[] => [
      { name: `kubelet-${node}`, commonName: `system:node:${node}`, organization: 'system:nodes' },
      { name: `kubelet-${node}-serving`, commonName: node, server: true, dnsNames: [node], ipAddresses: [hostAddress] },
    ]),
  ];
}

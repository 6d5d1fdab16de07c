/**
 * A private CA made with openssl and the server certificate it signed, for an S3 server on HTTPS the way
 * a private endpoint is run: the store presents the certificate, the agent trusts the CA's PEM
 * (`caConfigMap`). EC P-256 keys, as e2e/cluster/pki.ts makes the cluster's: openssl makes them in
 * milliseconds, so every test suite can make its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class StoreCertificates {
  /**
   * The CA `<dir>/ca.crt` and `<dir>/server.crt` for `ipAddresses` (subjectAltName IP entries: the
   * endpoints are addresses, as the tests' stores are). Kept when already there, so a render and a later
   * run of the e2e suite agree on the CA.
   */
  static ensure(dir: string, ipAddresses: readonly string[], authority = 'cdk8s-postgres-ha-test-store-ca'): StoreCertificates {
    const certificates = new StoreCertificates(dir);
    if (existsSync(certificates.certFile)) return certificates;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const caKey = join(dir, 'ca.key');
    const csr = join(dir, 'server.csr');
    const ext = join(dir, 'server.ext');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
    openssl(['req', '-x509', '-new', '-key', caKey, '-sha256', '-days', '3650', '-subj', `/CN=${authority}`, '-out', certificates.caFile]);
    writeFileSync(ext, [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${ipAddresses.map((ip) => `IP:${ip}`).join(', ')}`,
      '',
    ].join('\n'));
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', certificates.keyFile]);
    openssl(['req', '-new', '-key', certificates.keyFile, '-subj', '/CN=test-store', '-out', csr]);
    openssl(['x509', '-req', '-in', csr, '-CA', certificates.caFile, '-CAkey', caKey, '-CAcreateserial', '-sha256', '-days', '3650', '-extfile', ext, '-out', certificates.certFile]);
    return certificates;
  }

  private constructor(readonly dir: string) {}

  get caFile(): string {
    return join(this.dir, 'ca.crt');
  }

  get certFile(): string {
    return join(this.dir, 'server.crt');
  }

  get keyFile(): string {
    return join(this.dir, 'server.key');
  }

  /** The CA certificate, PEM: what a user puts in the `caConfigMap` under `ca.crt`. */
  get caPem(): string {
    return readFileSync(this.caFile, 'utf8');
  }
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

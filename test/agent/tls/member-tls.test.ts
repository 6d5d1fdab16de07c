// Each agent's member certificate: issued from the members' CA (created when missing), reused by a
// restarted container; and who counts as a member of this cluster.
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { SecretStore } from '../../../agent/tls/cluster-ca';
import { freshMemberDir, makeMemberTls as make, memorySecrets } from './member-certs';

const unreachableApi: SecretStore = {
  get: async () => {
    throw new Error('connect ETIMEDOUT');
  },
  create: async () => {
    throw new Error('connect ETIMEDOUT');
  },
};

describe('MemberTls', () => {
  it('issues a certificate for the pod name, server and client, signed by the CA it created in the Secret', async () => {
    const secrets = memorySecrets();
    const tls = make('pg-1', secrets);
    const result = await tls.ensure();
    expect(result).toMatchObject({ ok: true, changed: true, note: expect.stringMatching(/^member certificate issued from Secret pg-ca \(no certificate yet\), valid until /) });
    const cert = new X509Certificate(tls.current!.cert);
    const ca = new X509Certificate((await secrets.get('pg-ca'))!['ca.crt']);
    expect(cert.subject).toBe('CN=pg-1');
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(tls.current!.ca).toBe(ca.toString());
  });

  it('gives every member of a cluster a certificate from the one CA', async () => {
    const secrets = memorySecrets();
    const [a, b] = [make('pg-0', secrets), make('pg-1', secrets)];
    await a.ensure();
    await b.ensure();
    expect(a.current!.ca).toBe(b.current!.ca);
    expect(new X509Certificate(b.current!.cert).verify(new X509Certificate(a.current!.ca).publicKey)).toBe(true);
  });

  it('reuses the files of an earlier run of the container while the Kubernetes API is unreachable', async () => {
    const dir = freshMemberDir();
    const first = make('pg-1', memorySecrets(), dir);
    await first.ensure();
    const restarted = make('pg-1', unreachableApi, dir);
    expect(await restarted.ensure()).toEqual({ ok: true, changed: true, note: 'member certificate reused' });
    expect(restarted.current).toEqual(first.current);
    expect(await restarted.ensure()).toEqual({ ok: true, changed: false, note: 'member certificate valid' });
  });

  it('fails with the reason while it has no certificate and cannot reach the CA', async () => {
    const tls = make('pg-1', unreachableApi);
    expect(await tls.ensure()).toEqual({ ok: false, reason: 'member certificate: connect ETIMEDOUT' });
    expect(tls.current).toBeNull();
    expect(tls.clientOptions('pg-0')).toBeNull();
  });

  it('fails naming the Secret when it holds no CA key', async () => {
    const secrets = memorySecrets();
    await secrets.create('pg-ca', { 'ca.crt': 'x' }, {});
    expect(await make('pg-1', secrets).ensure()).toEqual({ ok: false, reason: 'member certificate: Secret pg-ca lacks ca.key' });
  });

  it('tells the members of this cluster by the name in the certificate', () => {
    const tls = make('pg-1', memorySecrets(), undefined, 'my.pg');
    const named = (cn: string | undefined) => ({ subject: cn === undefined ? {} : { CN: cn } }) as PeerCertificate;
    expect(['my.pg-0', 'my.pg-12'].map((cn) => tls.memberOf(named(cn)))).toEqual(['my.pg-0', 'my.pg-12']);
    expect(['my.pg-01', 'my.pg-x', 'myxpg-0', 'my.pg-0.my.pg-pods', 'other-0', undefined].map((cn) => tls.memberOf(named(cn)))).toEqual([null, null, null, null, null, null]);
    expect(tls.memberOf(null)).toBeNull();
  });

  it('accepts an answering certificate only when it names the member asked', async () => {
    const tls = make('pg-1', memorySecrets());
    await tls.ensure();
    const check = tls.clientOptions('pg-0')!.checkServerIdentity;
    expect(check('10.0.0.7', { subject: { CN: 'pg-0' } } as PeerCertificate)).toBeUndefined();
    expect(check('10.0.0.7', { subject: { CN: 'pg-2' } } as PeerCertificate)?.message).toBe('the certificate names pg-2, not pg-0');
  });
});

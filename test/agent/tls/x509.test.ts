import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { generateKey, issue, keyIdentifier, selfSignedCa, splitPem } from '../../../agent/tls/x509';
import { opensslText, opensslVerify } from './openssl';

const NOW = new Date('2026-11-26T02:00:00Z');
const DAY = 24 * 3_600_000;
const NAMES = ['pg-0.pg-pods.demo.svc.cluster.local', 'pg-0.pg-pods', 'pg.demo.svc.cluster.local', 'pg', 'pg-replicas.demo.svc'];

function newCa(commonName = 'pg CA') {
  const key = generateKey();
  const pem = selfSignedCa(commonName, key, NOW, new Date(NOW.getTime() + 3650 * DAY));
  return { pem, signer: { commonName, ...key } };
}

function newLeaf(ca: ReturnType<typeof newCa>, dnsNames = NAMES) {
  const key = generateKey();
  const pem = issue({ commonName: 'pg-0', publicKey: key.publicKey, notBefore: NOW, notAfter: new Date(NOW.getTime() + 365 * DAY), kind: { ca: false, dnsNames } }, ca.signer);
  return { pem, key };
}

describe('the generated CA', () => {
  const ca = newCa();

  it('is a v3 CA for server certificates only: CA:TRUE, pathlen 0, certificate and CRL signing, critical', () => {
    const text = opensslText(ca.pem);
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain('Issuer: CN = pg CA');
    expect(text).toContain('Subject: CN = pg CA');
    expect(text).toContain('NIST CURVE: P-256');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toMatch(/Not Before: Nov 26 02:00:00 2026 GMT\s+Not After : Nov 23 02:00:00 2036 GMT/);
  });

  it('is self-signed, with its key identifier as subject and authority key identifier', () => {
    const cert = new X509Certificate(ca.pem);
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.checkPrivateKey(ca.signer.privateKey)).toBe(true);
    const id = keyIdentifier(cert.publicKey.export({ type: 'spki', format: 'der' })).toString('hex').toUpperCase().match(/../g)!.join(':');
    const text = opensslText(ca.pem);
    expect(text).toMatch(new RegExp(`Subject Key Identifier: \\s+${id}`));
    expect(text).toMatch(new RegExp(`Authority Key Identifier: \\s+(keyid:)?${id}`));
  });
});

describe('a member\'s server certificate', () => {
  const ca = newCa();
  const leaf = newLeaf(ca);

  it('verifies against the CA as a TLS server certificate (openssl verify -x509_strict -purpose sslserver)', () => {
    expect(opensslVerify(ca.pem, leaf.pem)).toEqual({ ok: true, output: expect.stringContaining(': OK') });
    expect(opensslVerify(ca.pem, leaf.pem, { hostname: 'pg-0.pg-pods.demo.svc.cluster.local' }).ok).toBe(true);
  });

  it('fails verification for a name it does not carry, and against another CA', () => {
    expect(opensslVerify(ca.pem, leaf.pem, { hostname: 'pg-1.pg-pods.demo.svc.cluster.local' })).toMatchObject({ ok: false, output: expect.stringContaining('hostname mismatch') });
    expect(opensslVerify(newCa().pem, leaf.pem).ok).toBe(false);
  });

  it('carries the extensions of a TLS server: CA:FALSE, digital signature, server auth, the DNS names, key identifiers', () => {
    const text = opensslText(leaf.pem);
    expect(text).toContain('Issuer: CN = pg CA');
    expect(text).toContain('Subject: CN = pg-0');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage: \s+TLS Web Server Authentication\n/);
    expect(text).toMatch(new RegExp(`X509v3 Subject Alternative Name: \\s+${NAMES.map((n) => `DNS:${n}`).join(', ')}\\n`));
    const caId = keyIdentifier(new X509Certificate(ca.pem).publicKey.export({ type: 'spki', format: 'der' })).toString('hex').toUpperCase().match(/../g)!.join(':');
    expect(text).toMatch(new RegExp(`Authority Key Identifier: \\s+(keyid:)?${caId}`));
  });

  it('is read the same by node: names, key, issuer, validity', () => {
    const cert = new X509Certificate(leaf.pem);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe(NAMES.map((n) => `DNS:${n}`).join(', '));
    for (const name of NAMES) expect(cert.checkHost(name)).toBe(name);
    expect(cert.checkHost('pg-1.pg-pods.demo.svc.cluster.local')).toBeUndefined();
    expect(cert.checkPrivateKey(leaf.key.privateKey)).toBe(true);
    expect(cert.checkIssued(new X509Certificate(ca.pem))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.pem).publicKey)).toBe(true);
    expect(new Date(cert.validFrom).toISOString()).toBe(NOW.toISOString());
    expect(new Date(cert.validTo).toISOString()).toBe(new Date(NOW.getTime() + 365 * DAY).toISOString());
  });

  it('gets a random positive serial number of at most 20 octets', () => {
    const serials = [newLeaf(ca).pem, newLeaf(ca).pem].map((pem) => new X509Certificate(pem).serialNumber);
    expect(serials[0]).not.toBe(serials[1]);
    for (const serial of serials) {
      expect(serial.length).toBeLessThanOrEqual(40);
      expect(parseInt(serial[0], 16)).toBeLessThan(8);
    }
  });

  it('writes dates from 2050 as GeneralizedTime, which OpenSSL reads', () => {
    const key = generateKey();
    const pem = issue({ commonName: 'pg-0', publicKey: key.publicKey, notBefore: NOW, notAfter: new Date('2051-06-01T00:00:00Z'), kind: { ca: false, dnsNames: ['pg'] } }, ca.signer);
    expect(opensslText(pem)).toContain('Not After : Jun  1 00:00:00 2051 GMT');
  });

  it('fails for a signer without an EC key, a server without names, or an empty validity', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const template = { commonName: 'pg-0', publicKey: leaf.key.publicKey, notBefore: NOW, notAfter: new Date(NOW.getTime() + DAY), kind: { ca: false as const, dnsNames: ['pg'] } };
    expect(() => issue(template, { commonName: 'x', ...rsa })).toThrow('the signing key must be an EC key, got rsa');
    expect(() => issue({ ...template, kind: { ca: false, dnsNames: [] } }, ca.signer)).toThrow('a server certificate needs at least one DNS name');
    expect(() => issue({ ...template, notAfter: NOW }, ca.signer)).toThrow('a certificate must end after it begins');
  });
});

describe('splitPem', () => {
  it('finds each certificate of a bundle, in order', () => {
    const a = newCa('a').pem;
    const b = newCa('b').pem;
    expect(splitPem(`${a}\n${b}`)).toEqual([a, b]);
    expect(splitPem('no certificate')).toEqual([]);
  });
});

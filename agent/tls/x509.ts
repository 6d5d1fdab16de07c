// X.509 v3 certificates (RFC 5280) for the cluster's own CA and its members' servers: ECDSA P-256 keys,
// ecdsa-with-SHA256 signatures, and only the fields and extensions a TLS server certificate and the CA
// that signs it need. Node's crypto makes the keys and the signatures; der.ts writes the structure.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  boolean,
  children,
  explicit,
  ia5,
  implicit,
  integer,
  namedBits,
  octetString,
  oid,
  readElement,
  sequence,
  set,
  time,
  utf8String,
} from './der';

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

/** KeyUsage bits (RFC 5280 section 4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A fresh ECDSA P-256 key: small, fast to sign with, accepted by every libpq and OpenSSL in use. */
export function generateKey(): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

export interface CertificateTemplate {
  /** The subject's common name. */
  readonly commonName: string;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /**
   * A CA that signs leaf certificates only (path length 0), or a TLS server with these DNS names; a
   * member of the agents' API (agent/tls/member-tls.ts) is also a TLS client (`client: true`).
   */
  readonly kind: { readonly ca: true } | { readonly ca: false; readonly dnsNames: readonly string[]; readonly client?: boolean };
}

export interface Signer {
  readonly commonName: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A self-signed CA certificate, PEM. */
export function selfSignedCa(commonName: string, key: KeyPair, notBefore: Date, notAfter: Date): string {
  return issue({ commonName, publicKey: key.publicKey, notBefore, notAfter, kind: { ca: true } }, { commonName, ...key });
}

/** A certificate for `template`, signed by `signer`, PEM. */
export function issue(template: CertificateTemplate, signer: Signer): string {
  if (signer.privateKey.asymmetricKeyType !== 'ec') {
    throw new Error(`the signing key must be an EC key, got ${signer.privateKey.asymmetricKeyType}`);
  }
  if (template.notAfter <= template.notBefore) throw new Error('a certificate must end after it begins');
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const spki = template.publicKey.export({ type: 'spki', format: 'der' });
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serialNumber()),
    algorithm,
    name(signer.commonName),
    sequence(time(template.notBefore), time(template.notAfter)),
    name(template.commonName),
    spki,
    explicit(3, sequence(...extensions(template, keyIdentifier(spki), keyIdentifier(signer.publicKey.export({ type: 'spki', format: 'der' }))))),
  );
  const signature = sign('sha256', tbs, { key: signer.privateKey, dsaEncoding: 'der' });
  return pem(sequence(tbs, algorithm, bitString(signature)));
}

function extensions(template: CertificateTemplate, subjectKeyId: Buffer, authorityKeyId: Buffer): Buffer[] {
  const keyIds = [
    extension(OID.subjectKeyIdentifier, false, octetString(subjectKeyId)),
    extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, authorityKeyId))),
  ];
  if (template.kind.ca) {
    return [
      extension(OID.basicConstraints, true, sequence(boolean(true), integer(0))),
      extension(OID.keyUsage, true, namedBits([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
      ...keyIds,
    ];
  }
  if (template.kind.dnsNames.length === 0) throw new Error('a server certificate needs at least one DNS name');
  return [
    extension(OID.basicConstraints, true, sequence()),
    // ECDSA keys sign the handshake; they never encipher keys, so digitalSignature is the only usage.
    extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature])),
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth), ...(template.kind.client ? [oid(OID.clientAuth)] : []))),
    extension(OID.subjectAltName, false, sequence(...template.kind.dnsNames.map((dns) => implicit(2, ia5(dns))))),
    ...keyIds,
  ];
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // DER leaves out a BOOLEAN that equals its DEFAULT (critical FALSE).
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
}

/** 159 random bits, positive and under the 20-octet limit of RFC 5280 section 4.1.2.2. */
function serialNumber(): Buffer {
  const bytes = randomBytes(20);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes;
}

/** RFC 5280 section 4.2.1.2, method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spki: Buffer): Buffer {
  const [, subjectPublicKey] = children(readElement(spki));
  return createHash('sha1').update(subjectPublicKey.content.subarray(1)).digest();
}

function pem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The PEM certificates in a bundle, in order. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((block) => `${block}\n`) ?? [];
}

// A CA kept in a Secret (`ca.crt`, `ca.key`), created by the first member that needs it: a lost race
// reads the winner's. PostgreSQL's generated CA (`<name>-ca`) and the members' CA of the agents' API
// (agent/tls/member-tls.ts; the same Secret when PostgreSQL's TLS is generated) both load through here.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { generateKey, selfSignedCa, type Signer } from './x509';

export const CA_SECRET_KEYS = { cert: 'ca.crt', key: 'ca.key' } as const;

const DAY_MS = 24 * 3_600_000;
/** The generated CA: long enough to be forgotten, like kubeadm's. Replacing it is a documented manual step. */
const CA_VALIDITY_MS = 3650 * DAY_MS;
/** Certificates start an hour in the past, so a member whose clock is behind does not reject a fresh one. */
export const BACKDATE_MS = 3_600_000;

/** The part of the Secrets adapter a CA needs. */
export interface SecretStore {
  get(name: string): Promise<Record<string, string> | null>;
  create(name: string, data: Record<string, string>, labels: Record<string, string>): Promise<'created' | 'exists'>;
}

export interface Ca {
  readonly cert: X509Certificate;
  readonly pem: string;
  readonly privateKey: KeyObject;
}

export async function loadOrCreateCa(secrets: SecretStore, name: string, commonName: string, labels: Record<string, string>, now: number): Promise<Ca | { reason: string }> {
  let data = await secrets.get(name);
  if (!data) {
    const key = generateKey();
    const pem = selfSignedCa(commonName, key, new Date(now - BACKDATE_MS), new Date(now + CA_VALIDITY_MS));
    const privateKey = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await secrets.create(name, { [CA_SECRET_KEYS.cert]: pem, [CA_SECRET_KEYS.key]: privateKey }, labels);
    data = await secrets.get(name);
    if (!data) return { reason: `Secret ${name} was created but cannot be read back` };
  }
  const pem = data[CA_SECRET_KEYS.cert];
  const keyPem = data[CA_SECRET_KEYS.key];
  if (!pem || !keyPem) return { reason: `Secret ${name} lacks ${!pem ? CA_SECRET_KEYS.cert : CA_SECRET_KEYS.key}` };
  const cert = new X509Certificate(pem);
  const privateKey = createPrivateKey(keyPem);
  if (!cert.ca || !cert.checkPrivateKey(privateKey)) return { reason: `Secret ${name} does not hold a CA certificate and its key` };
  return { cert, pem, privateKey };
}

/** What issue() signs with. */
export function signerOf(ca: Ca): Signer {
  return { commonName: ca.cert.subject.replace(/^CN=/, ''), privateKey: ca.privateKey, publicKey: ca.cert.publicKey };
}

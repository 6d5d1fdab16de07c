// The members' credentials for the agents' member API (agent/README.md, "HTTP API"): each agent holds a
// certificate for its pod name (CN `<cluster>-<ordinal>`, usable as TLS server and client), signed by the
// cluster's members CA, and talks to the other agents only over mutual TLS with it. A caller is a member
// when its certificate is signed by this CA and names a pod of this StatefulSet; a server is the member it
// was asked for when its certificate names that pod.
//
// The CA is the cluster's generated PostgreSQL CA when there is one (`<name>-ca`), else a CA the agents
// keep for this alone (`<name>-members-ca`): PostgreSQL's TLS from a Secret or disabled gives them no
// CA key to sign with, and the API stays authenticated either way. The files live in <run dir>/members
// (memory-backed, mode 0600): an agent container restarted while the Kubernetes API is down keeps them.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../runtime/log';
import { BACKDATE_MS, loadOrCreateCa, signerOf, type SecretStore } from './cluster-ca';
import { generateKey, issue, selfSignedCa } from './x509';

const DAY_MS = 24 * 3_600_000;
const LEAF_VALIDITY_MS = 365 * DAY_MS;
const RENEW_BEFORE_MS = 30 * DAY_MS;
export const MEMBER_TLS_REFRESH_MS = 60_000;

export interface MemberCredentials {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface MemberTlsDeps {
  readonly podName: string;
  readonly clusterName: string;
  /** The names the certificate lists (the pod's own under the headless Service). */
  readonly dnsNames: readonly string[];
  readonly caSecret: string;
  readonly caCommonName: string;
  readonly secrets: SecretStore;
  readonly labels: Record<string, string>;
  /** <run dir>/members */
  readonly dir: string;
  readonly wallNow: () => number;
}

export type MemberTlsResult = { ok: true; changed: boolean; note: string } | { ok: false; reason: string };

export class MemberTls {
  private credentials: MemberCredentials | null = null;
  private readonly listeners: Array<(c: MemberCredentials) => void> = [];
  private readonly memberName: RegExp;

  constructor(private readonly d: MemberTlsDeps) {
    this.memberName = new RegExp(`^${d.clusterName.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}-(0|[1-9][0-9]*)$`);
  }

  /** This member's credentials, or null until the first ensure() that succeeded. */
  get current(): MemberCredentials | null {
    return this.credentials;
  }

  /** Called with the new credentials whenever they change (the server swaps its context). */
  onChange(listener: (c: MemberCredentials) => void): void {
    this.listeners.push(listener);
  }

  /** The member a verified client certificate names, or null when it names no pod of this cluster. */
  memberOf(cert: PeerCertificate | null | undefined): string | null {
    const cn = commonName(cert);
    return cn !== null && this.memberName.test(cn) ? cn : null;
  }

  /** TLS options of a request to `member`'s member API; null while this agent has no certificate yet. */
  clientOptions(member: string): { ca: string; cert: string; key: string; checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined } | null {
    const c = this.credentials;
    if (!c) return null;
    return {
      ca: c.ca,
      cert: c.cert,
      key: c.key,
      // The peer is reached by its pod address: what must match is the member it was asked for, not the address.
      checkServerIdentity: (_host, cert) => (commonName(cert) === member ? undefined : new Error(`the certificate names ${commonName(cert) ?? 'nobody'}, not ${member}`)),
    };
  }

  /** Reuses valid files from an earlier run of this container, else issues a certificate from the CA. */
  async ensure(): Promise<MemberTlsResult> {
    try {
      const now = this.d.wallNow();
      const files = await this.read();
      const problem = files ? this.problem(files, now) : 'no certificate yet';
      if (problem === null) {
        const changed = this.adopt(files as MemberCredentials);
        return { ok: true, changed, note: changed ? 'member certificate reused' : 'member certificate valid' };
      }
      const ca = await loadOrCreateCa(this.d.secrets, this.d.caSecret, this.d.caCommonName, this.d.labels, now);
      if ('reason' in ca) return { ok: false, reason: `member certificate: ${ca.reason}` };
      const key = generateKey();
      const notAfter = Math.min(now + LEAF_VALIDITY_MS, Date.parse(ca.cert.validTo));
      const cert = issue(
        { commonName: this.d.podName, publicKey: key.publicKey, notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(notAfter), kind: { ca: false, dnsNames: this.d.dnsNames, client: true } },
        signerOf(ca),
      );
      const issued = { cert, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, ca: ca.pem };
      await this.install(issued);
      this.adopt(issued);
      return { ok: true, changed: true, note: `member certificate issued from Secret ${this.d.caSecret} (${problem}), valid until ${new Date(notAfter).toISOString()}` };
    } catch (error) {
      return { ok: false, reason: `member certificate: ${(error as Error).message}` };
    }
  }

  /**
   * ensure() until it succeeds (every 2 s), then every `periodMs`; logs what changed or failed. Resolves
   * after the first attempt, so the loop starts with the certificate in place whenever the API answers.
   */
  startRefresh(log: Logger, periodMs = MEMBER_TLS_REFRESH_MS): Promise<void> {
    let last = '';
    const refresh = async () => {
      const result = await this.ensure();
      const line = result.ok ? result.note : result.reason;
      if ((result.ok && result.changed) || line !== last) {
        if (result.ok) log.info('member-tls', { outcome: line });
        else log.error('member-tls', { outcome: line });
      }
      last = line;
      setTimeout(() => void refresh(), result.ok ? periodMs : 2000).unref();
    };
    return refresh();
  }

  private adopt(files: MemberCredentials): boolean {
    const c = this.credentials;
    if (c && c.cert === files.cert && c.key === files.key && c.ca === files.ca) return false;
    this.credentials = files;
    this.listeners.forEach((listener) => listener(files));
    return true;
  }

  private problem(files: MemberCredentials, now: number): string | null {
    try {
      const cert = new X509Certificate(files.cert);
      const ca = new X509Certificate(files.ca);
      if (!cert.verify(ca.publicKey)) return 'the certificate is not signed by the CA';
      if (!cert.checkPrivateKey(createPrivateKey(files.key))) return 'the certificate does not match the key';
      if (commonName(cert) !== this.d.podName) return `the certificate names ${commonName(cert)}`;
      const expires = Date.parse(cert.validTo);
      if (expires - now < RENEW_BEFORE_MS && Date.parse(ca.validTo) > expires) return `the certificate expires ${cert.validTo}`;
      return null;
    } catch (error) {
      return `the files cannot be read (${(error as Error).message})`;
    }
  }

  private async read(): Promise<MemberCredentials | null> {
    const f = (name: string) => readFile(join(this.d.dir, name), 'utf8');
    try {
      const [cert, key, ca] = await Promise.all([f('member.crt'), f('member.key'), f('ca.crt')]);
      return { cert, key, ca };
    } catch {
      return null;
    }
  }

  /** Each file replaced atomically, the certificate last. */
  private async install(files: MemberCredentials): Promise<void> {
    await mkdir(this.d.dir, { recursive: true, mode: 0o700 });
    await chmod(this.d.dir, 0o700);
    for (const [name, text] of [['ca.crt', files.ca], ['member.key', files.key], ['member.crt', files.cert]] as const) {
      const path = join(this.d.dir, name);
      await writeFile(`${path}.tmp`, text, { mode: 0o600 });
      await chmod(`${path}.tmp`, 0o600);
      await rename(`${path}.tmp`, path);
    }
  }
}

/**
 * Credentials the member API serves with until this agent has its own: a throwaway self-signed
 * certificate the members reject, so a caller sees this agent as unreachable (not refused: its process
 * is alive) until the real certificate is in place.
 */
export function placeholderCredentials(): MemberCredentials {
  const key = generateKey();
  const now = Date.now();
  const cert = selfSignedCa('no member certificate yet', key, new Date(now - BACKDATE_MS), new Date(now + DAY_MS));
  return { cert, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, ca: cert };
}

function commonName(cert: PeerCertificate | X509Certificate | null | undefined): string | null {
  if (!cert) return null;
  if (cert instanceof X509Certificate) return /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? null;
  const cn = cert.subject?.CN;
  return typeof cn === 'string' ? cn : null;
}

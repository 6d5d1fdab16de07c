// The member's server certificate, key and CA in <run dir>/tls (server.crt, server.key, ca.crt, mode 0600),
// where postgresql.conf points ssl_cert_file and ssl_key_file, and where the standby's walreceiver,
// pg_basebackup and pg_rewind find the CA they verify the primary with (sslmode=verify-full). The run dir
// is a memory-backed emptyDir: the key never reaches a disk, and is gone with the pod.
//
// ensure() runs before PostgreSQL starts, and before a clone or rewind connects to the primary; a timer
// runs it again every minute, which renews a generated certificate 30 days before it expires and picks up
// a Secret that cert-manager (or the user) rotated. Whenever the files change, the supervisor is asked to
// reload PostgreSQL (SIGHUP reloads the TLS files, on a warm standby too).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../runtime/log';
import type { TlsConfig } from './config';
import type { ServerNames } from './names';
import { BACKDATE_MS, CA_SECRET_KEYS, loadOrCreateCa, signerOf, type Ca, type SecretStore } from './cluster-ca';
import { generateKey, issue, splitPem } from './x509';

const DAY_MS = 24 * 3_600_000;
/** A member's certificate: renewed automatically, so its lifetime only bounds how long a stolen key is useful. */
const LEAF_VALIDITY_MS = 365 * DAY_MS;
/** Renewal starts this long before expiry: a month of daily chances even if the agent is often down. */
const RENEW_BEFORE_MS = 30 * DAY_MS;
/** How often the timer looks at the files; reading three small files from memory costs nothing. */
export const TLS_REFRESH_MS = 60_000;

export { CA_SECRET_KEYS };
export const TLS_SECRET_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;

export type TlsResult = { ok: true; changed: boolean; note: string } | { ok: false; reason: string };

export type { SecretStore };

export interface CaPublisher {
  publish(pem: string): Promise<'unchanged' | 'created' | 'updated'>;
}

export interface ServerTlsDeps {
  readonly config: TlsConfig;
  readonly names: ServerNames;
  readonly secrets: SecretStore;
  /** null when TLS is disabled. */
  readonly caPublisher: CaPublisher | null;
  readonly wallNow: () => number;
  /** Labels of the CA Secret the agent creates. */
  readonly labels: Record<string, string>;
}

interface Files {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export class ServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** Touched after the files changed; the supervisor removes it and sends PostgreSQL a SIGHUP. */
  readonly reloadFlag: string;
  private queue: Promise<unknown> = Promise.resolve();
  private ca: Ca | null = null;
  private publishedCa: string | null = null;

  constructor(private readonly d: ServerTlsDeps) {
    const dir = d.config.dir;
    this.certFile = join(dir, 'server.crt');
    this.keyFile = join(dir, 'server.key');
    this.caFile = join(dir, 'ca.crt');
    this.reloadFlag = join(dir, 'reload');
  }

  get enabled(): boolean {
    return this.d.config.source !== 'disabled';
  }

  /**
   * What a replication connection to another member adds: verify its certificate against the cluster's
   * CA and its host name. Nothing when TLS is disabled.
   */
  conninfo(): string[] {
    return this.enabled ? ['sslmode=verify-full', `sslrootcert=${this.caFile}`] : [];
  }

  /** Puts valid files in place (calls are serialised). PostgreSQL must not start while this fails. */
  ensure(): Promise<TlsResult> {
    const run = this.queue.then(() => this.ensureNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs ensure() now and every `periodMs`, logging what changed or failed; returns a stop function. */
  startRefresh(log: Logger, periodMs = TLS_REFRESH_MS): () => void {
    let last = '';
    const refresh = async () => {
      const result = await this.ensure();
      const line = result.ok ? result.note : result.reason;
      if ((result.ok && result.changed) || line !== last) {
        if (result.ok) log.info('tls', { outcome: line });
        else log.error('tls', { outcome: line });
      }
      last = line;
    };
    void refresh();
    const timer = setInterval(() => void refresh(), periodMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async ensureNow(): Promise<TlsResult> {
    if (!this.enabled) return { ok: true, changed: false, note: 'TLS disabled' };
    let result: TlsResult;
    try {
      result = this.d.config.source === 'generated' ? await this.ensureGenerated() : await this.ensureFromSecret();
    } catch (error) {
      return { ok: false, reason: `TLS: ${(error as Error).message}` };
    }
    if (!result.ok) return result;
    if (result.changed) await writeFile(this.reloadFlag, '');
    // Clients need the published CA; PostgreSQL does not, so a failure here never holds it back.
    const published = await this.publishCa().catch((error: Error) => `CA not published yet (${error.message})`);
    return published ? { ...result, note: `${result.note}; ${published}` } : result;
  }

  // ---- generated: the cluster's own CA ----

  private async ensureGenerated(): Promise<TlsResult> {
    const now = this.d.wallNow();
    const installed = await this.readInstalled();
    const problem = installed ? this.generatedProblem(installed, now) : 'no certificate yet';
    if (problem === null) return { ok: true, changed: false, note: 'server certificate valid' };
    const ca = await this.loadCa(now);
    if ('reason' in ca) return { ok: false, reason: ca.reason };
    const key = generateKey();
    const notAfter = Math.min(now + LEAF_VALIDITY_MS, Date.parse(ca.cert.validTo));
    const cert = issue(
      {
        commonName: this.d.names.commonName,
        publicKey: key.publicKey,
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(notAfter),
        kind: { ca: false, dnsNames: this.d.names.dnsNames },
      },
      signerOf(ca),
    );
    await this.install({ cert, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, ca: ca.pem });
    return { ok: true, changed: true, note: `server certificate issued (${problem}), valid until ${new Date(notAfter).toISOString()}` };
  }

  /** Why the installed files must be replaced, or null when they serve. */
  private generatedProblem(files: Files, now: number): string | null {
    try {
      return this.leafProblem(files, now);
    } catch (error) {
      return `the installed files cannot be read (${(error as Error).message})`;
    }
  }

  private leafProblem(files: Files, now: number): string | null {
    const cert = new X509Certificate(files.cert);
    const ca = new X509Certificate(files.ca);
    if (!cert.verify(ca.publicKey)) return 'the certificate is not signed by the CA';
    if (!cert.checkPrivateKey(createPrivateKey(files.key))) return 'the certificate does not match the key';
    const missing = this.d.names.dnsNames.filter((name) => cert.checkHost(name) === undefined);
    if (missing.length > 0) return `the certificate lacks ${missing.join(', ')}`;
    const expires = Date.parse(cert.validTo);
    // Renewing cannot help once the CA itself ends first; the CA must then be replaced (README.md, "TLS").
    if (expires - now < RENEW_BEFORE_MS && Date.parse(ca.validTo) > expires) return `the certificate expires ${cert.validTo}`;
    return null;
  }

  /** The CA from its Secret, created by the first member that needs it. */
  private async loadCa(now: number): Promise<Ca | { reason: string }> {
    if (this.ca) return this.ca;
    const ca = await loadOrCreateCa(this.d.secrets, this.d.config.caSecret as string, this.d.names.caCommonName, this.d.labels, now);
    if ('cert' in ca) this.ca = ca;
    return ca;
  }

  // ---- secret: a kubernetes.io/tls Secret mounted into the agent container ----

  private async ensureFromSecret(): Promise<TlsResult> {
    const dir = this.d.config.secretDir as string;
    const where = `Secret ${this.d.config.secret} (mounted at ${dir})`;
    const read = (key: string) => readFile(join(dir, key), 'utf8').catch(() => null);
    const [cert, key, ca] = await Promise.all([read(TLS_SECRET_KEYS.cert), read(TLS_SECRET_KEYS.key), read(TLS_SECRET_KEYS.ca)]);
    const missing = Object.entries({ [TLS_SECRET_KEYS.cert]: cert, [TLS_SECRET_KEYS.key]: key, [TLS_SECRET_KEYS.ca]: ca }).filter(([, v]) => !v).map(([k]) => k);
    if (missing.length > 0) return { ok: false, reason: `${where} lacks ${missing.join(', ')}` };
    const files = { cert: cert as string, key: key as string, ca: ca as string };
    let problem: string | null;
    try {
      problem = this.secretProblem(files);
    } catch (error) {
      problem = `cannot be read (${(error as Error).message})`;
    }
    if (problem) return { ok: false, reason: `${where}: ${problem}` };
    const installed = await this.readInstalled();
    const expired = Date.parse(new X509Certificate(files.cert).validTo) < this.d.wallNow() ? ' (expired: clients that verify will refuse it)' : '';
    if (installed && installed.cert === files.cert && installed.key === files.key && installed.ca === files.ca) {
      return { ok: true, changed: false, note: `server certificate from ${where} in place${expired}` };
    }
    await this.install(files);
    return { ok: true, changed: true, note: `server certificate installed from ${where}${expired}` };
  }

  private secretProblem(files: Files): string | null {
    const chain = splitPem(files.cert).map((pem) => new X509Certificate(pem));
    const roots = splitPem(files.ca).map((pem) => new X509Certificate(pem));
    if (chain.length === 0) return `${TLS_SECRET_KEYS.cert} holds no PEM certificate`;
    if (roots.length === 0) return `${TLS_SECRET_KEYS.ca} holds no PEM certificate`;
    if (!chain[0].checkPrivateKey(createPrivateKey(files.key))) return `${TLS_SECRET_KEYS.cert} does not match ${TLS_SECRET_KEYS.key}`;
    const missing = this.d.names.required.filter((name) => chain[0].checkHost(name) === undefined);
    if (missing.length > 0) return `the certificate does not cover ${missing.join(', ')}`;
    for (let i = 0; i + 1 < chain.length; i++) {
      if (!chain[i].verify(chain[i + 1].publicKey)) return `certificate ${i + 1} of ${TLS_SECRET_KEYS.cert} is not signed by the next one`;
    }
    const top = chain[chain.length - 1];
    if (!roots.some((root) => root.fingerprint256 === top.fingerprint256 || (top.checkIssued(root) && top.verify(root.publicKey)))) {
      return `${TLS_SECRET_KEYS.ca} does not sign the certificate in ${TLS_SECRET_KEYS.cert}: standbys and clients would reject it`;
    }
    return null;
  }

  // ---- files and the published CA ----

  private async readInstalled(): Promise<Files | null> {
    try {
      const [cert, key, ca] = await Promise.all([readFile(this.certFile, 'utf8'), readFile(this.keyFile, 'utf8'), readFile(this.caFile, 'utf8')]);
      return { cert, key, ca };
    } catch {
      return null;
    }
  }

  /** Each file replaced atomically; the key before the certificate, which is what the checks look at first. */
  private async install(files: Files): Promise<void> {
    await mkdir(this.d.config.dir, { recursive: true, mode: 0o700 });
    await chmod(this.d.config.dir, 0o700);
    for (const [path, text] of [[this.caFile, files.ca], [this.keyFile, files.key], [this.certFile, files.cert]] as const) {
      const tmp = `${path}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, path);
    }
  }

  private async publishCa(): Promise<string | null> {
    const pem = await readFile(this.caFile, 'utf8');
    if (!this.d.caPublisher || this.publishedCa === pem) return null;
    const outcome = await this.d.caPublisher.publish(pem);
    this.publishedCa = pem;
    return outcome === 'unchanged' ? null : `CA certificate ${outcome} in the published ConfigMap`;
  }
}

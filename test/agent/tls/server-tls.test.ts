import { X509Certificate } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsConfig } from '../../../agent/tls/config';
import { serverNames } from '../../../agent/tls/names';
import { ServerTls, type CaPublisher, type SecretStore } from '../../../agent/tls/server-tls';
import { generateKey, issue, selfSignedCa } from '../../../agent/tls/x509';
import { opensslVerify } from './openssl';

const DAY = 24 * 3_600_000;
const START = Date.parse('2026-11-26T02:00:00Z');
const MEMBER = { podName: 'pg-1', namespace: 'demo', clusterName: 'pg', podsService: 'pg-pods', clusterDomain: 'cluster.local' };
const FQDN = 'pg-1.pg-pods.demo.svc.cluster.local';

/** The Secrets of one namespace, as the agent's adapter sees them: create never overwrites. */
class MemorySecrets implements SecretStore {
  readonly data = new Map<string, Record<string, string>>();
  creates = 0;
  gets = 0;

  async get(name: string) {
    this.gets++;
    return this.data.get(name) ?? null;
  }

  async create(name: string, data: Record<string, string>) {
    this.creates++;
    if (this.data.has(name)) return 'exists' as const;
    this.data.set(name, data);
    return 'created' as const;
  }
}

class Published implements CaPublisher {
  pem: string | null = null;
  fail = false;

  async publish(pem: string) {
    if (this.fail) throw new Error('API unreachable');
    const outcome = this.pem === null ? 'created' : this.pem === pem ? 'unchanged' : 'updated';
    this.pem = pem;
    return outcome;
  }
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pgha-tls-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

interface Member {
  readonly tls: ServerTls;
  readonly secrets: MemorySecrets;
  readonly published: Published;
  readonly clock: { now: number };
  readonly dir: string;
}

function member(config: Partial<TlsConfig> & { source: TlsConfig['source'] }, options: { secrets?: MemorySecrets; podName?: string; runDir?: string } = {}): Member {
  const secrets = options.secrets ?? new MemorySecrets();
  const published = new Published();
  const clock = { now: START };
  const dir = join(options.runDir ?? join(root, 'run'), 'tls');
  const tls = new ServerTls({
    config: { caSecret: 'pg-ca', secret: null, secretDir: null, caConfigMap: 'pg-ca-cert', dir, ...config },
    names: serverNames({ ...MEMBER, podName: options.podName ?? MEMBER.podName }),
    secrets,
    caPublisher: config.source === 'disabled' ? null : published,
    wallNow: () => clock.now,
    labels: { 'app.kubernetes.io/instance': 'pg' },
  });
  return { tls, secrets, published, clock, dir };
}

const files = async (dir: string) => ({
  cert: await readFile(join(dir, 'server.crt'), 'utf8'),
  key: await readFile(join(dir, 'server.key'), 'utf8'),
  ca: await readFile(join(dir, 'ca.crt'), 'utf8'),
});

describe('generated: the cluster\'s own CA', () => {
  it('creates the CA Secret, issues a certificate for the member\'s and the Services\' names, and writes 0600 files', async () => {
    const m = member({ source: 'generated' });
    expect(await m.tls.ensure()).toEqual({ ok: true, changed: true, note: expect.stringMatching(/^server certificate issued \(no certificate yet\), valid until 2027-11-26T02:00:00.000Z; CA certificate created/) });
    expect([...m.secrets.data.keys()]).toEqual(['pg-ca']);
    const { cert, ca } = await files(m.dir);
    expect(ca).toBe(m.secrets.data.get('pg-ca')!['ca.crt']);
    expect(m.secrets.data.get('pg-ca')!['ca.key']).toContain('BEGIN PRIVATE KEY');
    expect(opensslVerify(ca, cert, { hostname: FQDN }).ok).toBe(true);
    expect(new X509Certificate(cert).subjectAltName).toBe([
      'pg-1.pg-pods', 'pg-1.pg-pods.demo', 'pg-1.pg-pods.demo.svc', FQDN,
      'pg', 'pg.demo', 'pg.demo.svc', 'pg.demo.svc.cluster.local',
      'pg-replicas', 'pg-replicas.demo', 'pg-replicas.demo.svc', 'pg-replicas.demo.svc.cluster.local',
    ].map((n) => `DNS:${n}`).join(', '));
    expect(new X509Certificate(ca).subject).toBe('CN=pg CA');
    expect(new X509Certificate(cert).subject).toBe('CN=pg-1');
    expect(statSync(m.dir).mode & 0o777).toBe(0o700);
    for (const file of ['server.crt', 'server.key', 'ca.crt']) expect(statSync(join(m.dir, file)).mode & 0o777).toBe(0o600);
    expect(m.published.pem).toBe(ca);
  });

  it('asks the supervisor to reload PostgreSQL whenever the files change', async () => {
    const m = member({ source: 'generated' });
    await m.tls.ensure();
    expect(existsSync(m.tls.reloadFlag)).toBe(true);
    await rm(m.tls.reloadFlag);
    await m.tls.ensure();
    expect(existsSync(m.tls.reloadFlag)).toBe(false);
  });

  it('lets every member use the CA the first one created', async () => {
    const secrets = new MemorySecrets();
    const first = member({ source: 'generated' }, { secrets, podName: 'pg-0', runDir: join(root, 'a') });
    const second = member({ source: 'generated' }, { secrets, podName: 'pg-1', runDir: join(root, 'b') });
    await Promise.all([first.tls.ensure(), second.tls.ensure()]);
    expect(secrets.data.size).toBe(1);
    const [a, b] = [await files(first.dir), await files(second.dir)];
    expect(a.ca).toBe(b.ca);
    expect(opensslVerify(b.ca, a.cert, { hostname: 'pg-0.pg-pods.demo.svc.cluster.local' }).ok).toBe(true);
  });

  it('keeps a valid certificate without asking the API, and renews it 30 days before it expires', async () => {
    const m = member({ source: 'generated' });
    await m.tls.ensure();
    const issued = await files(m.dir);
    const gets = m.secrets.gets;
    m.clock.now = START + 334 * DAY;
    expect(await m.tls.ensure()).toEqual({ ok: true, changed: false, note: 'server certificate valid' });
    expect(m.secrets.gets).toBe(gets);
    expect((await files(m.dir)).cert).toBe(issued.cert);
    m.clock.now = START + 336 * DAY;
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: true, note: expect.stringContaining('the certificate expires Nov 26 02:00:00 2027 GMT') });
    const renewed = await files(m.dir);
    expect(renewed.cert).not.toBe(issued.cert);
    expect(renewed.key).not.toBe(issued.key);
    expect(new X509Certificate(renewed.cert).validTo).toBe('Oct 27 02:00:00 2028 GMT');
  });

  it('replaces files it cannot use: missing, unreadable, or a certificate that does not match the key', async () => {
    const m = member({ source: 'generated' });
    await m.tls.ensure();
    await writeFile(join(m.dir, 'server.crt'), 'garbage');
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: true, note: expect.stringContaining('the installed files cannot be read') });
    await writeFile(join(m.dir, 'server.key'), generateKey().privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: true, note: expect.stringContaining('the certificate does not match the key') });
    await rm(join(m.dir, 'ca.crt'));
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: true, note: expect.stringContaining('no certificate yet') });
  });

  it('never issues beyond the CA\'s own end', async () => {
    const secrets = new MemorySecrets();
    const key = generateKey();
    secrets.data.set('pg-ca', {
      'ca.crt': selfSignedCa('pg CA', key, new Date(START - DAY), new Date(START + 10 * DAY)),
      'ca.key': key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    });
    const m = member({ source: 'generated' }, { secrets });
    await m.tls.ensure();
    expect(new X509Certificate((await files(m.dir)).cert).validTo).toBe('Dec  6 02:00:00 2026 GMT');
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: false });
  });

  it('fails, naming the Secret, when the CA Secret lacks its key', async () => {
    const secrets = new MemorySecrets();
    secrets.data.set('pg-ca', { 'ca.crt': 'x' });
    expect(await member({ source: 'generated' }, { secrets }).tls.ensure()).toEqual({ ok: false, reason: 'Secret pg-ca lacks ca.key' });
  });

  it('installs the files even when the CA cannot be published yet, and publishes it later', async () => {
    const m = member({ source: 'generated' });
    m.published.fail = true;
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: true, note: expect.stringContaining('CA not published yet (API unreachable)') });
    m.published.fail = false;
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: false, note: 'server certificate valid; CA certificate created in the published ConfigMap' });
  });

  it('makes the walreceiver verify the primary against the installed CA', () => {
    const m = member({ source: 'generated' });
    expect(m.tls.conninfo()).toEqual(['sslmode=verify-full', `sslrootcert=${join(m.dir, 'ca.crt')}`]);
  });
});

describe('secret: a kubernetes.io/tls Secret mounted into the agent container', () => {
  const DAYS = (n: number) => new Date(START + n * DAY);

  function pki(dnsNames = ['*.pg-pods.demo.svc.cluster.local', 'pg.demo.svc.cluster.local', 'pg-replicas.demo.svc.cluster.local']) {
    const rootKey = generateKey();
    const root = selfSignedCa('root', rootKey, DAYS(-1), DAYS(3650));
    const key = generateKey();
    const cert = issue({ commonName: 'pg', publicKey: key.publicKey, notBefore: DAYS(-1), notAfter: DAYS(90), kind: { ca: false, dnsNames } }, { commonName: 'root', ...rootKey });
    return { root, rootKey, cert, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
  }

  async function mount(secret: { cert?: string; key?: string; ca?: string }): Promise<string> {
    const dir = join(root, 'secret');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    if (secret.cert) await writeFile(join(dir, 'tls.crt'), secret.cert);
    if (secret.key) await writeFile(join(dir, 'tls.key'), secret.key);
    if (secret.ca) await writeFile(join(dir, 'ca.crt'), secret.ca);
    return dir;
  }

  const fromSecret = (dir: string) => member({ source: 'secret', caSecret: null, secret: 'pg-tls', secretDir: dir });

  it('installs a wildcard certificate like cert-manager\'s as 0600 files, publishes ca.crt, and picks up a rotation', async () => {
    const first = pki();
    const m = fromSecret(await mount({ cert: first.cert, key: first.key, ca: first.root }));
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: true, note: expect.stringContaining(`server certificate installed from Secret pg-tls (mounted at ${join(root, 'secret')})`) });
    expect(await files(m.dir)).toEqual({ cert: first.cert, key: first.key, ca: first.root });
    expect(statSync(join(m.dir, 'server.key')).mode & 0o777).toBe(0o600);
    expect(m.published.pem).toBe(first.root);
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: false });

    await rm(m.tls.reloadFlag);
    const rotated = pki();
    await mount({ cert: rotated.cert, key: rotated.key, ca: rotated.root });
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: true, note: expect.stringContaining('CA certificate updated') });
    expect((await files(m.dir)).cert).toBe(rotated.cert);
    expect(existsSync(m.tls.reloadFlag)).toBe(true);
  });

  it('accepts a chain with an intermediate CA before the root in ca.crt', async () => {
    const { root: rootPem, rootKey } = pki();
    const intermediateKey = generateKey();
    const intermediate = issue({ commonName: 'intermediate', publicKey: intermediateKey.publicKey, notBefore: DAYS(-1), notAfter: DAYS(365), kind: { ca: true } }, { commonName: 'root', ...rootKey });
    const key = generateKey();
    const leaf = issue({ commonName: 'pg', publicKey: key.publicKey, notBefore: DAYS(-1), notAfter: DAYS(90), kind: { ca: false, dnsNames: ['*.pg-pods.demo.svc.cluster.local', 'pg.demo.svc.cluster.local', 'pg-replicas.demo.svc.cluster.local'] } }, { commonName: 'intermediate', ...intermediateKey });
    const m = fromSecret(await mount({ cert: `${leaf}${intermediate}`, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, ca: rootPem }));
    expect(await m.tls.ensure()).toMatchObject({ ok: true, changed: true });
  });

  it('fails, naming the Secret and the problem, before PostgreSQL could start with a bad certificate', async () => {
    const good = pki();
    const reason = async (secret: { cert?: string; key?: string; ca?: string }) => {
      const result = await fromSecret(await mount(secret)).tls.ensure();
      return result.ok ? 'ok' : result.reason.replace(`Secret pg-tls (mounted at ${join(root, 'secret')})`, 'Secret');
    };
    expect(await reason({ cert: good.cert, key: good.key })).toBe('Secret lacks ca.crt');
    expect(await reason({})).toBe('Secret lacks tls.crt, tls.key, ca.crt');
    expect(await reason({ cert: good.cert, key: pki().key, ca: good.root })).toBe('Secret: tls.crt does not match tls.key');
    const narrow = pki(['pg.demo.svc.cluster.local']);
    expect(await reason({ cert: narrow.cert, key: narrow.key, ca: narrow.root }))
      .toBe('Secret: the certificate does not cover pg-1.pg-pods.demo.svc.cluster.local, pg-replicas.demo.svc.cluster.local');
    expect(await reason({ cert: good.cert, key: good.key, ca: pki().root }))
      .toBe('Secret: ca.crt does not sign the certificate in tls.crt: standbys and clients would reject it');
    expect(await reason({ cert: 'not a certificate', key: good.key, ca: good.root })).toBe('Secret: tls.crt holds no PEM certificate');
  });

  it('installs an expired certificate, saying so (refusing would take PostgreSQL down with it)', async () => {
    const good = pki();
    const m = fromSecret(await mount({ cert: good.cert, key: good.key, ca: good.root }));
    m.clock.now = START + 100 * DAY;
    expect(await m.tls.ensure()).toMatchObject({ ok: true, note: expect.stringContaining('(expired: clients that verify will refuse it)') });
  });
});

describe('disabled', () => {
  it('writes nothing and adds nothing to the replication connection', async () => {
    const m = member({ source: 'disabled', caSecret: null, caConfigMap: null });
    expect(await m.tls.ensure()).toEqual({ ok: true, changed: false, note: 'TLS disabled' });
    expect(existsSync(m.dir)).toBe(false);
    expect(m.tls.conninfo()).toEqual([]);
    expect(m.secrets.gets).toBe(0);
  });
});

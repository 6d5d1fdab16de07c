import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverNames } from '../../../agent/tls/names';
import { ServerTls, type SecretStore } from '../../../agent/tls/server-tls';
import { describeWithPostgres, PG_BIN, PgFixture, PgServer, runAsPostgres } from '../../support/pg-fixture';

const SERVICE = 'pg.demo.svc.cluster.local';

class MemorySecrets implements SecretStore {
  private readonly data = new Map<string, Record<string, string>>();
  async get(name: string) {
    return this.data.get(name) ?? null;
  }
  async create(name: string, data: Record<string, string>) {
    if (this.data.has(name)) return 'exists' as const;
    this.data.set(name, data);
    return 'created' as const;
  }
}

function psql(server: PgServer, host: string, sslmode: string, caFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(join(PG_BIN, 'psql'), ['-X', '-A', '-t', '-c', 'select ssl, version from pg_stat_ssl where pid = pg_backend_pid()',
      `host=${host} hostaddr=127.0.0.1 port=${server.port} user=postgres dbname=postgres sslmode=${sslmode} sslrootcert=${caFile}`],
    { encoding: 'utf8', env: { PATH: process.env.PATH, PGPASSWORD: 'secret' } },
    (error, stdout, stderr) => (error ? reject(new Error(stderr.trim())) : resolve(stdout.trim())));
  });
}

/** The serial number of the certificate the server presents now (what a new client sees). */
function servedSerial(server: PgServer): string {
  const pem = execFileSync('openssl', ['s_client', '-starttls', 'postgres', '-connect', `127.0.0.1:${server.port}`], { input: 'Q\n', encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  return new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)![0]).serialNumber;
}

describeWithPostgres('PostgreSQL with the certificates ServerTls installs', () => {
  let fixture: PgFixture;
  let server: PgServer;
  let runDir: string;
  let tls: ServerTls;

  /** What the pod's uid 999 owns in the real pod; here the postgres user. */
  async function handToPostgres(): Promise<void> {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    const dir = join(runDir, 'tls');
    await chown(dir, uid, gid);
    for (const file of await readdir(dir)) await chown(join(dir, file), uid, gid);
  }

  beforeAll(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'pgha-tls-run-'));
    await chmod(runDir, 0o755);
    tls = new ServerTls({
      config: { source: 'generated', caSecret: 'pg-ca', secret: null, secretDir: null, caConfigMap: null, dir: join(runDir, 'tls') },
      names: serverNames({ podName: 'pg-0', namespace: 'demo', clusterName: 'pg', podsService: 'pg-pods', clusterDomain: 'cluster.local' }),
      secrets: new MemorySecrets(),
      caPublisher: null,
      wallNow: () => Date.now(),
      labels: {},
    });
    expect(await tls.ensure()).toMatchObject({ ok: true, changed: true });
    await handToPostgres();
    fixture = await PgFixture.create();
    // The settings the construct renders (lib/tls.ts), pointing at this test's run dir.
    server = await fixture.createPrimary('tls', {
      settings: { ssl: 'on', ssl_cert_file: `'${tls.certFile}'`, ssl_key_file: `'${tls.keyFile}'`, ssl_min_protocol_version: "'TLSv1.2'" },
    });
    await server.query("alter role postgres password 'secret'");
  }, 60_000);

  afterAll(async () => {
    await fixture?.cleanup();
    await rm(runDir, { recursive: true, force: true });
  });

  it('accepts the generated key and certificate, and serves libpq clients that verify the Service name', async () => {
    expect(await psql(server, SERVICE, 'verify-full', tls.caFile)).toBe('t|TLSv1.3');
    expect(await psql(server, 'pg-0.pg-pods.demo.svc.cluster.local', 'verify-full', tls.caFile)).toBe('t|TLSv1.3');
    await expect(psql(server, 'localhost', 'verify-full', tls.caFile)).rejects.toThrow(/does not match host name/);
  });

  it('serves a reissued certificate after a reload, without a restart', async () => {
    const before = servedSerial(server);
    expect(before).toBe(new X509Certificate(await readFile(tls.certFile, 'utf8')).serialNumber);
    // A renewal issues a fresh key and certificate, as an expiring one would get (the real clock keeps
    // the new certificate valid for the client).
    await rm(tls.certFile);
    expect(await tls.ensure()).toMatchObject({ ok: true, changed: true });
    await handToPostgres();
    // What the supervisor does when it finds the reload flag.
    await runAsPostgres('pg_ctl', ['reload', '-D', server.dataDir]);
    await server.waitUntil('select true', 5000);
    const renewed = new X509Certificate(await readFile(tls.certFile, 'utf8')).serialNumber;
    for (let i = 0; i < 50 && servedSerial(server) !== renewed; i++) await new Promise((r) => setTimeout(r, 100));
    expect(servedSerial(server)).toBe(renewed);
    expect(renewed).not.toBe(before);
    expect(await psql(server, SERVICE, 'verify-full', tls.caFile)).toBe('t|TLSv1.3');
  });
});

/**
 * TLS, on by default: the agents generate the cluster's CA and each member's certificate; a client
 * verifies the primary through its Service name with libpq's `sslmode=verify-full` and the CA the agents
 * published; the standbys' replication connections are encrypted; plaintext is refused.
 *
 * The runner is on the host, which has no cluster DNS: psql connects to the Service's address with
 * `hostaddr` and verifies the certificate against `host`, the name an application in the cluster uses
 * (libpq's documented way to connect to an address under a name).
 */
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_MAP, getObject, SECRET } from '../harness/api-objects';
import { POSTGRES_BIN_DIR } from '../harness/images';
import type { ConfigMap, Secret } from '../harness/kube';
import { configMapBytes, secretBytes } from '../harness/object-data';
import { haPostgres } from '../charts';
import { check, type Scenario } from '../harness/scenario';
import { agentStatuses, PostgresUnderTest } from './postgres-cluster';
import { BOOTSTRAP_MS } from './timeouts';

/** Runs a client program with the password in the environment; resolves with its output, or rejects with its stderr. */
function client(program: string, args: readonly string[], password: string, input = ''): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(program, args, { encoding: 'utf8', timeout: 10_000, env: { PATH: process.env.PATH, PGPASSWORD: password, PGCONNECT_TIMEOUT: '3' } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr.trim() || error.message)) : resolve({ stdout, stderr })));
    child.stdin?.end(input);
  });
}

export const tls: Scenario = {
  name: 'tls',
  summary: 'ha-postgres: verify-full through Service ha-postgres with the published CA, encrypted walsenders, every member\'s certificate valid, plaintext refused',
  chart: haPostgres,
  diagnose: agentStatuses('ha-postgres'),
  async run(t) {
    const db = new PostgresUnderTest(t, 'ha-postgres');
    const { primary, replicas } = await t.step('exactly one pod labelled primary, two labelled replica, all ready', () => db.waitForTopology(BOOTSTRAP_MS));
    await t.step('both standbys streaming (over verified TLS: the walreceivers use sslmode=verify-full)', () => db.waitForStreaming(replicas, BOOTSTRAP_MS));

    const caFile = await t.step('ConfigMap ha-postgres-ca-cert holds the CA certificate only; Secret ha-postgres-ca holds its key', async () => {
      const published = configMapBytes(getObject<ConfigMap>(t.cluster.store, CONFIG_MAP, db.namespace, 'ha-postgres-ca-cert')) ?? {};
      check(JSON.stringify(Object.keys(published)) === '["ca.crt"]', `ConfigMap ha-postgres-ca-cert has keys ${JSON.stringify(Object.keys(published))}`);
      const ca = new X509Certificate(published['ca.crt']);
      check(ca.ca && ca.subject === 'CN=ha-postgres CA', `not the cluster's CA: ${ca.subject}, ca ${ca.ca}`);
      const secret = secretBytes(getObject<Secret>(t.cluster.store, SECRET, db.namespace, 'ha-postgres-ca')) ?? {};
      check(secret['ca.crt']?.toString('utf8') === published['ca.crt'].toString('utf8') && secret['ca.key'] !== undefined, 'Secret ha-postgres-ca does not hold the published CA and a key');
      // `kubectl get configmap ha-postgres-ca-cert -o jsonpath='{.data.ca\.crt}' > ca.crt`
      const file = join(t.cluster.dirs.logs, 'ca.crt');
      writeFileSync(file, published['ca.crt']);
      return file;
    });

    const psql = join(POSTGRES_BIN_DIR, 'psql');
    const { password } = db.credentials();
    const address = db.service().host;
    const conninfo = (host: string, sslmode: string) =>
      `host=${host} hostaddr=${address} port=5432 user=postgres dbname=postgres sslmode=${sslmode} sslrootcert=${caFile}`;

    await t.step('psql with sslmode=verify-full through Service ha-postgres.demo.svc.cluster.local: TLS 1.3, on the primary', async () => {
      const { stdout: out } = await client(psql, ['-X', '-A', '-t', '-c', 'select s.ssl, s.version, pg_is_in_recovery() from pg_stat_ssl s where s.pid = pg_backend_pid()',
        conninfo('ha-postgres.demo.svc.cluster.local', 'verify-full')], password);
      check(out.trim() === 't|TLSv1.3|f', `pg_stat_ssl of the session: ${out.trim()}`);
    });

    await t.step('the same server under a name its certificate lacks is refused by verify-full', async () => {
      const error = await client(psql, ['-X', '-c', 'select 1', conninfo('elsewhere.demo.svc.cluster.local', 'verify-full')], password).then(() => undefined, (e: Error) => e);
      check(error !== undefined && /does not match host name/.test(error.message), `expected a host name mismatch, got ${error?.message ?? 'a connection'}`);
    });

    await t.step('a plaintext connection (sslmode=disable) is refused by pg_hba.conf', async () => {
      const error = await client(psql, ['-X', '-c', 'select 1', conninfo('ha-postgres.demo.svc.cluster.local', 'disable')], password).then(() => undefined, (e: Error) => e);
      check(error !== undefined && /no pg_hba\.conf entry .*no encryption/.test(error.message), `expected a refusal without encryption, got ${error?.message ?? 'a connection'}`);
    });

    await t.step('pg_stat_ssl: both standbys\' walsender connections are encrypted', async () => {
      const rows = await db.sql<{ application_name: string; ssl: boolean; version: string }>(db.service(),
        'select r.application_name, s.ssl, s.version from pg_stat_replication r join pg_stat_ssl s using (pid) order by 1');
      check(JSON.stringify(rows.map((r) => r.application_name)) === JSON.stringify(replicas), `walsenders: ${JSON.stringify(rows)}`);
      check(rows.every((r) => r.ssl && r.version === 'TLSv1.3'), `walsenders not all on TLS 1.3: ${JSON.stringify(rows)}`);
    });

    await t.step('the agent\'s reload flag makes the supervisor reload PostgreSQL (SIGHUP), which goes on serving TLS', async () => {
      const pod = db.pods().find((p) => p.metadata?.name === primary);
      const flag = join(t.cluster.dirs.pod(primary, pod?.metadata?.uid ?? ''), 'volumes', 'run', 'tls', 'reload');
      writeFileSync(flag, '');
      await t.waitFor('the supervisor to log the reload', () => t.cluster.containerLog(primary, 'postgres').includes('supervisor: TLS files changed: configuration reloaded'), 5000);
      check(!existsSync(flag), 'the supervisor left the reload flag in place');
      const { stdout } = await client(psql, ['-X', '-A', '-t', '-c', 'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
        conninfo('ha-postgres.demo.svc.cluster.local', 'verify-full')], password);
      check(stdout.trim() === 't', `after the reload: ${stdout.trim()}`);
    });

    await t.step('every member (warm standbys too) presents a certificate for its own pod name, signed by the CA', async () => {
      for (const pod of db.members()) {
        const name = `${pod}.ha-postgres-pods.demo.svc.cluster.local`;
        const out = await client('openssl', ['s_client', '-starttls', 'postgres', '-connect', `${db.member(pod).host}:5432`, '-servername', name,
          '-verify_hostname', name, '-CAfile', caFile, '-verify_return_error', '-brief'], '', 'Q\n').then((r) => `${r.stdout}${r.stderr}`, (e: Error) => e.message);
        check(/Verification: OK/.test(out), `${pod}: ${out.split('\n').slice(0, 4).join(' | ')}`);
      }
    });
  },
};

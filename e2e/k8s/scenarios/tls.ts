/**
 * TLS, on by default, on the real cluster: the agents generate the cluster's CA and each member's
 * certificate; psql on the host verifies the primary through its Service name with
 * `sslmode=verify-full` and the CA read from the published ConfigMap; the standbys' replication
 * connections are encrypted; plaintext is refused; the agent's reload flag makes the supervisor reload
 * PostgreSQL; every member presents a certificate for its own pod name.
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../support/scenario';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { opensslVerify, psql, psqlRefusal, type LibpqTarget } from './host-clients';
import { BOOTSTRAP_MS } from './timeouts';

const FILES = join(__dirname, '..', '..', '.work', 'k8s-tls', 'tls');
const RELOADED = 'supervisor: TLS files changed: configuration reloaded';

export const tls: KubeScenario = {
  name: 'tls',
  summary: 'ha-postgres: verify-full through Service ha-postgres with the published CA, encrypted walsenders, every member\'s certificate valid, plaintext refused',
  chart: 'ha-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const { primary, replicas } = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming (over verified TLS: the walreceivers use sslmode=verify-full)', () => t.waitFor('both standbys streaming', () => db.streaming(replicas), BOOTSTRAP_MS));

    const caFile = join(FILES, 'ca.crt');
    await t.step("ConfigMap ha-postgres-ca-cert holds the CA certificate only (kubectl get configmap … -o jsonpath='{.data.ca\\.crt}' > ca.crt); Secret ha-postgres-ca holds its key", async () => {
      const configMap = await t.cluster.kubectl.json<{ data?: Record<string, string> }>(['get', 'configmap', '-n', db.namespace, 'ha-postgres-ca-cert']);
      const keys = Object.keys(configMap.data ?? {});
      check(JSON.stringify(keys) === '["ca.crt"]', `ConfigMap ha-postgres-ca-cert has keys ${JSON.stringify(keys)}`);
      const ca = new X509Certificate(configMap.data!['ca.crt']);
      check(ca.ca && ca.subject === 'CN=ha-postgres CA', `not the cluster's CA: ${ca.subject}, ca ${ca.ca}`);
      const secret = await t.cluster.kubectl.json<{ data?: Record<string, string> }>(['get', 'secret', '-n', db.namespace, 'ha-postgres-ca']);
      const decoded = (key: string) => (secret.data?.[key] === undefined ? undefined : Buffer.from(secret.data[key], 'base64').toString('utf8'));
      check(decoded('ca.crt') === configMap.data!['ca.crt'] && decoded('ca.key') !== undefined, 'Secret ha-postgres-ca does not hold the published CA and a key');
      mkdirSync(FILES, { recursive: true });
      await t.cluster.sh(`kubectl get configmap -n ${db.namespace} ha-postgres-ca-cert -o jsonpath='{.data.ca\\.crt}' > ${caFile}`);
    });

    const { password } = await db.credentials();
    const address = (await db.service()).host;
    const target = (host: string, sslmode: LibpqTarget['sslmode']): LibpqTarget => ({ host, hostaddr: address, sslmode, sslrootcert: caFile });
    const serviceName = `ha-postgres.${db.namespace}.svc.cluster.local`;

    await t.step(`psql with sslmode=verify-full through Service ${serviceName} (hostaddr ${address}): TLS 1.3, on the primary`, async () => {
      const out = await psql(target(serviceName, 'verify-full'), password, 'select s.ssl, s.version, pg_is_in_recovery() from pg_stat_ssl s where s.pid = pg_backend_pid()');
      check(out === 't|TLSv1.3|f', `pg_stat_ssl of the session: ${out}`);
    });

    await t.step('the same server under a name its certificate lacks is refused by verify-full', async () => {
      const error = await psqlRefusal(target(`elsewhere.${db.namespace}.svc.cluster.local`, 'verify-full'), password);
      check(error !== undefined && /does not match host name/.test(error.message), `expected a host name mismatch, got ${error?.message ?? 'a connection'}`);
    });

    await t.step('a plaintext connection (sslmode=disable) is refused by pg_hba.conf', async () => {
      const error = await psqlRefusal(target(serviceName, 'disable'), password);
      check(error !== undefined && /no pg_hba\.conf entry .*no encryption/.test(error.message), `expected a refusal without encryption, got ${error?.message ?? 'a connection'}`);
    });

    await t.step('pg_stat_ssl: both standbys\' walsender connections are encrypted', async () => {
      const rows = await db.sql<{ application_name: string; ssl: boolean; version: string }>(db.service(),
        'select r.application_name, s.ssl, s.version from pg_stat_replication r join pg_stat_ssl s using (pid) order by 1');
      check(JSON.stringify(rows.map((r) => r.application_name)) === JSON.stringify(replicas), `walsenders: ${JSON.stringify(rows)}`);
      check(rows.every((r) => r.ssl && r.version === 'TLSv1.3'), `walsenders not all on TLS 1.3: ${JSON.stringify(rows)}`);
    });

    await t.step(`the agent's reload flag (kubectl exec ${primary} -c postgres -- touch /run/pgha/tls/reload) makes the supervisor reload PostgreSQL (SIGHUP), which goes on serving TLS`, async () => {
      const reloads = async () => (await t.cluster.kubectl.run(['logs', '-n', db.namespace, primary, '-c', 'postgres', '--tail=-1'])).split('\n').filter((l) => l.includes(RELOADED)).length;
      const before = await reloads();
      await t.cluster.kubectl.run(['exec', '-n', db.namespace, primary, '-c', 'postgres', '--', 'touch', '/run/pgha/tls/reload']);
      await t.waitFor('the supervisor to log the reload', async () => (await reloads()) > before, 5000);
      const left = await t.cluster.kubectl.run(['exec', '-n', db.namespace, primary, '-c', 'postgres', '--', 'ls', '-A', '/run/pgha/tls']);
      check(!left.split('\n').includes('reload'), `the supervisor left the reload flag in place: ${left.trim().split('\n').join(' ')}`);
      const out = await psql(target(serviceName, 'verify-full'), password, 'select ssl from pg_stat_ssl where pid = pg_backend_pid()');
      check(out === 't', `after the reload: ${out}`);
    });

    await t.step('every member (warm standbys too) presents a certificate for its own pod name, signed by the CA (openssl s_client -starttls postgres)', async () => {
      for (const pod of [primary, ...replicas]) {
        const member = await db.member(pod);
        const out = await opensslVerify(member.host, member.serverName!, caFile);
        check(/Verification: OK/.test(out), `${pod}: ${out.split('\n').slice(0, 4).join(' | ')}`);
      }
    });
  },
};

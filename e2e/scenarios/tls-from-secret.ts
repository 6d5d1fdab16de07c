/**
 * TLS from a Secret the platform provides (`PostgresTls.fromSecret`, what cert-manager's Secret looks
 * like too): a certificate made by another CA with OpenSSL (RSA, a wildcard for the members), created
 * after the pods, which wait for it; the agents install a 0600 copy of the mounted files, replication
 * verifies the primary with it, and a client verifies the Service with the platform's own CA file.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PostgresCluster, PostgresTls, PostgresVersion } from '../../lib';
import { NAMESPACE } from '../charts';
import { run } from '../harness/exec';
import { POSTGRES_BIN_DIR } from '../harness/images';
import { check, type Scenario } from '../harness/scenario';
import { agentStatuses, PostgresUnderTest } from './postgres-cluster';
import { BOOTSTRAP_MS } from './timeouts';

const NAME = 'tls-postgres';
const SECRET = `${NAME}-tls`;

/** Two members (one standby is enough to verify replication) whose certificate comes from Secret tls-postgres-tls. */
function tlsPostgres(app: App): Chart {
  const chart = new Chart(app, NAME, { namespace: NAMESPACE });
  new PostgresCluster(chart, NAME, {
    version: PostgresVersion.V15,
    replicas: 2,
    storageClassName: 'standard',
    storageSize: Size.mebibytes(50),
    tls: PostgresTls.fromSecret(kplus.Secret.fromSecretName(chart, 'Tls', SECRET)),
  });
  return chart;
}

/** A platform CA and a server certificate for the cluster's names, as `openssl` makes them (RSA keys). */
async function platformCertificate(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  mkdirSync(dir, { recursive: true });
  const at = (file: string) => join(dir, file);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '30',
    '-subj', '/CN=Platform Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('tls.key'), '-out', at('tls.csr'), '-subj', `/CN=${NAME}`]);
  writeFileSync(at('ext.cnf'), [
    `subjectAltName=DNS:${NAME}.${NAMESPACE}.svc.cluster.local,DNS:${NAME}-replicas.${NAMESPACE}.svc.cluster.local,DNS:*.${NAME}-pods.${NAMESPACE}.svc.cluster.local`,
    'extendedKeyUsage=serverAuth',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '',
  ].join('\n'));
  await run('openssl', ['x509', '-req', '-in', at('tls.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('tls.crt'), '-days', '30', '-extfile', at('ext.cnf')]);
  return { ca: readFileSync(at('ca.crt'), 'utf8'), cert: readFileSync(at('tls.crt'), 'utf8'), key: readFileSync(at('tls.key'), 'utf8') };
}

function psql(args: readonly string[], password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(join(POSTGRES_BIN_DIR, 'psql'), args, { encoding: 'utf8', timeout: 10_000, env: { PATH: process.env.PATH, PGPASSWORD: password, PGCONNECT_TIMEOUT: '3' } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr.trim() || error.message)) : resolve(stdout)));
  });
}

export const tlsFromSecret: Scenario = {
  name: 'tls-from-secret',
  summary: `${NAME}: certificate from a kubernetes.io/tls Secret made by another CA: members wait for it, install a 0600 copy, replicate and serve verify-full`,
  chart: tlsPostgres,
  diagnose: agentStatuses(NAME),
  async run(t) {
    const db = new PostgresUnderTest(t, NAME);
    const pki = await platformCertificate(join(t.cluster.dirs.logs, 'platform-ca'));

    await t.step(`the members wait for Secret ${SECRET}, which does not exist yet`, async () => {
      await t.waitFor('both member pods created', () => db.pods().length === 2, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const started = db.pods().filter((p) => (p.status?.containerStatuses ?? []).some((c) => c.state?.running));
      check(started.length === 0, `containers started without the TLS Secret: ${started.map((p) => p.metadata?.name)}`);
    });

    await t.step(`Secret ${SECRET} created (kubernetes.io/tls: tls.crt, tls.key, ca.crt)`, async () => {
      const base64 = (text: string) => Buffer.from(text).toString('base64');
      t.cluster.store.create({
        apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: NAMESPACE }, type: 'kubernetes.io/tls',
        data: { 'tls.crt': base64(pki.cert), 'tls.key': base64(pki.key), 'ca.crt': base64(pki.ca) },
      } as never);
    });

    const { replicas } = await t.step('one pod labelled primary, one labelled replica, both ready', () => db.waitForTopology(BOOTSTRAP_MS));
    await t.step('the standby streams (its walreceiver verified the primary with the platform CA)', () => db.waitForStreaming(replicas, BOOTSTRAP_MS));

    await t.step('each agent installed a copy of the mounted files (root:postgres 0440) as 0600 files of the postgres user', async () => {
      for (const pod of db.pods()) {
        const podDir = t.cluster.dirs.pod(pod.metadata?.name ?? '', pod.metadata?.uid ?? '');
        const mounted = statSync(join(podDir, 'volumes', 'tls', 'tls.key'));
        const installed = statSync(join(podDir, 'volumes', 'run', 'tls', 'server.key'));
        check(mounted.uid === 0 && (mounted.mode & 0o777) === 0o440, `${pod.metadata?.name}: mounted tls.key is ${mounted.uid}:${(mounted.mode & 0o777).toString(8)}`);
        check(installed.uid !== 0 && (installed.mode & 0o777) === 0o600, `${pod.metadata?.name}: installed server.key is ${installed.uid}:${(installed.mode & 0o777).toString(8)}`);
        check(readFileSync(join(podDir, 'volumes', 'run', 'tls', 'server.crt'), 'utf8') === pki.cert, `${pod.metadata?.name}: server.crt is not the Secret's tls.crt`);
      }
    });

    await t.step(`ConfigMap ${NAME}-ca-cert publishes the Secret's ca.crt`, () => {
      check(db.ca() === pki.ca, `published: ${db.ca()?.slice(0, 60)}`);
      return Promise.resolve();
    });

    await t.step(`psql with sslmode=verify-full and the platform CA through Service ${NAME}.${NAMESPACE}.svc.cluster.local`, async () => {
      const out = await psql(['-X', '-A', '-t', '-c', 'select ssl, version from pg_stat_ssl where pid = pg_backend_pid()',
        `host=${NAME}.${NAMESPACE}.svc.cluster.local hostaddr=${db.service().host} port=5432 user=postgres dbname=postgres sslmode=verify-full sslrootcert=${join(t.cluster.dirs.logs, 'platform-ca', 'ca.crt')}`],
      db.credentials().password);
      check(out.trim() === 't|TLSv1.3', `pg_stat_ssl of the session: ${out.trim()}`);
    });

    await t.step('pg_stat_ssl: the standby\'s walsender connection is encrypted', async () => {
      const rows = await db.sql<{ application_name: string; ssl: boolean }>(db.service(), 'select r.application_name, s.ssl from pg_stat_replication r join pg_stat_ssl s using (pid)');
      check(rows.length === 1 && rows[0].application_name === replicas[0] && rows[0].ssl, `walsenders: ${JSON.stringify(rows)}`);
    });
  },
};

/**
 * TLS from a Secret the platform provides (`PostgresTls.fromSecret`, what cert-manager's Secret looks
 * like too), on the real cluster: a certificate made by another CA with OpenSSL (RSA, a wildcard for
 * the members), created with kubectl after the pods, which the kubelet holds in ContainerCreating until
 * it exists; the agents install a 0600 copy of the mounted files, replication verifies the primary with
 * it, and psql on the host verifies the Service with the platform's own CA file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../support/exec';
import { check } from '../../support/scenario';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { TLS_POSTGRES, TLS_POSTGRES_SECRET } from '../tls-postgres';
import { psql } from './host-clients';
import { BOOTSTRAP_MS } from './timeouts';

const FILES = join(__dirname, '..', '..', '.work', 'k8s-tls', 'tls-from-secret');
/** Where the rendered StatefulSet mounts the Secret in the agent container (lib/tls.ts TLS_SECRET_DIR). */
const MOUNTED = '/etc/pgha-tls';
/** Where the agent installs its copy for PostgreSQL (the shared /run/pgha emptyDir). */
const INSTALLED = '/run/pgha/tls';
/** The postgres user's uid and gid in the official image, which the pods run as (fsGroup too). */
const POSTGRES_UID = 999;

/** A platform CA and a server certificate for the cluster's names, as `openssl` makes them (RSA keys). */
async function platformCertificate(dir: string, namespace: string): Promise<{ ca: string; cert: string; key: string }> {
  mkdirSync(dir, { recursive: true });
  const at = (file: string) => join(dir, file);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '30',
    '-subj', '/CN=Platform Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('tls.key'), '-out', at('tls.csr'), '-subj', `/CN=${TLS_POSTGRES}`]);
  writeFileSync(at('ext.cnf'), [
    `subjectAltName=DNS:${TLS_POSTGRES}.${namespace}.svc.cluster.local,DNS:${TLS_POSTGRES}-replicas.${namespace}.svc.cluster.local,DNS:*.${TLS_POSTGRES}-pods.${namespace}.svc.cluster.local`,
    'extendedKeyUsage=serverAuth',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '',
  ].join('\n'));
  await run('openssl', ['x509', '-req', '-in', at('tls.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('tls.crt'), '-days', '30', '-extfile', at('ext.cnf')]);
  return { ca: readFileSync(at('ca.crt'), 'utf8'), cert: readFileSync(at('tls.crt'), 'utf8'), key: readFileSync(at('tls.key'), 'utf8') };
}

export const tlsFromSecret: KubeScenario = {
  name: 'tls-from-secret',
  summary: `${TLS_POSTGRES}: certificate from a kubernetes.io/tls Secret made by another CA: members wait for it, install a 0600 copy, replicate and serve verify-full`,
  chart: 'tls-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const pki = await platformCertificate(FILES, db.namespace);
    const exec = (pod: string, ...command: string[]) => t.cluster.kubectl.run(['exec', '-n', db.namespace, pod, '-c', 'agent', '--', ...command]);

    await t.step(`the members wait for Secret ${TLS_POSTGRES_SECRET}, which does not exist yet: the kubelet reports FailedMount and starts no container`, async () => {
      const members = await t.waitFor('both member pods created', async () => {
        const pods = await db.members();
        return pods.length === 2 ? pods.map((p) => p.name) : undefined;
      }, 10_000);
      await t.waitFor(`a FailedMount event naming the Secret for ${members.join(' and ')}`, async () => {
        const events = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=FailedMount -o jsonpath='{range .items[*]}{.involvedObject.name} {.message}{"\\n"}{end}'`);
        return members.every((pod) => events.split('\n').some((line) => line.startsWith(`${pod} `) && line.includes(`secret "${TLS_POSTGRES_SECRET}" not found`)));
      }, 60_000);
      const started = (await db.members()).filter((p) => Object.keys(p.containerIds).length > 0).map((p) => p.name);
      check(started.length === 0, `containers started without the TLS Secret: ${started}`);
    });

    await t.step(`kubectl create secret generic ${TLS_POSTGRES_SECRET} --type=kubernetes.io/tls (tls.crt, tls.key, ca.crt)`, async () => {
      await t.cluster.sh(`kubectl create secret generic ${TLS_POSTGRES_SECRET} -n ${db.namespace} --type=kubernetes.io/tls `
        + `--from-file=tls.crt=${join(FILES, 'tls.crt')} --from-file=tls.key=${join(FILES, 'tls.key')} --from-file=ca.crt=${join(FILES, 'ca.crt')}`);
    });

    const { primary, replicas } = await t.step('one pod labelled primary, one labelled replica, both ready', () => t.waitFor('the topology', () => db.topology(2), BOOTSTRAP_MS));
    await t.step('the standby streams (its walreceiver verified the primary with the platform CA)', () => t.waitFor('the standby streaming', () => db.streaming(replicas), BOOTSTRAP_MS));

    await t.step(`each agent installed a copy of the mounted files (root:postgres 0440 in ${MOUNTED}) as 0600 files of the postgres user in ${INSTALLED}`, async () => {
      for (const pod of [primary, ...replicas]) {
        // stat -L: the kubelet's Secret volume holds symbolic links into a timestamped folder.
        const mounted = (await exec(pod, 'stat', '-L', '-c', '%u:%g %a', `${MOUNTED}/tls.key`)).trim();
        const installed = (await exec(pod, 'stat', '-c', '%u:%g %a', `${INSTALLED}/server.key`)).trim();
        check(mounted === `0:${POSTGRES_UID} 440`, `${pod}: mounted tls.key is ${mounted}`);
        check(installed === `${POSTGRES_UID}:${POSTGRES_UID} 600`, `${pod}: installed server.key is ${installed}`);
        check(await exec(pod, 'cat', `${INSTALLED}/server.crt`) === pki.cert, `${pod}: server.crt is not the Secret's tls.crt`);
      }
    });

    await t.step(`ConfigMap ${TLS_POSTGRES}-ca-cert publishes the Secret's ca.crt`, async () => {
      const published = await t.waitFor('the published CA', async () => {
        const configMap = await t.cluster.kubectl.json<{ data?: Record<string, string> }>(['get', 'configmap', '-n', db.namespace, `${TLS_POSTGRES}-ca-cert`]);
        return configMap.data?.['ca.crt'];
      }, 10_000);
      check(published === pki.ca, `published: ${published.slice(0, 60)}`);
    });

    const serviceName = `${TLS_POSTGRES}.${db.namespace}.svc.cluster.local`;
    await t.step(`psql with sslmode=verify-full and the platform CA through Service ${serviceName}`, async () => {
      const { password } = await db.credentials();
      const out = await psql({ host: serviceName, hostaddr: (await db.service()).host, sslmode: 'verify-full', sslrootcert: join(FILES, 'ca.crt') },
        password, 'select ssl, version from pg_stat_ssl where pid = pg_backend_pid()');
      check(out === 't|TLSv1.3', `pg_stat_ssl of the session: ${out}`);
    });

    await t.step('pg_stat_ssl: the standby\'s walsender connection is encrypted', async () => {
      const rows = await db.sql<{ application_name: string; ssl: boolean }>(db.service(), 'select r.application_name, s.ssl from pg_stat_replication r join pg_stat_ssl s using (pid)');
      check(rows.length === 1 && rows[0].application_name === replicas[0] && rows[0].ssl, `walsenders: ${JSON.stringify(rows)}`);
    });
  },
};

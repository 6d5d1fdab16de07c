/**
 * The seed's first walk-through (KubeDB's `ha-postgres`), command for command on the real cluster:
 * one primary and two warm standbys streaming asynchronously, Service `ha-postgres` selecting the
 * primary by its role label, standbys that refuse connections, the generated password.
 */
import { check } from '../../support/scenario';
import { ALL_MAJORS, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS } from './timeouts';

export const seedWarm: KubeScenario = {
  name: 'seed-warm',
  summary: 'ha-postgres: one primary, two warm standbys streaming (async), writes through Service ha-postgres',
  chart: 'ha-postgres',
  majors: ALL_MAJORS,
  async run(t, db) {
    const { primary, replicas } = await t.step('kubectl get pods -n demo --selector=app.kubernetes.io/instance=ha-postgres --show-labels: one primary, two replicas, all Running and ready', async () => {
      const topology = await t.waitFor('one primary and two ready replicas', () => db.topology(), BOOTSTRAP_MS);
      const table = await t.cluster.sh('kubectl get pods -n demo --selector=app.kubernetes.io/instance=ha-postgres --show-labels');
      for (const pod of [topology.primary, ...topology.replicas]) {
        const line = table.split('\n').find((l) => l.startsWith(`${pod} `)) ?? '';
        const role = pod === topology.primary ? 'primary' : 'replica';
        check(/\s2\/2\s+Running\s/.test(line) && line.includes(`cdk8s-postgres-ha/role=${role}`), `kubectl shows for ${pod}: ${line}`);
      }
      return topology;
    });

    await t.step("kubectl get svc -n demo … -o=custom-columns=NAME:.metadata.name,SELECTOR:.spec.selector: ha-postgres selects role primary", async () => {
      const table = await t.cluster.sh('kubectl get svc -n demo --selector=app.kubernetes.io/instance=ha-postgres -o=custom-columns=NAME:.metadata.name,SELECTOR:.spec.selector');
      const line = (name: string) => table.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
      check(line('ha-postgres').includes('cdk8s-postgres-ha/role:primary'), `Service ha-postgres: ${line('ha-postgres')}`);
      check(line('ha-postgres-replicas') !== '', `no Service ha-postgres-replicas in:\n${table}`);
    });

    await t.step('pg_stat_replication through Service ha-postgres: both standbys streaming, async', async () => {
      const rows = await t.waitFor('both standbys streaming', () => db.streaming(replicas), BOOTSTRAP_MS);
      check(rows.every((r) => r.sync_state === 'async'), `expected sync_state async: ${JSON.stringify(rows)}`);
    });

    await t.step('Service ha-postgres (kube-proxy, EndpointSlices) reaches the primary pod', async () => {
      const [row] = await db.sql<{ address: string; recovery: boolean }>(db.service(), 'select host(inet_server_addr()) as address, pg_is_in_recovery() as recovery');
      check(row.address === (await db.member(primary)).host && !row.recovery, `Service ha-postgres reached ${JSON.stringify(row)}, not ${primary}`);
    });

    await t.step('a connection to a warm standby by its pod IP is refused', async () => {
      for (const standby of replicas) {
        const error = await db.sql(db.member(standby), 'select 1').then(() => undefined, (e: Error) => e);
        check(error !== undefined, `${standby} accepted a connection although it is a warm standby`);
        check(/not accepting connections|starting up|Hot standby mode is disabled/.test(error.message), `${standby} refused with an unexpected error: ${error.message}`);
      }
    });

    await t.step("kubectl get secrets -n demo ha-postgres-auth -o jsonpath='{.data.\\POSTGRES_PASSWORD}' | base64 -d logs in as postgres; a wrong password is refused", async () => {
      const credentials = await db.credentials();
      const [row] = await db.sql<{ user: string }>(db.service(), 'select current_user as user');
      check(row.user === 'postgres', `logged in as ${row.user}`);
      const { query } = await import('../../support/postgres-client');
      const refused = await query(await db.service(), { ...credentials, password: `${credentials.password}x` }, 'select 1').then(() => undefined, (e: Error) => e);
      check(/password authentication failed/.test(refused?.message ?? ''), `a wrong password was not refused: ${refused?.message ?? 'it logged in'}`);
    });

    await t.step('a row written through Service ha-postgres reads back', async () => {
      await db.sql(db.service(), 'create table seed_warm (id int primary key, note text)');
      await db.sql(db.service(), "insert into seed_warm values (1, 'written through ha-postgres')");
      const rows = await db.sql<{ note: string }>(db.service(), 'select note from seed_warm where id = 1');
      check(rows[0]?.note === 'written through ha-postgres', `read back ${JSON.stringify(rows)}`);
    });
  },
};

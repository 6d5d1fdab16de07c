/**
 * The seed's first walk-through (KubeDB's `ha-postgres`): one primary, two warm standbys streaming
 * asynchronously, the primary Service in front of the primary, standbys that refuse connections.
 */
import { KubeClient } from '../../agent/kube/client';
import { haPostgres } from '../charts';
import { query } from '../harness/postgres-client';
import { check, type Scenario } from '../harness/scenario';
import { agentStatuses, PostgresUnderTest } from './postgres-cluster';
import { BOOTSTRAP_MS } from './timeouts';

export const seedWarm: Scenario = {
  name: 'seed-warm',
  summary: 'ha-postgres: one primary, two warm standbys streaming (async), writes through Service ha-postgres',
  chart: haPostgres,
  diagnose: agentStatuses('ha-postgres'),
  async run(t) {
    const db = new PostgresUnderTest(t, 'ha-postgres');
    const { primary, replicas } = await t.step('exactly one pod labelled primary, two labelled replica, all ready', () => db.waitForTopology(BOOTSTRAP_MS));

    await t.step('pg_stat_replication through Service ha-postgres: both standbys streaming, async', async () => {
      const rows = await db.waitForStreaming(replicas, BOOTSTRAP_MS);
      check(rows.length === 2, `expected two rows, got ${JSON.stringify(rows)}`);
      check(rows.every((r) => r.sync_state === 'async'), `expected sync_state async: ${JSON.stringify(rows)}`);
    });

    await t.step('Service ha-postgres routes to the primary pod', async () => {
      const [row] = await db.sql<{ address: string; recovery: boolean }>(db.service(), 'select host(inet_server_addr()) as address, pg_is_in_recovery() as recovery');
      check(row.address === db.member(primary).host && !row.recovery, `Service ha-postgres reached ${JSON.stringify(row)}, not ${primary}`);
    });

    await t.step('a direct connection to a warm standby is refused', async () => {
      for (const standby of replicas) {
        const error = await db.sql(db.member(standby), 'select 1').then(() => undefined, (e: Error) => e);
        check(error !== undefined, `${standby} accepted a connection although it is a warm standby`);
        check(/not accepting connections|starting up|Hot standby mode is disabled/.test(error.message), `${standby} refused with an unexpected error: ${error.message}`);
      }
    });

    await t.step("kubectl get secret ha-postgres-auth -o jsonpath='{.data.POSTGRES_PASSWORD}' | base64 -d: that password logs in as postgres", async () => {
      // As kubectl does it: HTTPS verified against the cluster CA, a bearer token (the agent's own client).
      const { api } = t.cluster;
      const kubectl = new KubeClient({ host: api.host, port: api.port, tls: true, ca: api.caCertPem, token: api.adminToken, timeoutMs: 5000 });
      const secret = await kubectl.request<{ data?: Record<string, string>; metadata?: { labels?: Record<string, string> } }>('GET', '/api/v1/namespaces/demo/secrets/ha-postgres-auth');
      const encoded = secret.data?.POSTGRES_PASSWORD;
      check(typeof encoded === 'string' && encoded.length > 0, 'Secret ha-postgres-auth has no POSTGRES_PASSWORD');
      check(secret.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'cdk8s-postgres-ha', 'Secret ha-postgres-auth was not created by the agents');
      const password = Buffer.from(encoded, 'base64').toString('utf8');
      const [row] = await query<{ user: string }>(db.service(), { ...db.credentials(), user: 'postgres', password }, 'select current_user as user');
      check(row.user === 'postgres', `logged in as ${row.user}`);
      const refused = await query(db.service(), { ...db.credentials(), user: 'postgres', password: `${password}x` }, 'select 1').then(() => undefined, (e: Error) => e);
      check(/password authentication failed/.test(refused?.message ?? ''), `a wrong password was not refused: ${refused?.message ?? 'it logged in'}`);
    });

    await t.step('a row written through the primary Service is read back', async () => {
      await db.sql(db.service(), 'create table seed_warm (id int primary key, note text)');
      await db.sql(db.service(), "insert into seed_warm values (1, 'written through ha-postgres')");
      const rows = await db.sql<{ note: string }>(db.service(), 'select note from seed_warm where id = 1');
      check(rows[0]?.note === 'written through ha-postgres', `read back ${JSON.stringify(rows)}`);
    });
  },
};

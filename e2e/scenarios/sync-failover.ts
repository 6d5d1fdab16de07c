/**
 * Synchronous replication (ANY 1 of the standbys): the primary records the quorum on the Lease once its
 * standbys caught up, every acknowledged commit survives a SIGKILL of the primary pod, the new primary is
 * a quorum member, and it records its own quorum again once the old primary streams from it.
 */
import { syncPostgres } from '../charts';
import { getObject } from '../harness/api-objects';
import { check, type Scenario, type ScenarioContext } from '../harness/scenario';
import { agentStatuses, PostgresUnderTest, ROLE_LABEL } from './postgres-cluster';
import { BOOTSTRAP_MS, FAILOVER_MS, REJOIN_MS } from './timeouts';

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };
const QUORUM_ANNOTATION = 'cdk8s-postgres-ha/sync-standbys';

function recordedQuorum(t: ScenarioContext, db: PostgresUnderTest): { k: number; members: string[] } | null {
  const lease = getObject<{ metadata?: { annotations?: Record<string, string> } }>(t.cluster.store, LEASE, db.namespace, `${db.name}-leader`);
  const text = lease?.metadata?.annotations?.[QUORUM_ANNOTATION];
  return text ? (JSON.parse(text) as { k: number; members: string[] }) : null;
}

async function waitForQuorum(t: ScenarioContext, db: PostgresUnderTest, standbys: readonly string[]): Promise<void> {
  const wanted = JSON.stringify({ k: 1, members: [...standbys].sort() });
  await t.waitFor(`the Lease to record the quorum ${wanted}`, () => {
    const quorum = recordedQuorum(t, db);
    if (JSON.stringify(quorum) !== wanted) throw new Error(`recorded: ${JSON.stringify(quorum)}`);
    return true;
  }, BOOTSTRAP_MS);
}

export const syncFailover: Scenario = {
  name: 'sync-failover',
  summary: 'sync-postgres: ANY 1 quorum recorded on the Lease; SIGKILL of the primary loses no acknowledged commit',
  chart: syncPostgres,
  diagnose: agentStatuses('sync-postgres'),
  async run(t) {
    const db = new PostgresUnderTest(t, 'sync-postgres');
    const before = await t.step('exactly one pod labelled primary, two labelled replica, all ready', () => db.waitForTopology(BOOTSTRAP_MS));
    await t.step('both standbys streaming as synchronous quorum members', async () => {
      const rows = await db.waitForStreaming(before.replicas, BOOTSTRAP_MS);
      await t.waitFor('sync_state quorum for both standbys', async () => {
        const states = await db.sql<{ sync_state: string }>(db.service(), 'select sync_state from pg_stat_replication');
        if (!states.every((r) => r.sync_state === 'quorum')) throw new Error(JSON.stringify(states));
        return true;
      }, BOOTSTRAP_MS);
      return rows;
    });
    await t.step('the Lease records both standbys as the quorum (ANY 1)', () => waitForQuorum(t, db, before.replicas));

    const acknowledged: number[] = [];
    await t.step('200 commits acknowledged one by one through Service sync-postgres', async () => {
      await db.sql(db.service(), 'create table acked (id int primary key)');
      for (let id = 1; id <= 200; id++) {
        await db.sql(db.service(), 'insert into acked values ($1)', [id]);
        acknowledged.push(id);
      }
    });

    await t.step('every process of the primary pod is killed (SIGKILL)', async () => t.cluster.kubelet.killPod(before.primary));
    const newPrimary = await t.step('a quorum member is labelled primary and takes writes', () => t.waitFor('a new primary', async () => {
      const primaries = db.pods().filter((p) => p.metadata?.labels?.[ROLE_LABEL] === 'primary').map((p) => p.metadata?.name ?? '');
      if (primaries.length !== 1 || primaries[0] === before.primary) throw new Error(`primaries: [${primaries}]`);
      await db.sql(db.service(), 'select 1');
      return primaries[0];
    }, FAILOVER_MS));
    check(before.replicas.includes(newPrimary), `${newPrimary} was not in the quorum ${before.replicas}`);

    await t.step('every acknowledged commit is on the new primary', async () => {
      const [row] = await db.sql<{ n: number }>(db.service(), 'select count(*)::int as n from acked where id = any($1::int[])', [acknowledged]);
      check(row.n === acknowledged.length, `${acknowledged.length - row.n} of ${acknowledged.length} acknowledged commits lost`);
    });

    const after = await t.step(`${before.primary} back as a ready replica`, () => db.waitForTopology(REJOIN_MS));
    check(after.primary === newPrimary, `the primary moved again, to ${after.primary}`);
    await t.step(`both standbys stream from ${newPrimary}`, () => db.waitForStreaming(after.replicas, REJOIN_MS));
    await t.step('the new primary records its own quorum once they caught up', () => waitForQuorum(t, db, after.replicas));
  },
};

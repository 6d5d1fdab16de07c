/**
 * Synchronous replication (ANY 1 of the standbys) on the real cluster: the primary records the quorum
 * on its Lease once its standbys caught up, every acknowledged commit survives a SIGKILL of the
 * primary's containers, the new primary is a quorum member, and it records its own quorum again once
 * the old primary streams from it. The chart's `ticker` Deployment must be admitted by the namespace's
 * restricted Pod Security label like the cluster's own pods.
 *
 * First run on the real cluster, it failed about half of the time on every major: the agents reached
 * each other by per-pod DNS names, and CoreDNS's cache (`cache 30`) answered NXDOMAIN for up to 30 s for
 * a peer looked up before its address was published, so a standby refused to take over ("sees 1 of the
 * 2 quorum members") and the restarted old primary resumed. The agents now use the pod addresses of
 * their Pod list (agent/peers/pod-addresses.ts); the fault still comes about 20 s after the pods start,
 * inside that cache window, so this scenario guards the fix.
 */
import { check } from '../../support/scenario';
import type { Database } from '../database';
import { ROLE_LABEL } from '../database';
import { ALL_MAJORS, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const QUORUM_ANNOTATION = 'cdk8s-postgres-ha/sync-standbys';
const COMMITS = 200;

export interface Quorum {
  readonly k: number;
  readonly members: readonly string[];
}

/** The quorum the holder recorded: `kubectl get lease -n demo sync-postgres-leader -o json`, its annotation. */
export async function recordedQuorum(t: KubeContext, db: Database): Promise<Quorum | null> {
  const lease = await t.cluster.kubectl.json<{ metadata: { annotations?: Record<string, string> } }>(['get', 'lease', '-n', db.namespace, `${db.name}-leader`]);
  const text = lease.metadata.annotations?.[QUORUM_ANNOTATION];
  return text ? (JSON.parse(text) as Quorum) : null;
}

export function waitForQuorum(t: KubeContext, db: Database, standbys: readonly string[], timeoutMs: number): Promise<true> {
  const wanted = JSON.stringify({ k: 1, members: [...standbys].sort() });
  return t.waitFor(`the Lease to record the quorum ${wanted}`, async () => {
    const quorum = await recordedQuorum(t, db);
    if (JSON.stringify(quorum) !== wanted) throw new Error(`recorded: ${JSON.stringify(quorum)}`);
    return true;
  }, timeoutMs);
}

/** Both standbys streaming as quorum members of `ANY 1 (…)` on the primary behind Service sync-postgres. */
async function quorumStreaming(t: KubeContext, db: Database, standbys: readonly string[], timeoutMs: number): Promise<void> {
  await t.waitFor('both standbys streaming with sync_state quorum under ANY 1', async () => {
    const rows = await db.streaming(standbys);
    if (!rows.every((r) => r.sync_state === 'quorum')) throw new Error(`pg_stat_replication: ${JSON.stringify(rows)}`);
    const [{ names }] = await db.sql<{ names: string }>(db.service(), 'select current_setting(\'synchronous_standby_names\') as names');
    const members = /^ANY 1 \((.*)\)$/.exec(names)?.[1].split(',').map((m) => m.trim().replace(/^"|"$/g, '')).sort();
    if (JSON.stringify(members) !== JSON.stringify([...standbys].sort())) throw new Error(`synchronous_standby_names = ${names}`);
    return true;
  }, timeoutMs);
}

export const syncFailover: KubeScenario = {
  name: 'sync-failover',
  summary: 'sync-postgres: ANY 1 quorum recorded on the Lease; SIGKILL of the primary\'s containers loses no acknowledged commit',
  chart: 'sync-postgres',
  majors: ALL_MAJORS,
  async run(t, db) {
    await t.step('kubectl get pods -n demo -l <ticker>: Deployment ticker admitted under the restricted Pod Security label', async () => {
      const selector = await t.cluster.sh(`kubectl get deploy -n ${db.namespace} ticker -o jsonpath='{.spec.selector.matchLabels.cdk8s\\.io/metadata\\.addr}'`);
      await t.waitFor('a ticker pod', async () => {
        const pods = await t.cluster.pods(db.namespace, `cdk8s.io/metadata.addr=${selector}`);
        if (pods.length > 0) return true;
        // A pod refused by admission shows as the ReplicaSet's FailedCreate event, with the violation.
        const events = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=FailedCreate -o custom-columns=MSG:.message --no-headers`);
        throw new Error(events.trim() || 'no ticker pod yet');
      }, 30_000);
    });

    const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming as synchronous quorum members (synchronous_standby_names = ANY 1 (…))', () => quorumStreaming(t, db, before.replicas, BOOTSTRAP_MS));
    await t.step('the Lease records both standbys as the quorum (ANY 1)', () => waitForQuorum(t, db, before.replicas, BOOTSTRAP_MS));

    const acknowledged: number[] = [];
    await t.step(`${COMMITS} commits acknowledged one by one through Service sync-postgres`, async () => {
      await db.sql(db.service(), 'create table acked (id int primary key)');
      for (let id = 1; id <= COMMITS; id++) {
        await db.sql(db.service(), 'insert into acked values ($1)', [id]);
        acknowledged.push(id);
      }
    });

    const podBefore = await t.cluster.pod(db.namespace, before.primary);
    if (!podBefore) throw new Error(`${before.primary} vanished before the fault`);
    const faultAt = Date.now();
    await t.step(`SIGKILL to every process of ${before.primary}'s containers (their cgroups)`, async () => { await t.cluster.killContainers(db.namespace, before.primary); });

    const newPrimary = await t.step('another pod is labelled primary', () => t.waitFor('a new primary', async () => {
      const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary' && !p.deleting).map((p) => p.name);
      return primaries.length === 1 && primaries[0] !== before.primary ? primaries[0] : undefined;
    }, RECOVERY_MS));
    check(before.replicas.includes(newPrimary), `${newPrimary} was not in the quorum ${before.replicas}`);

    const writable = await t.waitFor(`a write through Service sync-postgres on ${newPrimary}`, async () => {
      const [row] = await db.sql<{ address: string }>(db.service(), 'insert into acked values ($1) returning host(inet_server_addr()) as address', [COMMITS + 1]);
      check(row.address === (await db.member(newPrimary)).host, `the write landed on ${row.address}, not on ${newPrimary}`);
      return Date.now();
    }, RECOVERY_MS);
    await t.step(`Service sync-postgres routes to ${newPrimary} and took a write ${((writable - faultAt) / 1000).toFixed(2)} s after the fault`, async () => undefined);

    await t.step(`every acknowledged commit is on ${newPrimary}`, async () => {
      const [row] = await db.sql<{ n: number }>(db.service(), 'select count(*)::int as n from acked where id = any($1::int[])', [acknowledged]);
      check(row.n === acknowledged.length, `${acknowledged.length - row.n} of ${acknowledged.length} acknowledged commits lost`);
    });

    const after = await t.step(`${before.primary} restarted in place by the kubelet, back as a ready replica`, () =>
      t.waitFor(`${before.primary} restarted and ready as a replica`, async () => {
        const podNow = await t.cluster.pod(db.namespace, before.primary);
        const restarted = podNow?.uid === podBefore.uid && Object.entries(podNow.restarts).every(([c, n]) => n > (podBefore.restarts[c] ?? 0));
        if (!restarted) throw new Error(`${before.primary} not restarted yet`);
        return db.topology();
      }, RECOVERY_MS));
    check(after.primary === newPrimary, `the primary moved again, to ${after.primary}`);

    await t.step(`both standbys stream from ${newPrimary} as quorum members`, () => quorumStreaming(t, db, after.replicas, RECOVERY_MS));
    await t.step(`${newPrimary} records its own quorum on the Lease once they caught up`, () => waitForQuorum(t, db, after.replicas, RECOVERY_MS));
  },
};

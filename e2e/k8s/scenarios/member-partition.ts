/**
 * Partitions between the members while every member still reaches the API server, in synchronous mode
 * (sync-postgres: `ANY 1` of two standbys). Each cut is iptables rules dropping a peer's pod address in
 * the pods' own network namespaces (e2e/k8s/pod-firewall.ts), healed before the next:
 *
 * (a) the primary and standby A cut from each other, both ways: B still acknowledges, so commits go on
 *     without a pause; A's walsender ends after wal_sender_timeout and the primary records B alone as
 *     its quorum; nothing moves, since every member sees the Lease renewed. Healed, A streams again and
 *     is recorded in the quorum once it caught up.
 * (b) only the primary's packets to A dropped (A's still reach the primary): the same.
 * (c) the primary cut from both standbys: commits wait, since no standby can acknowledge, until both
 *     walsenders end; then the primary records an empty quorum on the Lease, so that no standby may be
 *     promoted, and commits alone (README, Limits: synchronous mode is not strict). No standby takes
 *     over, even past the lease duration: each sees the Lease renewed.
 *
 * Throughout: the writer's acknowledged writes all on the primary at the end, the primary never moved,
 * no two pods accepting direct writes.
 */
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { now, type AckedWrite } from '../../load/write-log';
import { ROLE_LABEL, type Database } from '../database';
import { checkStayedOnPrimary, secondsAfter, type FaultRecord, type FaultWatch } from '../fault-watch';
import { cutPods, dropTo, isolateFrom, type PodCut } from '../pod-firewall';
import { agentEvents } from '../rollout';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { recordedQuorum, waitForQuorum } from './sync-failover';
import { syncClusterUnderWatch } from './sync-under-watch';
import { RECOVERY_MS } from './timeouts';

/** wal_sender_timeout as the construct renders it (lib/postgres-config.ts): when a walsender gives up on a silent standby. */
const WAL_SENDER_TIMEOUT_MS = 10_000;
/** The chart's lease duration (the default). */
const LEASE_MS = 10_000;
/** The whole-primary cut lasts past the lease duration: a standby that took the primary's silence for death would have taken over. */
const FULL_CUT_MS = LEASE_MS + 5_000;
/** A write sent just before a cut may still be acknowledged just after it. */
const IN_FLIGHT_MS = 1_000;
/** The walsender's timeout, a few ticks of the agent (record the union, apply, record the new quorum), and slack. */
const QUORUM_CHANGE_MS = WAL_SENDER_TIMEOUT_MS + 20_000;

/** The longest stretch without an acknowledged write between `from` and `to`. */
function longestGap(writes: readonly AckedWrite[], from: number, to: number): number {
  let last = from;
  let worst = 0;
  for (const w of writes) {
    if (w.at < from || w.at > to) continue;
    worst = Math.max(worst, w.at - last);
    last = w.at;
  }
  return Math.max(worst, to - last);
}

/** The pods labelled primary: `kubectl get pods -n demo -l cdk8s-postgres-ha/role=primary`. */
async function labelledPrimaries(db: Database): Promise<string[]> {
  return (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary').map((p) => p.name);
}

/** The first line of `kubectl logs <pod> -c agent` since `from` that contains `text`. */
async function agentLogLine(t: KubeContext, db: Database, pod: string, from: number, text: string): Promise<{ at: number; line: string } | undefined> {
  const log = await t.cluster.sh(`kubectl logs -n ${db.namespace} ${pod} -c agent --since-time=${new Date(from - 1000).toISOString()}`);
  for (const line of log.split('\n')) {
    if (!line.startsWith('{') || !line.includes(text)) continue;
    const at = Date.parse((JSON.parse(line) as { time: string }).time);
    if (at >= from) return { at, line };
  }
  return undefined;
}

/** `kubectl get events --field-selector reason=<reason>`: the primary's Events of that reason whose message contains `text`. */
async function quorumEvents(t: KubeContext, db: Database, primary: string, reason: string, text: string): Promise<string[]> {
  return (await agentEvents(t, db, reason)).filter((e) => e.startsWith(`${primary} `) && e.includes(text));
}

interface Members {
  readonly primary: string;
  readonly a: string;
  readonly b: string;
  readonly ip: Readonly<Record<string, string>>;
}

/** (a) and (b): the primary loses standby A only; B keeps the quorum, writes go on, nothing moves, A comes back. */
async function cutOneStandby(t: KubeContext, db: Database, watch: FaultWatch, m: Members, how: string, cuts: readonly PodCut[]): Promise<void> {
  const stopped = `${m.a} stopped streaming`;
  const seen = (await quorumEvents(t, db, m.primary, 'SynchronousStandbys', stopped)).length;
  const cutAt = now();
  const heal = await cutPods(t.cluster, db.namespace, cuts);
  let healedAt = cutAt;
  try {
    await t.step(how, async () => undefined);
    await waitForQuorum(t, db, [m.b], QUORUM_CHANGE_MS);
    const shrunkAt = now();
    await t.step(`the Lease records ${m.b} alone as the quorum ${secondsAfter(cutAt, shrunkAt)} after the cut (${m.primary}'s walsender for ${m.a} ended after wal_sender_timeout, ${WAL_SENDER_TIMEOUT_MS / 1000} s); ${m.primary} still the only pod labelled primary`, async () => {
      const primaries = await labelledPrimaries(db);
      check(primaries.join(',') === m.primary, `pods labelled primary: ${primaries.join(', ')}`);
    });
    const event = await t.waitFor(`a SynchronousStandbys Event: ${stopped}`, async () => (await quorumEvents(t, db, m.primary, 'SynchronousStandbys', stopped))[seen], 10_000);
    await t.step(`kubectl get events: SynchronousStandbys from ${event}`, async () => undefined);
  } finally {
    healedAt = now();
    await heal();
  }
  const gap = longestGap(watch.writer.log.writes, cutAt, healedAt);
  await t.step(`writes went on through the ${secondsAfter(cutAt, healedAt)} cut (${m.b} acknowledged them): longest gap between acknowledged writes ${secondsAfter(0, gap)}`, async () => {
    check(gap < WAL_SENDER_TIMEOUT_MS / 2, `no write acknowledged for ${secondsAfter(0, gap)}: commits waited for ${m.a}`);
  });
  await waitForQuorum(t, db, [m.a, m.b], RECOVERY_MS);
  const backAt = now();
  await t.step(`healed: ${m.a} streams again, caught up, and the Lease records both standbys ${secondsAfter(healedAt, backAt)} after the heal`, async () => undefined);
}

/** (c): the primary cut from both standbys; commits wait, then the primary records an empty quorum and commits alone; no takeover. */
async function cutBothStandbys(t: KubeContext, db: Database, watch: FaultWatch, m: Members): Promise<void> {
  // Times count from the first rule (the primary's own, which cut it from both), the in-flight margin from the last.
  const cutAt = now();
  const heal = await cutPods(t.cluster, db.namespace, [
    { pod: m.primary, rules: [...isolateFrom(m.ip[m.a]), ...isolateFrom(m.ip[m.b])] },
    { pod: m.a, rules: isolateFrom(m.ip[m.primary]) },
    { pod: m.b, rules: isolateFrom(m.ip[m.primary]) },
  ]);
  const cutDone = now();
  let healedAt = cutAt;
  try {
    await t.step(`(c) ${m.primary} cut from ${m.a} and ${m.b}, both ways (DROP of the peers' addresses in all three namespaces); everyone still reaches the API server`, async () => undefined);
    const emptyAt = await t.waitFor('the Lease to record an empty quorum', async () => {
      const quorum = await recordedQuorum(t, db);
      if (quorum?.members.length !== 0) throw new Error(`recorded: ${JSON.stringify(quorum)}`);
      return now();
    }, QUORUM_CHANGE_MS);
    const stalled = (w: AckedWrite) => w.at > cutDone + IN_FLIGHT_MS;
    const resumed = watch.writer.log.writes.find(stalled) ?? await watch.writer.waitForAck(stalled, QUORUM_CHANGE_MS, 'a write after the stall');
    await t.step(`commits waited: no write acknowledged from ${secondsAfter(cutAt, cutDone + IN_FLIGHT_MS)} after the cut until ${secondsAfter(cutAt, resumed.at)} (no standby could acknowledge; both walsenders ended after wal_sender_timeout, ${WAL_SENDER_TIMEOUT_MS / 1000} s)`, async () => {
      check(resumed.at - cutAt >= WAL_SENDER_TIMEOUT_MS - 2 * IN_FLIGHT_MS, `a write was acknowledged ${secondsAfter(cutAt, resumed.at)} after the cut, before both walsenders could have ended`);
    });
    const warning = await t.waitFor('a SynchronousStandbysNone Event', async () => (await quorumEvents(t, db, m.primary, 'SynchronousStandbysNone', 'stopped streaming'))[0], 10_000);
    const status = (await db.agentStatus(m.primary)) as { streaming: string[] };
    await t.step(`why: the Lease records the empty quorum {"k":0,"members":[]} ${secondsAfter(cutAt, emptyAt)} after the cut; ${m.primary}'s /status streaming: [${status.streaming.join(', ')}]; kubectl get events: SynchronousStandbysNone (Warning) from ${warning}`, async () => {
      check(status.streaming.length === 0, `${m.primary} still lists ${status.streaming.join(', ')} as streaming`);
    });
    const suspects = await Promise.all([m.a, m.b].map((pod) => t.waitFor(`${pod}'s holder-suspect line`, () => agentLogLine(t, db, pod, cutAt, '"holder-suspect"'), 10_000)));
    await t.step(`the standbys: kubectl logs <standby> -c agent: "holder-suspect" (${m.primary}'s agent unreachable) ${suspects.map((s) => secondsAfter(cutAt, s.at)).join(' and ')} after the cut; they keep following, since the Lease is renewed`, async () => undefined);
    const left = cutAt + FULL_CUT_MS - now();
    if (left > 0) await delay(left);
    await t.step(`${secondsAfter(cutAt, now())} cut, past the lease duration (${LEASE_MS / 1000} s): no standby took over, ${m.primary} still the only pod labelled primary`, async () => {
      const primaries = await labelledPrimaries(db);
      check(primaries.join(',') === m.primary, `pods labelled primary: ${primaries.join(', ')}`);
    });
  } finally {
    healedAt = now();
    await heal();
  }
  await waitForQuorum(t, db, [m.a, m.b], RECOVERY_MS);
  const backAt = now();
  await t.step(`healed: both standbys stream again, caught up, and the Lease records them as the quorum ${secondsAfter(healedAt, backAt)} after the heal`, async () => undefined);
}

export const memberPartition: KubeScenario = {
  name: 'member-partition',
  summary: 'sync-postgres: the members cut from each other but not from the API; writes go on while a standby acknowledges, wait and then go on alone with an empty recorded quorum when none can; nothing moves, nothing acknowledged is lost',
  chart: 'sync-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const { before, watch } = await syncClusterUnderWatch(t, db);
    const [a, b] = before.replicas;
    const ip = Object.fromEntries((await db.members()).map((p) => [p.name, p.ip ?? '']));
    const m: Members = { primary: before.primary, a, b, ip };

    let record: FaultRecord | undefined;
    try {
      await cutOneStandby(t, db, watch, m, `(a) ${m.primary} and ${a} cut from each other, both ways (DROP of the peer's address in both namespaces)`, [
        { pod: m.primary, rules: isolateFrom(ip[a]) },
        { pod: a, rules: isolateFrom(ip[m.primary]) },
      ]);
      await cutOneStandby(t, db, watch, m, `(b) ${m.primary}'s packets to ${a} dropped (OUTPUT in ${m.primary}'s namespace); ${a}'s still reach it`, [
        { pod: m.primary, rules: [dropTo(ip[a])] },
      ]);
      await cutBothStandbys(t, db, watch, m);
    } finally {
      record = await watch.finish();
    }
    await checkStayedOnPrimary(t, record, m.primary);
  },
};

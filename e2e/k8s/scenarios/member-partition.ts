/**
 * Partitions between the members while every member still reaches the API server, in strict synchronous
 * mode (strict-postgres: `ANY 1` of two standbys, e2e/k8s/strict-postgres.ts). Each cut is iptables rules dropping a peer's pod address in
 * the pods' own network namespaces (e2e/k8s/pod-firewall.ts), healed before the next:
 *
 * (a) the primary and standby A cut from each other, both ways: B still acknowledges, so commits go on
 *     without a pause; A's walsender ends after wal_sender_timeout and the primary records B alone as
 *     its quorum; nothing moves, since every member sees the Lease renewed. Healed, A streams again and
 *     is recorded in the quorum once it caught up.
 * (b) only the primary's packets to A dropped (A's still reach the primary): the same.
 * (c) the primary cut from both standbys: the chart runs in strict synchronous mode
 *     (`synchronousStrict: true`), so no commit returns while no standby can acknowledge it: a commit
 *     sent during the cut waits, the writer gets no acknowledgement, every write acknowledged before is on
 *     a standby, the Lease keeps recording both standbys, and the primary posts a
 *     `SynchronousStandbysMissing` Warning and says in /status why. No standby takes over, even past the
 *     lease duration: each sees the Lease renewed. Healed, the waiting commits return.
 *
 * Throughout: the writer's acknowledged writes all on the primary at the end, the primary never moved,
 * no two pods accepting direct writes.
 */
import { Client } from 'pg';
import { clientConfig } from '../../support/postgres-client';
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { now, type AckedWrite } from '../../load/write-log';
import { WRITES_TABLE } from '../../load/writer';
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
/** How long the commit sent during the whole-primary cut may wait: the cut, then the heal. */
const COMMIT_WAIT_MS = FULL_CUT_MS + RECOVERY_MS;
/** The writer's trial (FaultWatch.start(db, 1) in syncClusterUnderWatch). */
const TRIAL = 1;

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

/**
 * A commit an application sends through Service `<name>` while the primary is cut from both standbys, on
 * its own connection without a client-side timeout: `psql -c "insert into strict_commits values (…)"`.
 */
async function sendCommit(db: Database, note: string): Promise<{ readonly returned: Promise<number>; readonly returnedAt: () => number | undefined }> {
  const client = new Client(clientConfig(await db.service(), await db.credentials(), 3000, COMMIT_WAIT_MS));
  client.on('error', () => undefined);
  await client.connect();
  let at: number | undefined;
  const returned = client.query('insert into strict_commits values ($1)', [note]).then(() => {
    at = now();
    return at;
  }).finally(() => void client.end().catch(() => undefined));
  returned.catch(() => undefined);
  return { returned, returnedAt: () => at };
}

/** The writer's ids that `pod` holds: `psql -h <pod address> -c "select id from bench_writes where trial = 1"` (hot standbys answer reads). */
async function idsOn(db: Database, pod: string): Promise<Set<number>> {
  const rows = await db.sql<{ id: number }>(db.member(pod), `select id from ${WRITES_TABLE} where trial = $1`, [TRIAL]);
  return new Set(rows.map((r) => r.id));
}

/**
 * (c): the primary cut from both standbys. Strict mode: no standby can acknowledge, and the primary never
 * commits alone, so commits wait for the whole cut; the Lease keeps recording both standbys (either may
 * hold the last acknowledged commit, so a candidate must see both); no takeover. Healed, the waiting
 * commits return and nothing acknowledged is lost.
 */
async function cutBothStandbys(t: KubeContext, db: Database, watch: FaultWatch, m: Members): Promise<void> {
  const both = { k: 1, members: [m.a, m.b].sort() };
  await db.sql(db.service(), 'create table if not exists strict_commits (note text)');
  // A strict primary also waited for its first standby at bootstrap: count only the Events of this cut.
  const missingSeen = (await quorumEvents(t, db, m.primary, 'SynchronousStandbysMissing', 'commits are waiting')).length;
  const goOnSeen = (await quorumEvents(t, db, m.primary, 'SynchronousStandbys', 'commits go on')).length;
  // Times count from the first rule (the primary's own, which cut it from both), the in-flight margin from the last.
  const cutAt = now();
  const heal = await cutPods(t.cluster, db.namespace, [
    { pod: m.primary, rules: [...isolateFrom(m.ip[m.a]), ...isolateFrom(m.ip[m.b])] },
    { pod: m.a, rules: isolateFrom(m.ip[m.primary]) },
    { pod: m.b, rules: isolateFrom(m.ip[m.primary]) },
  ]);
  const cutDone = now();
  let healedAt = cutAt;
  let commit: Awaited<ReturnType<typeof sendCommit>> | undefined;
  try {
    await t.step(`(c) ${m.primary} cut from ${m.a} and ${m.b}, both ways (DROP of the peers' addresses in all three namespaces); everyone still reaches the API server`, async () => undefined);
    commit = await sendCommit(db, 'sent during the cut');
    const sentAt = now();
    await t.step(`psql -c "insert into strict_commits …" through Service ${db.name}, ${secondsAfter(cutAt, sentAt)} after the cut: it does not return`, async () => undefined);
    const warning = await t.waitFor('a SynchronousStandbysMissing Event', async () => (await quorumEvents(t, db, m.primary, 'SynchronousStandbysMissing', 'commits are waiting'))[missingSeen], QUORUM_CHANGE_MS);
    const warnedAt = now();
    const status = (await db.agentStatus(m.primary)) as { streaming: string[]; reason: string };
    await t.step(`why, ${secondsAfter(cutAt, warnedAt)} after the cut (both walsenders ended after wal_sender_timeout, ${WAL_SENDER_TIMEOUT_MS / 1000} s): kubectl get events: SynchronousStandbysMissing (Warning) from ${warning}; ${m.primary}'s /status reason "${status.reason}", streaming: [${status.streaming.join(', ')}]`, async () => {
      check(status.streaming.length === 0, `${m.primary} still lists ${status.streaming.join(', ')} as streaming`);
      check(status.reason.includes('commits are waiting: no synchronous standby streams'), `${m.primary}'s /status reason: ${status.reason}`);
    });
    const quorum = await recordedQuorum(t, db);
    await t.step(`the Lease still records ${JSON.stringify(quorum)}: a standby may take over only seeing both (either may hold the last acknowledged commit)`, async () => {
      check(JSON.stringify(quorum) === JSON.stringify(both), `recorded: ${JSON.stringify(quorum)}`);
    });
    const suspects = await Promise.all([m.a, m.b].map((pod) => t.waitFor(`${pod}'s holder-suspect line`, () => agentLogLine(t, db, pod, cutAt, '"holder-suspect"'), 10_000)));
    await t.step(`the standbys: kubectl logs <standby> -c agent: "holder-suspect" (${m.primary}'s agent unreachable) ${suspects.map((s) => secondsAfter(cutAt, s.at)).join(' and ')} after the cut; they keep following, since the Lease is renewed`, async () => undefined);
    const left = cutAt + FULL_CUT_MS - now();
    if (left > 0) await delay(left);
    const heldAt = now();
    await t.step(`${secondsAfter(cutAt, heldAt)} cut, past the lease duration (${LEASE_MS / 1000} s): no standby took over, ${m.primary} still the only pod labelled primary`, async () => {
      const primaries = await labelledPrimaries(db);
      check(primaries.join(',') === m.primary, `pods labelled primary: ${primaries.join(', ')}`);
    });
    const during = watch.writer.log.writes.filter((w) => w.at > cutDone + IN_FLIGHT_MS);
    await t.step(`commits waited: the psql insert has not returned; the writer got no acknowledgement from ${secondsAfter(cutAt, cutDone + IN_FLIGHT_MS)} after the cut on (${watch.writer.log.failures.filter((f) => f.at > cutDone).length} attempts timed out after 1 s)`, async () => {
      check(commit?.returnedAt() === undefined, `the insert sent during the cut returned ${secondsAfter(cutAt, commit?.returnedAt())} after it`);
      check(during.length === 0, `${during.length} writes acknowledged during the cut, the first ${secondsAfter(cutAt, during[0]?.at)} after it`);
    });
    const acked = watch.writer.log.writes.map((w) => w.id);
    const [onA, onB] = await Promise.all([idsOn(db, m.a), idsOn(db, m.b)]);
    const onNoStandby = acked.filter((id) => !onA.has(id) && !onB.has(id));
    await t.step(`no acknowledged write exists on the primary alone: each of the ${acked.length} acknowledged so far is on ${m.a} (${onA.size} rows) or ${m.b} (${onB.size} rows), read on the standbys during the cut`, async () => {
      check(onNoStandby.length === 0, `${onNoStandby.length} acknowledged writes on no standby, ids ${onNoStandby.slice(0, 10).join(', ')}`);
    });
  } finally {
    healedAt = now();
    await heal();
  }
  const returnedAt = await (commit as NonNullable<typeof commit>).returned;
  const resumed = watch.writer.log.writes.find((w) => w.at > healedAt) ?? await watch.writer.waitForAck((w) => w.at > healedAt, RECOVERY_MS, 'a write after the heal');
  await t.step(`healed: the psql insert returned ${secondsAfter(healedAt, returnedAt)} after the heal (${secondsAfter(cutAt, returnedAt)} after it was sent), the writer's next acknowledgement ${secondsAfter(healedAt, resumed.at)} after the heal`, async () => undefined);
  const goOn = await t.waitFor('a SynchronousStandbys Event: commits go on', async () => (await quorumEvents(t, db, m.primary, 'SynchronousStandbys', 'commits go on'))[goOnSeen], RECOVERY_MS);
  await waitForQuorum(t, db, [m.a, m.b], RECOVERY_MS);
  const backAt = now();
  await t.step(`both standbys stream again, caught up, and the Lease records them as the quorum ${secondsAfter(healedAt, backAt)} after the heal; kubectl get events: SynchronousStandbys from ${goOn}`, async () => undefined);
  const [{ count }] = await db.sql<{ count: string }>(db.member(m.a), 'select count(*) from strict_commits');
  await t.step(`the insert sent during the cut is on ${m.a} too (${count} row)`, async () => {
    check(count === '1', `${m.a} holds ${count} rows of strict_commits`);
  });
}

export const memberPartition: KubeScenario = {
  name: 'member-partition',
  summary: 'strict-postgres: the members cut from each other but not from the API; writes go on while a standby acknowledges and wait (strict mode) while none can; nothing moves, nothing acknowledged is lost',
  chart: 'strict-postgres',
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

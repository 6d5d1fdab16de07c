/**
 * A switchover requested to a standby that is behind: its walreceiver hangs (SIGSTOP of that one process,
 * as a standby on a slow link or a stalled disk would), the primary writes past maximumLagOnFailover
 * (16 MiB; `select pg_switch_wal()` moves the WAL to the next 16 MiB segment), and a person annotates the
 * Lease with `switchover-to` naming it. A primary never hands over to a standby that lacks WAL, so it
 * waits for the standby to catch up, at most 30 s (agent/core/switchover-wait.ts): first the standby stays
 * behind, and the request is refused with a SwitchoverRejected Event stating the lag and the limit, the
 * annotation is removed, the primary stays. Then the same request while the walreceiver resumes a few
 * seconds later: the standby catches up within the wait and the switchover goes through, losing nothing.
 */
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { now } from '../../load/write-log';
import type { Database } from '../database';
import { FaultWatch, secondsAfter, type FaultRecord } from '../fault-watch';
import { agentEvents, describeWrites } from '../rollout';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

/** The agents' bound on a switchover's wait for its target (SWITCHOVER_WAIT_LIMIT_MS). */
const WAIT_LIMIT_S = 30;
/** The default maximumLagOnFailover. */
const MAX_LAG_BYTES = 16 * 1024 * 1024;
/** How long the walreceiver stays stopped after the second request: well inside the wait. */
const CATCH_UP_AFTER_MS = 5000;
const WALRECEIVER = /^postgres: walreceiver/;

/** The switchover-to annotation on the Lease, '' when there is none. */
async function requested(t: KubeContext, db: Database): Promise<string> {
  return (await t.cluster.sh(`kubectl get lease -n ${db.namespace} ${db.name}-leader -o jsonpath='{.metadata.annotations.cdk8s-postgres-ha/switchover-to}'`)).trim();
}

/** Stops the standby's walreceiver and moves the primary's WAL three segments on. */
async function fallBehind(t: KubeContext, db: Database, standby: string): Promise<void> {
  const pids = await t.cluster.signalProcesses(db.namespace, standby, 'postgres', WALRECEIVER, 'SIGSTOP');
  await t.step(`SIGSTOP to ${standby}'s walreceiver (pid ${pids.join(', ')}): it receives no more WAL`, async () => undefined);
  await t.step('three times, with the writer\'s inserts in between: select pg_switch_wal() (each moves the WAL to the next 16 MiB segment)', async () => {
    for (let i = 0; i < 3; i++) {
      await db.sql(db.service(), 'select pg_switch_wal()');
      await delay(200);
    }
  });
}

export const switchoverLagging: KubeScenario = {
  name: 'switchover-lagging',
  summary: 'hot-postgres: switchover-to naming a standby whose walreceiver is stopped: refused after 30 s with the lag and the limit; the same request goes through when it catches up within the wait',
  chart: 'hot-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));
    const lease = `${db.name}-leader`;
    const target = before.replicas[before.replicas.length - 1];
    const annotate = `kubectl annotate lease -n ${db.namespace} ${lease} cdk8s-postgres-ha/switchover-to=${target}`;
    const watch = await t.step(`a writer through Service ${db.name} (every 20 ms) and a probe writing to each pod's address`, () => FaultWatch.start(db, 1));

    let record: FaultRecord | undefined;
    let stopped = false;
    try {
      await fallBehind(t, db, target);
      stopped = true;
      const askedAt = now();
      await t.step(annotate, () => t.cluster.sh(annotate));
      const rejected = await t.step(`a SwitchoverRejected Event from ${before.primary} once ${target} has not caught up for ${WAIT_LIMIT_S} s`, () => t.waitFor('a SwitchoverRejected Event', async () => {
        const events = await agentEvents(t, db, 'SwitchoverRejected');
        return events.find((e) => e.startsWith(before.primary) && e.includes(`${target} is `));
      }, RECOVERY_MS));
      const rejectedAt = now();
      const lag = rejected.match(/is (\d+) bytes behind, more than maximumLagOnFailover \((\d+) bytes\), still after ([\d.]+)s/);
      check(lag !== null, `the Event says: ${rejected}`);
      check(Number(lag![1]) > MAX_LAG_BYTES && Number(lag![2]) === MAX_LAG_BYTES, `the Event says: ${rejected}`);
      await t.step(`the annotation is removed; the Event came ${secondsAfter(askedAt, rejectedAt)} after the request and says ${target} is ${(Number(lag![1]) / 1024 / 1024).toFixed(1)} MiB behind, more than maximumLagOnFailover (16 MiB)`, () => t.waitFor('no switchover-to annotation', async () => ((await requested(t, db)) === '' ? true : undefined), 10_000));
      const still = await db.topology();
      check(still.primary === before.primary, `the primary moved to ${still.primary}`);

      await t.cluster.signalProcesses(db.namespace, target, 'postgres', WALRECEIVER, 'SIGCONT');
      stopped = false;
      await t.step(`SIGCONT: ${target} streams and catches up`, () => t.waitFor(`${target} streaming`, () => db.streaming(before.replicas), RECOVERY_MS));

      await fallBehind(t, db, target);
      stopped = true;
      const againAt = now();
      await t.step(`${annotate} (the same request again)`, () => t.cluster.sh(annotate));
      await delay(CATCH_UP_AFTER_MS);
      await t.cluster.signalProcesses(db.namespace, target, 'postgres', WALRECEIVER, 'SIGCONT');
      stopped = false;
      await t.step(`SIGCONT to the walreceiver ${CATCH_UP_AFTER_MS / 1000} s after the request (inside the ${WAIT_LIMIT_S} s wait)`, async () => undefined);
      const movedAt = await t.step(`${target} becomes the primary`, () => t.waitFor(`${target} primary`, async () => {
        const topology = await db.topology();
        return topology.primary === target ? now() : undefined;
      }, RECOVERY_MS));
      await t.step(`${target} labelled primary ${secondsAfter(againAt, movedAt)} after the request (${secondsAfter(againAt + CATCH_UP_AFTER_MS, movedAt)} after its walreceiver resumed); ${before.primary} back as a streaming standby`, () => t.waitFor('two standbys streaming', async () => {
        const topology = await db.topology();
        await db.streaming(topology.replicas);
        return topology;
      }, RECOVERY_MS));
    } finally {
      if (stopped) await t.cluster.signalProcesses(db.namespace, target, 'postgres', WALRECEIVER, 'SIGCONT').catch(() => undefined);
      record = await watch.finish();
    }
    const { writes, dualPrimaryMs } = record;
    await t.step(`writer: ${describeWrites(writes)}; never two pods accepting writes`, async () => {
      check(writes.lost === 0, `${writes.lost} acknowledged writes lost`);
      check(writes.primaries.join(' → ') === `${before.primary} → ${target}`, `the writes went to ${writes.primaries.join(' → ')}`);
      check(dualPrimaryMs === 0, `two pods accepted direct writes over the same ${dualPrimaryMs.toFixed(0)} ms`);
    });
  },
};

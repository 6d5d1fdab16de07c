/**
 * The agent hung while PostgreSQL is fine: every process of the primary's `agent` container gets SIGSTOP.
 * Nothing renews the Lease any more, and nothing in that pod could stop PostgreSQL but the supervisor in
 * the `postgres` container: it stops the primary with an immediate shutdown once the heartbeat deadline
 * the agent wrote with its last renewal (that renewal + the renew deadline, 6 s) has passed, before the
 * Lease expires to a standby (lease duration, 10 s). The scenario measures both, through a probe writing
 * straight to each pod, and checks no two pods ever accepted writes at once.
 */
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { now } from '../../load/write-log';
import { ROLE_LABEL } from '../database';
import { checkMovedOnce, type FaultRecord, firstAck, lastAck, secondsAfter } from '../fault-watch';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { syncClusterUnderWatch } from './sync-under-watch';
import { RECOVERY_MS } from './timeouts';

/** The chart's lease duration and renew deadline (the defaults). */
const LEASE_S = 10;
const RENEW_DEADLINE_S = 6;
/** How long the agent stays frozen after the new primary took a write. */
const FROZEN_AFTER_TAKEOVER_MS = 3000;

export const hungAgent: KubeScenario = {
  name: 'hung-agent',
  summary: 'sync-postgres: the primary\'s agent frozen (SIGSTOP); the supervisor\'s heartbeat fence stops PostgreSQL before a standby takes over',
  chart: 'sync-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const { before, watch } = await syncClusterUnderWatch(t, db);

    let record: FaultRecord | undefined;
    let frozenAt = 0;
    let thawedAt = 0;
    let newPrimary = '';
    let firstServiceWrite = 0;
    try {
      await delay(1000);
      frozenAt = now();
      const stopped = await t.cluster.signalContainer(db.namespace, before.primary, 'agent', 'SIGSTOP');
      await t.step(`SIGSTOP to every process of ${before.primary}'s agent container (${stopped}, through its cgroup); PostgreSQL runs on`, async () => undefined);
      try {
        newPrimary = await t.step('another pod is labelled primary', () => t.waitFor('a new primary', async () => {
          const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary').map((p) => p.name);
          return primaries.length === 1 && primaries[0] !== before.primary ? primaries[0] : undefined;
        }, RECOVERY_MS));
        check(before.replicas.includes(newPrimary), `${newPrimary} was not a standby of ${before.primary}`);
        firstServiceWrite = (await watch.writer.waitForAck((w) => w.at > frozenAt && w.pod === newPrimary, RECOVERY_MS, `a write on ${newPrimary}`)).at;
        await delay(FROZEN_AFTER_TAKEOVER_MS);
      } finally {
        thawedAt = now();
        await t.cluster.signalContainer(db.namespace, before.primary, 'agent', 'SIGCONT');
      }
      await t.step(`kubectl logs ${before.primary} -c postgres: the supervisor fenced on the stale heartbeat`, () => t.waitFor('the fencing line', async () => {
        const log = await t.cluster.sh(`kubectl logs -n ${db.namespace} ${before.primary} -c postgres`);
        return log.split('\n').find((l) => l.includes('fencing: heartbeat deadline'));
      }, 30_000));
      await t.step(`SIGCONT: ${before.primary} back as a ready replica streaming from ${newPrimary}`, () => t.waitFor(`${before.primary} streaming`, async () => {
        const topology = await db.topology();
        if (topology.primary !== newPrimary) throw new Error(`the primary is ${topology.primary}`);
        await db.streaming(topology.replicas);
        return topology;
      }, RECOVERY_MS));
    } finally {
      record = await watch.finish();
    }
    const { writes, probeAcks, dualPrimaryMs } = record;
    const oldLast = lastAck(probeAcks, before.primary);
    const newFirst = firstAck(probeAcks, newPrimary, frozenAt);
    await t.step(`PostgreSQL on ${before.primary} last accepted a direct write ${secondsAfter(frozenAt, oldLast)} after the freeze (renew deadline ${RENEW_DEADLINE_S} s), ${newPrimary} first ${secondsAfter(frozenAt, newFirst)} (lease ${LEASE_S} s), through the Service ${secondsAfter(frozenAt, firstServiceWrite)}; never two pods accepting writes`, async () => {
      check(oldLast !== undefined && newFirst !== undefined, 'the probe saw no write on one of the two primaries');
      check(oldLast < newFirst, `${before.primary} accepted a direct write ${secondsAfter(newFirst, oldLast)} after ${newPrimary} began to`);
      check(oldLast - frozenAt < LEASE_S * 1000, `${before.primary} still accepted writes ${secondsAfter(frozenAt, oldLast)} after the freeze, past the lease duration`);
      check(dualPrimaryMs === 0, `two pods accepted direct writes over the same ${dualPrimaryMs.toFixed(0)} ms`);
      check(oldLast < thawedAt, `${before.primary} accepted a direct write after SIGCONT`);
    });
    await checkMovedOnce(t, writes, before.primary, newPrimary);
  },
};

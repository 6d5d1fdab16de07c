/**
 * PostgreSQL hung while its agent is fine: every process of the primary's `postgres` container gets
 * SIGSTOP (the postmaster, its children and the supervisor script), as a database stuck on I/O that never
 * returns. The agent's SQL probes stop answering; after the lease duration of silence over at least three
 * probes (agent/core/postgres-silence.ts) it stops renewing the Lease, which then expires to a standby.
 * The frozen member accepts nothing while frozen; on SIGCONT its supervisor runs the immediate stop the
 * agent queued (a Fenced Event says why), and it comes back as a standby of the new primary. In
 * synchronous mode no acknowledged write is lost.
 */
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { now } from '../../load/write-log';
import { ROLE_LABEL } from '../database';
import { checkMovedOnce, type FaultRecord, firstAck, lastAck, secondsAfter } from '../fault-watch';
import { agentEvents } from '../rollout';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { syncClusterUnderWatch } from './sync-under-watch';
import { RECOVERY_MS } from './timeouts';

/** The chart's lease duration (the default), which is also how long a primary may leave its probes unanswered. */
const LEASE_S = 10;
const HANG_LIMIT_S = LEASE_S;
/** Ticks of the hung agent (each probe waits up to 1 s to connect), the promotion and kube-proxy's sync. */
const SLACK_S = 6;
/** How long the member stays frozen after the new primary took a write: long enough to see it stay out. */
const FROZEN_AFTER_TAKEOVER_MS = 3000;

export const hungPostgres: KubeScenario = {
  name: 'hung-postgres',
  summary: 'sync-postgres: the primary\'s PostgreSQL frozen (SIGSTOP) under a writer; its agent stops renewing, a standby takes over, nothing acknowledged lost, the frozen one fenced and back as a standby',
  chart: 'sync-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const { before, watch } = await syncClusterUnderWatch(t, db);

    let record: FaultRecord | undefined;
    let frozenAt = 0;
    let thawedAt = 0;
    let newPrimary = '';
    try {
      await delay(1000);
      frozenAt = now();
      const stopped = await t.cluster.signalContainer(db.namespace, before.primary, 'postgres', 'SIGSTOP');
      await t.step(`SIGSTOP to every process of ${before.primary}'s postgres container (${stopped} processes, through its cgroup); its agent runs on`, async () => undefined);
      try {
        newPrimary = await t.step('another pod is labelled primary', () => t.waitFor('a new primary', async () => {
          const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary').map((p) => p.name);
          return primaries.length === 1 && primaries[0] !== before.primary ? primaries[0] : undefined;
        }, RECOVERY_MS));
        const labelledAt = now();
        check(before.replicas.includes(newPrimary), `${newPrimary} was not a standby of ${before.primary}`);
        const first = await watch.writer.waitForAck((w) => w.at > frozenAt && w.pod === newPrimary, RECOVERY_MS, `a write on ${newPrimary}`);
        const bound = HANG_LIMIT_S + LEASE_S + SLACK_S;
        await t.step(`${newPrimary} labelled ${secondsAfter(frozenAt, labelledAt)} and took its first write through the Service ${secondsAfter(frozenAt, first.at)} after the freeze (limit ${HANG_LIMIT_S} s + lease ${LEASE_S} s + ${SLACK_S} s)`, async () => {
          check(first.at - frozenAt <= bound * 1000, `the first write on ${newPrimary} came ${secondsAfter(frozenAt, first.at)} after the freeze, more than ${bound} s`);
        });
        await delay(FROZEN_AFTER_TAKEOVER_MS);
      } finally {
        thawedAt = now();
        await t.cluster.signalContainer(db.namespace, before.primary, 'postgres', 'SIGCONT');
      }
      await t.step(`SIGCONT: ${before.primary} resumes, and a Fenced Event says its agent stopped it`, () => t.waitFor(`a Fenced Event of ${before.primary}`, async () => {
        const events = await agentEvents(t, db, 'Fenced');
        return events.find((e) => e.startsWith(before.primary) && e.includes('has not answered'));
      }, RECOVERY_MS));
      await t.step(`${before.primary} back as a ready replica streaming from ${newPrimary}`, () => t.waitFor(`${before.primary} streaming`, async () => {
        const topology = await db.topology();
        if (topology.primary !== newPrimary) throw new Error(`the primary is ${topology.primary}`);
        await db.streaming(topology.replicas);
        return topology;
      }, RECOVERY_MS));
    } finally {
      record = await watch.finish();
    }
    const { writes, probeAcks, dualPrimaryMs } = record;
    await checkMovedOnce(t, writes, before.primary, newPrimary);
    const oldLast = lastAck(probeAcks, before.primary);
    const newFirst = firstAck(probeAcks, newPrimary, frozenAt);
    await t.step(`direct writes: ${before.primary} last accepted one ${secondsAfter(frozenAt, oldLast)} after the freeze and none after SIGCONT, ${newPrimary} first ${secondsAfter(frozenAt, newFirst)}; never two pods accepting writes`, async () => {
      check(dualPrimaryMs === 0, `two pods accepted direct writes over the same ${dualPrimaryMs.toFixed(0)} ms`);
      check(oldLast === undefined || oldLast < thawedAt, `${before.primary} accepted a direct write ${secondsAfter(thawedAt, oldLast)} after SIGCONT`);
    });
  },
};

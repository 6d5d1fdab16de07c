/**
 * A query that allocates past the `postgres` container's memory limit (320 MiB, oom-postgres.ts): the
 * kernel's OOM killer ends that backend inside the container's memory cgroup. The postmaster survives
 * it, ends the other sessions and recovers as after a crash, in place: the container is not restarted,
 * so the kubelet shows no OOMKilled; the agent reports it (an OOMKilled Warning Event, from the memory
 * cgroup's count the supervisor reads). The primary keeps its Lease through the recovery (far shorter
 * than the lease duration), nothing moves and no acknowledged write is lost.
 */
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { now } from '../../load/write-log';
import { checkStayedOnPrimary, FaultWatch, secondsAfter, type FaultRecord } from '../fault-watch';
import { agentEvents } from '../rollout';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

/** Far past the 320 MiB limit, and under PostgreSQL's 1 GB limit on one value. */
const HOG_BYTES = 600 * 1024 * 1024;

export const oomKill: KubeScenario = {
  name: 'oom-kill',
  summary: 'oom-postgres (memory limit 320 MiB): a query allocating 600 MB on the primary is OOM-killed; PostgreSQL recovers in place, an OOMKilled Event says why, the primary stays, nothing acknowledged lost',
  chart: 'oom-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));
    const postmaster = `kubectl exec -n ${db.namespace} ${before.primary} -c postgres -- sh -c 'head -1 "$PGDATA/postmaster.pid"'`;
    const pidBefore = (await t.cluster.sh(postmaster)).trim();
    const restartsBefore = (await t.cluster.pod(db.namespace, before.primary))?.restarts.postgres;
    const watch = await t.step(`a writer through Service ${db.name} (every 20 ms) and a probe writing to each pod's address`, () => FaultWatch.start(db, 1));

    let record: FaultRecord | undefined;
    let hogAt = 0;
    try {
      await delay(1000);
      hogAt = now();
      const hog = `select length(repeat('x', ${HOG_BYTES}))`;
      const failure = await t.step(`through Service ${db.name}: ${hog} (a 600 MB value, past the container's 320 MiB limit) fails`, async () => {
        try {
          await db.sql(db.service(), hog);
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error('the query succeeded: the memory limit did not stop it');
      });
      await t.step(`the client saw: ${failure}`, async () => undefined);
      const event = await t.step(`an OOMKilled Event from ${before.primary}`, () => t.waitFor('an OOMKilled Event', async () => {
        const events = await agentEvents(t, db, 'OOMKilled');
        return events.find((e) => e.startsWith(before.primary));
      }, RECOVERY_MS));
      check(event.includes('OOM killer ended 1 process(es) of the postgres container'), `the Event says: ${event}`);
      const logs = await t.cluster.sh(`kubectl logs -n ${db.namespace} ${before.primary} -c postgres --since=2m`);
      await t.step(`kubectl logs ${before.primary} -c postgres: the postmaster saw its backend killed (signal 9) and recovered`, async () => {
        check(/terminated by signal 9: Killed/.test(logs), 'no "terminated by signal 9: Killed" in the postgres log');
        check(/database system is ready to accept connections/.test(logs.slice(logs.search(/terminated by signal 9/))), 'the postmaster did not report being ready again');
      });
      const back = await watch.writer.waitForAck((w) => w.at > hogAt && w.pod === before.primary, RECOVERY_MS, `a write on ${before.primary} after the kill`);
      await t.step(`${before.primary} took writes again ${secondsAfter(hogAt, back.at)} after the query was sent`, async () => undefined);
      await t.step('the same postmaster (recovered in place), the container not restarted, the same primary, both standbys streaming', () => t.waitFor('the topology', async () => {
        const topology = await db.topology();
        await db.streaming(topology.replicas);
        check(topology.primary === before.primary, `the primary moved to ${topology.primary}`);
        check((await t.cluster.sh(postmaster)).trim() === pidBefore, 'the postmaster is another one');
        check((await t.cluster.pod(db.namespace, before.primary))?.restarts.postgres === restartsBefore, 'the postgres container was restarted');
        return topology;
      }, RECOVERY_MS));
    } finally {
      record = await watch.finish();
    }
    await checkStayedOnPrimary(t, record, before.primary);
  },
};

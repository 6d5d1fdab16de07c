/**
 * The kernel's OOM killer under the `postgres` container's memory limit (320 MiB, oom-postgres.ts), twice.
 *
 * A query that allocates past the limit: the kernel ends that backend inside the container's memory
 * cgroup. The postmaster survives it, ends the other sessions and recovers as after a crash, in place: the
 * container is not restarted, so the kubelet shows no OOMKilled; the agent reports it (an OOMKilled
 * Warning Event, from the memory cgroup's count the supervisor reads).
 *
 * Then the postmaster itself: made the kernel's first choice from the node (oom_score_adj), the same
 * query makes the kernel kill it. The supervisor (the container's main process) reports its exit, and the
 * agent, which still holds the Lease, starts PostgreSQL again: crash recovery, in place, as after any
 * crash of the postmaster; a PostgresExited Event says the postmaster was killed. Both times the primary keeps its Lease through the recovery (far shorter than
 * the lease duration), nothing moves and no acknowledged write is lost.
 */
import { Client } from 'pg';
import { clientConfig } from '../../support/postgres-client';
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { now } from '../../load/write-log';
import { checkStayedOnPrimary, FaultWatch, secondsAfter, type FaultRecord } from '../fault-watch';
import { agentEvents } from '../rollout';
import type { Database } from '../database';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

/** Far past the 320 MiB limit, and under PostgreSQL's 1 GB limit on one value. */
const HOG_BYTES = 600 * 1024 * 1024;
/** The postmaster keeps the command line the supervisor started it with; its children retitle themselves `postgres: …`. */
const POSTMASTER_TITLE = /^postgres -D /;

export const oomKill: KubeScenario = {
  name: 'oom-kill',
  summary: 'oom-postgres (memory limit 320 MiB): a query allocating 600 MB on the primary is OOM-killed, then the postmaster itself (made the kernel\'s choice from the node); PostgreSQL recovers in place both times, OOMKilled Events say why, the primary stays, nothing acknowledged lost',
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
    try {
      await delay(1000);
      await backendKill(t, db, watch, before.primary);
      await t.step('the same postmaster (recovered in place), the container not restarted, the same primary, both standbys streaming', () => t.waitFor('the topology', async () => {
        const topology = await db.topology();
        await db.streaming(topology.replicas);
        check(topology.primary === before.primary, `the primary moved to ${topology.primary}`);
        check((await t.cluster.sh(postmaster)).trim() === pidBefore, 'the postmaster is another one');
        check((await t.cluster.pod(db.namespace, before.primary))?.restarts.postgres === restartsBefore, 'the postgres container was restarted');
        return topology;
      }, RECOVERY_MS));
      await postmasterKill(t, db, watch, before.primary, pidBefore, restartsBefore);
    } finally {
      record = await watch.finish();
    }
    await checkStayedOnPrimary(t, record, before.primary);
  },
};

const HOG = `select length(repeat('x', ${HOG_BYTES}))`;

/** The hog through the Service: the kernel ends the backend that runs it; the postmaster recovers in place. */
async function backendKill(t: KubeContext, db: Database, watch: FaultWatch, primary: string): Promise<void> {
  const hogAt = now();
  const failure = await t.step(`through Service ${db.name}: ${HOG} (a 600 MB value, past the container's 320 MiB limit) fails`, () => hogFails(db.sql(db.service(), HOG)));
  await t.step(`the client saw: ${failure}`, async () => undefined);
  const event = await t.step(`an OOMKilled Event from ${primary}`, () => t.waitFor('an OOMKilled Event', async () => {
    const events = await agentEvents(t, db, 'OOMKilled');
    return events.find((e) => e.startsWith(primary));
  }, RECOVERY_MS));
  check(event.includes('OOM killer ended 1 process(es) of the postgres container'), `the Event says: ${event}`);
  const logs = await t.cluster.sh(`kubectl logs -n ${db.namespace} ${primary} -c postgres --since=2m`);
  await t.step(`kubectl logs ${primary} -c postgres: the postmaster saw its backend killed (signal 9) and recovered`, async () => {
    check(/terminated by signal 9: Killed/.test(logs), 'no "terminated by signal 9: Killed" in the postgres log');
    check(/database system is ready to accept connections/.test(logs.slice(logs.search(/terminated by signal 9/))), 'the postmaster did not report being ready again');
  });
  const back = await watch.writer.waitForAck((w) => w.at > hogAt && w.pod === primary, RECOVERY_MS, `a write on ${primary} after the kill`);
  await t.step(`${primary} took writes again ${secondsAfter(hogAt, back.at)} after the query was sent`, async () => undefined);
}

/**
 * The postmaster itself killed by the kernel: made the OOM killer's first choice from the host (the
 * kernel picks by oom_score_adj and size; as root on the node a person can steer it the same way), then
 * the same hog on a connection opened before, whose backend is not the choice. The supervisor, the
 * container's main process, lives on and reports the postmaster's exit; the agent, still holding the
 * Lease, starts PostgreSQL again: crash recovery, in place, as after any crash of the postmaster.
 */
async function postmasterKill(t: KubeContext, db: Database, watch: FaultWatch, primary: string, pidBefore: string, restartsBefore: number | undefined): Promise<void> {
  const eventsBefore = (await agentEvents(t, db, 'OOMKilled')).length;
  const client = new Client(clientConfig(await db.service(), await db.credentials(), 3000, 60_000));
  client.on('error', () => undefined);
  await client.connect();
  let killAt = 0;
  let hostPid = 0;
  let kubeletScore = 0;
  // Only the kernel's lines from now on (stamped in seconds since boot): an older line's pid was another process.
  const bootSecondsBefore = Number((await t.cluster.sh('cut -d" " -f1 /proc/uptime')).trim());
  try {
    const steered = await t.cluster.steerOomKiller(db.namespace, primary, 'postgres', POSTMASTER_TITLE);
    hostPid = steered.pid;
    kubeletScore = steered.kubelet;
    await t.step(`on the node: echo 1000 > /proc/${hostPid}/oom_score_adj (${primary}'s postmaster; the kubelet gave it ${steered.kubelet}), 0 for the container's ${steered.others} other processes`, async () => undefined);
    killAt = now();
    const failure = await t.step(`through Service ${db.name}, on a session opened before: ${HOG} fails`, () => hogFails(client.query(HOG)));
    await t.step(`the client saw: ${failure}`, async () => undefined);
  } finally {
    await client.end().catch(() => undefined);
  }
  const kernel = await t.step(`dmesg: the kernel's OOM killer ended the postmaster (host pid ${hostPid})`, () => t.waitFor('the kernel\'s line', async () => {
    return (await t.cluster.sh('dmesg')).split('\n').find((l) => Number(/^\[\s*([\d.]+)\]/.exec(l)?.[1]) >= bootSecondsBefore && l.includes(`Killed process ${hostPid} `));
  }, RECOVERY_MS));
  console.log(`      ${kernel.trim()}`);
  const exited = await t.step(`kubectl logs ${primary} -c postgres: the supervisor saw the postmaster (pid ${pidBefore}) exit`, () => t.waitFor('the supervisor\'s line', async () => {
    const logs = await t.cluster.sh(`kubectl logs -n ${db.namespace} ${primary} -c postgres --since=2m`);
    return logs.split('\n').find((l) => l.includes(`postgres (pid ${pidBefore}, primary) exited`));
  }, RECOVERY_MS));
  console.log(`      ${exited.trim()}`);
  const event = await t.step(`a second OOMKilled Event from ${primary}`, () => t.waitFor('an OOMKilled Event', async () => {
    const events = await agentEvents(t, db, 'OOMKilled');
    return events.length > eventsBefore ? events.slice(eventsBefore).find((e) => e.startsWith(primary)) : undefined;
  }, RECOVERY_MS));
  console.log(`      ${event}`);
  const exitEvent = await t.step(`a PostgresExited Event from ${primary}: the postmaster was killed`, () => t.waitFor('a PostgresExited Event', async () => {
    return (await agentEvents(t, db, 'PostgresExited')).find((e) => e.startsWith(primary) && e.includes('killed (SIGKILL'));
  }, RECOVERY_MS));
  console.log(`      ${exitEvent}`);
  const back = await watch.writer.waitForAck((w) => w.at > killAt && w.pod === primary, RECOVERY_MS, `a write on ${primary} after the postmaster was killed`);
  await t.step(`${primary} took writes again ${secondsAfter(killAt, back.at)} after the query was sent`, async () => undefined);
  await t.step('a new postmaster, the container not restarted, the same primary, both standbys streaming', () => t.waitFor('the topology', async () => {
    const topology = await db.topology();
    await db.streaming(topology.replicas);
    check(topology.primary === primary, `the primary moved to ${topology.primary}`);
    check((await t.cluster.pod(db.namespace, primary))?.restarts.postgres === restartsBefore, 'the postgres container was restarted');
    return topology;
  }, RECOVERY_MS));
  const restored = await t.cluster.restoreOomScores(db.namespace, primary, 'postgres', kubeletScore);
  await t.step(`on the node: the container's ${restored} processes back at the kubelet's oom_score_adj ${kubeletScore}`, async () => undefined);
}

/** The hog must fail: the memory limit stops it. Returns the client's error. */
async function hogFails(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the query succeeded: the memory limit did not stop it');
}

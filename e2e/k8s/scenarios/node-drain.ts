/**
 * `kubectl drain` under a writer (three nodes, one member on each), as a person preparing node
 * maintenance runs it. Draining the primary's node evicts the primary through the Eviction API: on its
 * SIGTERM it hands over to a standby (graceful exit), so writes pause for a switchover and nothing is
 * lost. Its re-created pod stays Pending (its volume is on the cordoned node). A second drain meanwhile
 * is refused by the rendered PodDisruptionBudget (maxUnavailable 1): kubectl keeps retrying and
 * reports why. Uncordoned, the old primary comes back as a standby.
 */
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { now } from '../../load/write-log';
import type { Database } from '../database';
import { FaultWatch, firstAck, lastAck, secondsAfter, type FaultRecord } from '../fault-watch';
import { checkWrites, describeWrites } from '../rollout';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { membersOnNodes } from './spread';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const DRAIN = '--ignore-daemonsets --delete-emptydir-data';
const PDB_REFUSAL = "Cannot evict pod as it would violate the pod's disruption budget";

export const nodeDrain: KubeScenario = {
  name: 'node-drain',
  summary: 'ha-postgres on three nodes: kubectl drain of the primary\'s node hands over to a standby with nothing lost; a second drain is held by the PodDisruptionBudget; uncordoned, the old primary rejoins',
  chart: 'ha-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));
    const nodes = await t.step('kubectl get pods -o wide: one member on each of three nodes', () => membersOnNodes(t, db));
    const node = nodes.get(before.primary)!;
    const standbyNode = nodes.get(before.replicas[0])!;
    const watch = await t.step(`a writer through Service ${db.name} (every 20 ms) and a probe writing to each pod's address`, () => FaultWatch.start(db, 1));

    let record: FaultRecord | undefined;
    let drainAt = 0;
    let newPrimary = '';
    try {
      await delay(1000);
      drainAt = now();
      const drained = await t.step(`kubectl drain ${node} ${DRAIN} (${before.primary}'s node)`, () => t.cluster.sh(`kubectl drain ${node} ${DRAIN} --timeout=120s 2>&1`, 130_000));
      await t.step(`kubectl evicted ${before.primary} and reported ${node} drained, ${secondsAfter(drainAt, now())} after it started`, async () => {
        check(drained.includes(`evicting pod ${db.namespace}/${before.primary}`), `kubectl drain said:\n${drained}`);
        check(drained.includes(`node/${node} drained`), `kubectl drain said:\n${drained}`);
      });
      const first = await watch.writer.waitForAck((w) => w.at > drainAt && w.pod !== before.primary, RECOVERY_MS, 'a write on another member');
      newPrimary = first.pod;
      await t.step(`${newPrimary} took its first write through Service ${db.name} ${secondsAfter(drainAt, first.at)} after the drain started`, async () => undefined);
      await t.step(`${before.primary} re-created by the StatefulSet and Pending: its volume is on the cordoned ${node}`, () => t.waitFor(`${before.primary} Pending`, () => unschedulable(t, db, before.primary), RECOVERY_MS));

      const refused = await t.step(`kubectl drain ${standbyNode} ${DRAIN} --timeout=8s (${before.replicas[0]}'s node, while ${before.primary} is down)`, () =>
        t.cluster.sh(`kubectl drain ${standbyNode} ${DRAIN} --timeout=8s 2>&1 || echo "kubectl drain exited with status $?"`, 30_000));
      await t.step(`refused by PodDisruptionBudget ${db.name} (maxUnavailable 1): "${PDB_REFUSAL}"; ${before.replicas[0]} still serves`, async () => {
        check(refused.includes(PDB_REFUSAL) && refused.includes('exited with status'), `kubectl drain said:\n${refused}`);
        const pod = await t.cluster.pod(db.namespace, before.replicas[0]);
        check(pod !== undefined && !pod.deleting && pod.ready, `${before.replicas[0]} is ${JSON.stringify(pod)}`);
      });
    } finally {
      await t.cluster.sh(`kubectl uncordon ${node} ${standbyNode}`).catch(() => undefined);
      try {
        await t.step(`kubectl uncordon ${node} ${standbyNode}: ${before.primary} scheduled again, back as a ready replica streaming from ${newPrimary || 'the new primary'}`, () => t.waitFor(`${before.primary} streaming`, async () => {
          const topology = await db.topology();
          if (topology.primary === before.primary) throw new Error(`${before.primary} is primary again`);
          await db.streaming(topology.replicas);
          return topology;
        }, RECOVERY_MS));
      } finally {
        record = await watch.finish();
      }
    }
    const { writes, probeAcks, dualPrimaryMs } = record;
    await t.step(`writer: ${describeWrites(writes)}; the primary moved once`, async () => checkWrites(writes, 1));
    const oldLast = lastAck(probeAcks, before.primary);
    const newFirst = firstAck(probeAcks, newPrimary, drainAt);
    await t.step(`direct writes: ${before.primary} last accepted one ${secondsAfter(drainAt, oldLast)} after the drain started, ${newPrimary} first ${secondsAfter(drainAt, newFirst)}; never two pods accepting writes`, async () => {
      check(dualPrimaryMs === 0, `two pods accepted direct writes over the same ${dualPrimaryMs.toFixed(0)} ms`);
    });
  },
};

/** The pod as `kubectl get pod` shows one the scheduler cannot place: Pending, PodScheduled False (Unschedulable). */
async function unschedulable(t: KubeContext, db: Database, pod: string): Promise<true | undefined> {
  const out = await t.cluster.sh(`kubectl get pod -n ${db.namespace} ${pod} -o jsonpath='{.status.phase} {.status.conditions[?(@.type=="PodScheduled")].reason}' --ignore-not-found`);
  return out.trim() === 'Pending Unschedulable' ? true : undefined;
}

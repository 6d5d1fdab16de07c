/**
 * Scaling as a GitOps repository does it, with the writer running: hot-postgres re-rendered with
 * `replicas: 5`, then `replicas: 2`. `replicas` is in the pod template (the agents' member list), so each
 * change is also a rolling update (rolling-update.ts). Up: the new members clone and join, the old ones
 * roll, the primary moves once. Down: the StatefulSet deletes the removed ordinals at once; a primary
 * among them hands over to a member that stays, and the rest roll. Then `kubectl scale --replicas=3`
 * (what a GitOps tool reverts): the extra pod refuses to join, says why in a NotAMember Event, and the
 * revert (`--replicas=2`) removes it.
 */
import { check } from '../../support/scenario';
import { PostgresVersion } from '../../../lib';
import { renderedHotChange } from '../charts';
import type { Database, Topology } from '../database';
import { agentEvents, describeWrites, podRevisions, revisions, startWriter, summarize } from '../rollout';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const ROLLOUT_MS = 360_000;
const TRIAL = 1;

/** Applies hot-postgres rendered with `replicas` and waits for every member on the new revision, streaming. */
async function scaleTo(t: KubeContext, db: Database, replicas: number): Promise<Topology> {
  const old = (await revisions(t, db)).updateRevision;
  const file = renderedHotChange(`scaling-${replicas}`, PostgresVersion.of(DEFAULT_MAJOR), { replicas });
  await t.step(`kubectl apply --server-side -f the render with replicas: ${replicas}`, () => t.cluster.sh(`kubectl apply --server-side --validate=strict -f ${file}`));
  const updated = await t.waitFor('a new update revision', async () => {
    const r = await revisions(t, db);
    return r.updateRevision !== old ? r.updateRevision : undefined;
  }, 30_000);
  return t.step(`${replicas} members, all on ${updated}, one primary, ${replicas - 1} standbys streaming`, () => t.waitFor(`${replicas} members rolled`, async () => {
    const pods = await podRevisions(db);
    if (Object.keys(pods).length !== replicas || !Object.values(pods).every((r) => r === updated)) throw new Error(`revisions: ${JSON.stringify(pods)}`);
    const topology = await db.topology(replicas);
    await db.streaming(topology.replicas);
    return topology;
  }, ROLLOUT_MS));
}

export const scaling: KubeScenario = {
  name: 'scaling',
  summary: 'hot-postgres re-rendered with replicas 5, then 2, the writer running; then kubectl scale refused by the extra pod',
  chart: 'hot-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const before = await t.step('one pod labelled primary, two labelled replica, all ready, both standbys streaming', async () => {
      const topology = await t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS);
      await t.waitFor('both standbys streaming', () => db.streaming(topology.replicas), BOOTSTRAP_MS);
      return topology;
    });
    const writer = await t.step('a writer inserts a row every 20 ms through Service hot-postgres', () => startWriter(db, TRIAL));
    const five = await scaleTo(t, db, 5);
    const two = await scaleTo(t, db, 2);
    const writes = await t.step('the writer stopped; its acknowledged writes counted on the primary', () => summarize(db, writer, TRIAL));
    await t.step(describeWrites(writes), async () => {
      check(writes.lost === 0, `${writes.lost} acknowledged writes lost`);
      // Up: one move (the rollout's switchover). Down: one more, and one before it when the primary
      // was among the removed ordinals (its handover on SIGTERM).
      const removed = Number(five.primary.slice(five.primary.lastIndexOf('-') + 1)) >= 2;
      const expected = 2 + (removed ? 1 : 0);
      check(writes.primaries.length - 1 <= expected, `the primary moved ${writes.primaries.length - 1} times (${writes.primaries.join(' → ')}), expected at most ${expected} (${before.primary} → … → ${two.primary})`);
    });

    await t.step('kubectl scale statefulset hot-postgres --replicas=3 (a change the GitOps tool would revert)', () => t.cluster.sh(`kubectl scale statefulset -n ${db.namespace} ${db.name} --replicas=3`));
    const extra = `${db.name}-2`;
    const event = await t.step(`kubectl get events --field-selector reason=NotAMember: ${extra} refuses to join`, () =>
      t.waitFor('a NotAMember Event', async () => (await agentEvents(t, db, 'NotAMember')).find((e) => e.startsWith(extra)), RECOVERY_MS));
    console.log(`      ${event}`);
    await t.step(`${extra} not ready, its readiness probe names the reason; ${two.primary} still the primary with its one standby streaming`, async () => {
      const pod = await t.cluster.pod(db.namespace, extra);
      check(pod !== undefined && !pod.ready && pod.labels['cdk8s-postgres-ha/role'] === undefined, `${extra}: ${JSON.stringify(pod)}`);
      const status = await db.agentStatus(extra) as { reason: string };
      check(status.reason.startsWith(`${extra} is not a member of ${db.name}: the rendered replicas is 2`), status.reason);
      const pods = await db.members();
      check(pods.find((p) => p.name === two.primary)?.labels['cdk8s-postgres-ha/role'] === 'primary', `${two.primary} lost the primary label`);
      await db.streaming(two.replicas);
    });
    await t.step('kubectl scale statefulset hot-postgres --replicas=2 (the revert): two members again', async () => {
      await t.cluster.sh(`kubectl scale statefulset -n ${db.namespace} ${db.name} --replicas=2`);
      await t.waitFor(`${extra} gone`, async () => (await t.cluster.pod(db.namespace, extra)) === undefined, RECOVERY_MS);
      const after = await db.topology(2);
      check(after.primary === two.primary, `the primary moved to ${after.primary}`);
    });
  },
};

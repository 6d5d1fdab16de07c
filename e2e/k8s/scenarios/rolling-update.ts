/**
 * A changed template rolled through the members with the writer running: the hot-postgres example
 * re-rendered with one more postgresql.conf parameter (a new config hash in the pod template) and
 * re-applied, as a GitOps tool would. The StatefulSet is `updateStrategy: OnDelete`; the primary's agent
 * evicts the outdated standbys one at a time, highest ordinal first, switches over once to an updated
 * standby, then evicts the old primary. The primary moves exactly once, no acknowledged write is lost,
 * every standby streams at the end, and the agents never wrote to the StatefulSet.
 */
import { check } from '../../support/scenario';
import { PostgresClusterProps, PostgresVersion } from '../../../lib';
import { renderedHotChange } from '../charts';
import { agentEvents, checkWrites, describeWrites, podRevisions, revisions, startWriter, summarize } from '../rollout';
import type { Database } from '../database';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS } from './timeouts';

/** Three members replaced one at a time, each back and streaming before the next, plus a switchover. */
const ROLLOUT_MS = 300_000;
const TRIAL = 1;

export const rollingUpdate: KubeScenario = {
  name: 'rolling-update',
  summary: 'hot-postgres re-applied with a changed parameter: standbys first, one switchover, then the old primary; no lost write',
  chart: 'hot-postgres',
  majors: [DEFAULT_MAJOR],
  run: (t, db) => rolloutWalkThrough(t, db, { label: 'rolling-update', changes: { parameters: { work_mem: '8MB' } }, what: 'parameters { work_mem: 8MB } (a new config hash)' }),
};

export interface TemplateChange {
  /** The folder of the render, e2e/.work/rendered/<label>. */
  readonly label: string;
  readonly changes: PostgresClusterProps;
  /** What changed, for the step's line. */
  readonly what: string;
}

/** Applies hot-postgres re-rendered with `change` while the writer runs, and checks the rollout. */
export async function rolloutWalkThrough(t: KubeContext, db: Database, change: TemplateChange): Promise<void> {
  const before = await t.step('one pod labelled primary, two labelled replica, all ready, both standbys streaming', async () => {
    const topology = await t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS);
    await t.waitFor('both standbys streaming', () => db.streaming(topology.replicas), BOOTSTRAP_MS);
    return topology;
  });
  const old = await t.step('kubectl get statefulset hot-postgres: every pod on the update revision', async () => {
    const r = await revisions(t, db);
    const pods = await podRevisions(db);
    check(Object.values(pods).every((p) => p === r.updateRevision), `pods ${JSON.stringify(pods)}, update revision ${r.updateRevision}`);
    return r.updateRevision;
  });

  const writer = await t.step('a writer inserts a row every 20 ms through Service hot-postgres', () => startWriter(db, TRIAL));

  const changed = renderedHotChange(change.label, PostgresVersion.of(DEFAULT_MAJOR), change.changes);
  await t.step(`kubectl apply --server-side -f the render with ${change.what}`, async () => {
    await t.cluster.sh(`kubectl apply --server-side --validate=strict -f ${changed}`);
  });
  const updated = await t.waitFor('the StatefulSet to record a new update revision', async () => {
    const r = await revisions(t, db);
    return r.updateRevision !== old && r.updateRevision !== '' ? r.updateRevision : undefined;
  }, 30_000);

  const after = await t.step(`every pod re-created on ${updated}, one primary, both standbys streaming`, () => t.waitFor('the rollout', async () => {
    const pods = await podRevisions(db);
    if (!Object.values(pods).every((p) => p === updated) || Object.keys(pods).length !== 3) throw new Error(`revisions: ${JSON.stringify(pods)}`);
    const topology = await db.topology();
    await db.streaming(topology.replicas);
    return topology;
  }, ROLLOUT_MS));

  const writes = await t.step('the writer stopped; its acknowledged writes counted on the primary', () => summarize(db, writer, TRIAL));
  await t.step(describeWrites(writes), async () => checkWrites(writes, 1));
  check(after.primary !== before.primary, `the primary is still ${before.primary}`);

  await t.step('kubectl get events --field-selector reason=RollingUpdate: standbys evicted highest ordinal first, one switchover, the old primary last', async () => {
    const events = await t.waitFor('the RollingUpdate Events', async () => {
      const list = await agentEvents(t, db, 'RollingUpdate');
      return list.length >= 4 ? list : undefined;
    }, 30_000);
    events.forEach((e) => console.log(`      ${e}`));
    const evicted = events.map((e) => /evicted (\S+):/.exec(e)?.[1]).filter((p): p is string => p !== undefined);
    const standbysHighestFirst = [...before.replicas].sort().reverse();
    check(JSON.stringify(evicted) === JSON.stringify([...standbysHighestFirst, before.primary]), `evictions in the order ${evicted.join(', ')}`);
    check(events.filter((e) => e.includes('switching over to')).length === 1, 'not exactly one switchover Event');
    const done = await t.waitFor('a RollingUpdateDone Event', async () => (await agentEvents(t, db, 'RollingUpdateDone')).find((e) => e.includes(updated)), 30_000);
    console.log(`      ${done}`);
  });

  await t.step('the agents never wrote to the StatefulSet: its managed fields name kubectl (the apply) and the controller (status) only', async () => {
    const set = await t.cluster.kubectl.json<{ metadata: { managedFields: Array<{ manager: string; subresource?: string }> } }>(['get', 'statefulset', '-n', db.namespace, db.name, '--show-managed-fields']);
    const writers = set.metadata.managedFields.map((f) => `${f.manager}${f.subresource ? `/${f.subresource}` : ''}`);
    check(writers.every((w) => w === 'kubectl' || w === 'kube-controller-manager/status'), `managed by ${writers.join(', ')}`);
  });
}

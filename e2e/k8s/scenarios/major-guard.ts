/**
 * A changed `version` (15 → 17) must never start newer binaries on older data. hot-postgres runs on
 * postgres:15 with the writer going; the render with `version: V17` is applied, which rolls like any
 * template change (rolling-update.ts): the primary's agent evicts its highest-ordinal standby first, whose
 * re-created pod runs postgres:17 on the version-15 volume. Its supervisor and agent refuse to start
 * PostgreSQL and say why in an Event; the rollout stops there (that member never streams), so the other
 * standby and the primary keep running 15 and the primary never moves. Reverting `version` (re-applying
 * the version-15 render) heals it: the refusing member, now outdated and not serving, is replaced first.
 */
import { check } from '../../support/scenario';
import { PostgresVersion } from '../../../lib';
import { renderedFile, renderedHotChange } from '../charts';
import { agentEvents, checkWrites, describeWrites, podRevisions, revisions, startWriter, summarize } from '../rollout';
import type { KubeScenario } from '../scenario';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const TRIAL = 1;
/** After the refusal, how long the scenario watches that nothing else is replaced. */
const WATCH_MS = 20_000;

export const majorGuard: KubeScenario = {
  name: 'major-guard',
  summary: 'hot-postgres on 15 re-applied with version 17: the first standby replaced refuses (Event), the cluster serves on 15, the primary never moves',
  chart: 'hot-postgres',
  majors: ['15'],
  otherImages: ['17'],
  async run(t, db) {
    const before = await t.step('one pod labelled primary, two labelled replica, all ready, both standbys streaming', async () => {
      const topology = await t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS);
      await t.waitFor('both standbys streaming', () => db.streaming(topology.replicas), BOOTSTRAP_MS);
      return topology;
    });
    const old = (await revisions(t, db)).updateRevision;
    const writer = await t.step('a writer inserts a row every 20 ms through Service hot-postgres', () => startWriter(db, TRIAL));

    const changed = renderedHotChange('major-guard', PostgresVersion.V17, {});
    await t.step('kubectl apply --server-side -f the render with version: PostgresVersion.V17', async () => {
      await t.cluster.sh(`kubectl apply --server-side --validate=strict -f ${changed}`);
    });
    const refusing = [...before.replicas].sort().reverse()[0];
    const event = await t.step(`kubectl get events --field-selector reason=MajorVersionMismatch: ${refusing} (postgres:17) refuses the version-15 data`, () =>
      t.waitFor('a MajorVersionMismatch Event', async () => (await agentEvents(t, db, 'MajorVersionMismatch'))[0], RECOVERY_MS));
    console.log(`      ${event}`);
    check(event.startsWith(refusing), `the Event is not about ${refusing}`);
    check(event.includes('the data directory is PostgreSQL 15, this pod\'s binaries are PostgreSQL 17'), 'the Event does not name both versions');

    await t.step(`for ${WATCH_MS / 1000} s: ${refusing} not ready, every other pod still on ${old}, ${before.primary} still the primary`, async () => {
      const until = Date.now() + WATCH_MS;
      while (Date.now() < until) {
        const pods = await db.members();
        const updated = await revisions(t, db);
        const others = pods.filter((p) => p.name !== refusing);
        check(others.length === 2 && others.every((p) => p.labels['controller-revision-hash'] === old && p.ready && !p.deleting), `pods: ${JSON.stringify(await podRevisions(db))}`);
        check(updated.updateRevision !== old, 'the StatefulSet has no new revision');
        check(pods.find((p) => p.name === before.primary)?.labels['cdk8s-postgres-ha/role'] === 'primary', `${before.primary} is no longer the primary`);
        check(!pods.find((p) => p.name === refusing)?.ready, `${refusing} became ready`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    });

    await t.step(`the primary's /status says why the rollout waits`, async () => {
      const status = await db.agentStatus(before.primary) as { rollout: string | null };
      console.log(`      rollout: ${status.rollout}`);
      check(status.rollout?.includes(`${refusing} is not back and streaming yet (refusing to start: the data directory is PostgreSQL 15`) === true, `rollout: ${status.rollout}`);
    });

    await t.step('select version() through Service hot-postgres: still PostgreSQL 15', async () => {
      const [row] = await db.sql<{ version: string }>(db.service(), 'select version()');
      check(row.version.startsWith('PostgreSQL 15.'), row.version);
    });
    await t.step('kubectl apply --server-side -f the version-15 render again (the revert a GitOps repository commits)', async () => {
      await t.cluster.sh(`kubectl apply --server-side --validate=strict -f ${renderedFile('hot-postgres', '15')}`);
    });
    await t.step(`${refusing} replaced again on ${old}, both standbys streaming, ${before.primary} still the primary`, () => t.waitFor('the revert', async () => {
      const pods = await podRevisions(db);
      if (!Object.values(pods).every((r) => r === old)) throw new Error(`revisions: ${JSON.stringify(pods)}`);
      const topology = await db.topology();
      await db.streaming(topology.replicas);
      check(topology.primary === before.primary, `the primary moved to ${topology.primary}`);
      return topology;
    }, RECOVERY_MS));

    const writes = await t.step('the writer stopped; its acknowledged writes counted on the primary', () => summarize(db, writer, TRIAL));
    await t.step(describeWrites(writes), async () => checkWrites(writes, 0));
  },
};

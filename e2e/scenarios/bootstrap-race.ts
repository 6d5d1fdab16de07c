/**
 * Every member starts at the same moment on empty volumes (Parallel pod management): exactly one of
 * them may run initdb; the others must clone it, so all share one system identifier.
 */
import { haPostgres } from '../charts';
import { check, type Scenario } from '../harness/scenario';
import { agentStatuses, PostgresUnderTest } from './postgres-cluster';
import { BOOTSTRAP_MS } from './timeouts';

export const bootstrapRace: Scenario = {
  name: 'bootstrap-race',
  summary: 'ha-postgres: all pods start at once on empty volumes; exactly one initdb, one system identifier',
  chart: haPostgres,
  diagnose: agentStatuses('ha-postgres'),
  async run(t) {
    const db = new PostgresUnderTest(t, 'ha-postgres');
    await t.step('all members were created together', async () => {
      const pods = await t.waitFor('three member pods', () => (db.pods().length === 3 ? db.pods() : undefined), 10_000);
      const created = pods.map((p) => Date.parse(p.metadata?.creationTimestamp ?? ''));
      check(Math.max(...created) - Math.min(...created) <= 1000, `pods created over ${Math.max(...created) - Math.min(...created)} ms`);
    });
    const { replicas } = await t.step('exactly one pod labelled primary, two labelled replica, all ready', () => db.waitForTopology(BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => db.waitForStreaming(replicas, BOOTSTRAP_MS));
    await t.step('exactly one initdb ran, and every member has its system identifier', async () => {
      check(db.initdbRuns() === 1, `initdb ran ${db.initdbRuns()} times`);
      const identifiers = new Set((await db.systemIdentifiers()).values());
      check(identifiers.size === 1, `system identifiers: ${[...identifiers].join(', ')}`);
    });
  },
};

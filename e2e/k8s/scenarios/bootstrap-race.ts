/**
 * Every member starts at the same moment on empty volumes (the rendered StatefulSet's Parallel pod
 * management, carried out by the real StatefulSet controller): exactly one of them may run initdb; the
 * others must clone it, so all share one system identifier.
 */
import { check } from '../../support/scenario';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { initdbRuns, systemIdentifiers } from './data-folders';
import { BOOTSTRAP_MS } from './timeouts';

export const bootstrapRace: KubeScenario = {
  name: 'bootstrap-race',
  summary: 'ha-postgres: all pods start at once on empty volumes; exactly one initdb, one system identifier',
  chart: 'ha-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    await t.step('the StatefulSet controller created all three pods together (creationTimestamp within 1 s)', async () => {
      const created = await t.waitFor('three member pods', async () => {
        const out = await t.cluster.sh(`kubectl get pods -n ${db.namespace} -l ${db.selector} -o jsonpath='{range .items[*]}{.metadata.creationTimestamp}{"\\n"}{end}'`);
        const stamps = out.split('\n').filter(Boolean).map((s) => Date.parse(s));
        return stamps.length === 3 ? stamps : undefined;
      }, 10_000);
      // creationTimestamp has a resolution of one second.
      const spread = Math.max(...created) - Math.min(...created);
      check(spread <= 1000, `pods created over ${spread} ms`);
    });
    const { replicas } = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(replicas), BOOTSTRAP_MS));
    await t.step('exactly one initdb in the postgres logs of all members; one system identifier in all data folders (pg_controldata)', async () => {
      const runs = await initdbRuns(t, db);
      check(runs === 1, `initdb ran ${runs} times`);
      const identifiers = await systemIdentifiers(t, db);
      check(new Set(identifiers.values()).size === 1, `system identifiers: ${JSON.stringify([...identifiers])}`);
    });
  },
};

/** SIGKILL to every process of the primary's containers (their cgroups); the kubelet restarts them in place. */
import { ALL_MAJORS, type KubeScenario } from '../scenario';
import { failoverWalkThrough } from './failover';

export const killPrimary: KubeScenario = {
  name: 'kill-primary',
  summary: 'ha-postgres: SIGKILL to every process of the primary pod; another member takes over, the restarted one rejoins',
  chart: 'ha-postgres',
  majors: ALL_MAJORS,
  run: (t, db) => failoverWalkThrough(t, db, {
    description: (pod) => `SIGKILL to every process of ${pod}'s containers (their cgroups)`,
    inject: async (t2, _db, before) => { await t2.cluster.killContainers('demo', before.primary); },
    aftermath: 'restarted in place by the kubelet',
    happened: (before, now) => now.uid === before.uid && Object.entries(now.restarts).every(([c, n]) => n > (before.restarts[c] ?? 0)),
  }),
};

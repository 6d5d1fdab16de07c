/** The seed's failover: `kubectl delete pod -n demo <primary>`, on the real cluster. */
import { ALL_MAJORS, type KubeScenario } from '../scenario';
import { failoverWalkThrough } from './failover';

export const seedFailover: KubeScenario = {
  name: 'seed-failover',
  summary: 'ha-postgres: kubectl delete pod of the primary; another member takes over, the re-created pod rejoins as a standby',
  chart: 'ha-postgres',
  majors: ALL_MAJORS,
  run: (t, db) => failoverWalkThrough(t, db, {
    description: (pod) => `kubectl delete pod -n demo ${pod} (graceful, as the seed does)`,
    inject: async (t2, _db, before) => { await t2.cluster.sh(`kubectl delete pod -n demo ${before.primary} --wait=false`); },
    aftermath: 're-created by the StatefulSet',
    happened: (before, now) => now.uid !== before.uid,
  }),
};

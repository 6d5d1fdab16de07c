/** The seed's failover: `kubectl delete pod` of the primary (graceful), as in KubeDB's guide. */
import { haPostgres } from '../charts';
import type { Scenario } from '../harness/scenario';
import { failoverWalkThrough } from './failover-checks';
import { agentStatuses } from './postgres-cluster';

export const seedFailover: Scenario = {
  name: 'seed-failover',
  summary: 'ha-postgres: deleting the primary pod promotes another member; the recreated pod rejoins as a standby',
  chart: haPostgres,
  diagnose: agentStatuses('ha-postgres'),
  run: (t) => failoverWalkThrough(t, {
    description: 'the primary pod is deleted (kubectl delete pod: graceful)',
    inject: (db, before) => t.cluster.deletePod(db.namespace, before.primary),
    aftermath: 'recreated by the StatefulSet',
    happened: (podBefore, podNow) => podNow.metadata?.uid !== podBefore.metadata?.uid,
  }),
};

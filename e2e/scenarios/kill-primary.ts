/**
 * An unplanned loss: every process of the primary pod gets SIGKILL (no shutdown, no lease release).
 * The pod object stays; the kubelet restarts its containers as Kubernetes would.
 */
import { haPostgres } from '../charts';
import type { Scenario } from '../harness/scenario';
import { failoverWalkThrough } from './failover-checks';
import { agentStatuses } from './postgres-cluster';

export const killPrimary: Scenario = {
  name: 'kill-primary',
  summary: 'ha-postgres: SIGKILL of every process of the primary pod; another member takes over, the old one rejoins',
  chart: haPostgres,
  diagnose: agentStatuses('ha-postgres'),
  run: (t) => failoverWalkThrough(t, {
    description: 'every process of the primary pod is killed (SIGKILL)',
    inject: (_db, before) => t.cluster.kubelet.killPod(before.primary),
    aftermath: 'restarted in place by the kubelet (same pod, both containers restarted)',
    happened(podBefore, podNow) {
      const restarts = (pod: typeof podNow, name: string) => pod.status?.containerStatuses?.find((c) => c.name === name)?.restartCount ?? 0;
      return podNow.metadata?.uid === podBefore.metadata?.uid
        && (podNow.status?.containerStatuses ?? []).every((c) => c.restartCount > restarts(podBefore, c.name));
    },
  }),
};

/**
 * The faults the real-cluster benchmark injects into the primary, each the way it happens on a real
 * cluster: `kubectl delete pod`, SIGKILL through the container cgroups (a node's OOM killer, a crash),
 * SIGKILL of the postmaster alone, and a planned switchover (the annotation on the Lease).
 */
import { readFileSync } from 'node:fs';
import { containerPids, type KubeCluster, type PodView } from '../../e2e/k8s/kube-cluster';

export interface K8sFault {
  readonly key: string;
  readonly title: string;
  /** The victim is back: re-created or restarted, and running (it still has to rejoin as a replica). */
  readonly rejoins: boolean;
  /**
   * Whether the primary moves. A postmaster killed alone is restarted in place by the supervisor while
   * the agent keeps the lease, as after any crash: writes resume on the same pod.
   */
  readonly moves: boolean;
  inject(cluster: KubeCluster, namespace: string, name: string, primary: PodView, target: string): Promise<void>;
  isBack(before: PodView, now: PodView): boolean;
}

const restarted = (container: string) => (before: PodView, now: PodView) => now.uid === before.uid && (now.restarts[container] ?? 0) > (before.restarts[container] ?? 0);

export const K8S_FAULTS: readonly K8sFault[] = [
  {
    key: 'graceful-delete',
    title: 'kubectl delete pod of the primary (graceful)',
    rejoins: true,
    moves: true,
    inject: async (cluster, namespace, _name, primary) => { await cluster.kubectl.run(['delete', 'pod', '-n', namespace, primary.name, '--wait=false']); },
    isBack: (before, now) => now.uid !== before.uid,
  },
  {
    key: 'kill-pod',
    title: 'SIGKILL of every process of the primary pod (container cgroups)',
    rejoins: true,
    moves: true,
    inject: async (cluster, namespace, _name, primary) => { await cluster.killContainers(namespace, primary.name); },
    isBack: (before, now) => restarted('postgres')(before, now) && restarted('agent')(before, now),
  },
  {
    key: 'kill-postmaster',
    title: 'SIGKILL of the primary\'s postmaster alone',
    rejoins: false,
    moves: false,
    inject: async (_cluster, _namespace, _name, primary) => {
      const postmaster = containerPids(primary.containerIds.postgres ?? '').find((pid) => /^postgres\0-D\0/.test(cmdline(pid)));
      if (postmaster === undefined) throw new Error(`no postmaster found in ${primary.name}`);
      process.kill(postmaster, 'SIGKILL');
    },
    isBack: () => true,
  },
  {
    key: 'switchover',
    title: 'planned switchover (kubectl annotate lease <name>-leader cdk8s-postgres-ha/switchover-to=<standby>)',
    rejoins: false,
    moves: true,
    inject: async (cluster, namespace, name, _primary, target) => {
      await cluster.kubectl.run(['annotate', 'lease', '-n', namespace, `${name}-leader`, `cdk8s-postgres-ha/switchover-to=${target}`, '--overwrite']);
    },
    isBack: () => true,
  },
];

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

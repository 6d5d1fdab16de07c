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
  /** Whom it hits: the primary, or the standby the trial names `target`. @default 'primary' */
  readonly victim?: 'primary' | 'standby';
  /**
   * Needs the chaos chart (e2e/k8s/chaos-postgres.ts: real small filesystems, a memory limit, libfaketime
   * agents) rather than the sync-postgres example. @default false
   */
  readonly chaosChart?: boolean;
  /** The fault gives no member a reason to take over: the primary moving is a failure. @default false */
  readonly stays?: boolean;
  /** The victim is back: re-created or restarted, and running (it still has to rejoin as a replica). */
  readonly rejoins: boolean;
  /**
   * Whether the primary moves. A postmaster killed alone is restarted in place by the supervisor while
   * the agent keeps the lease, as after any crash: writes resume on the same pod.
   */
  readonly moves: boolean;
  /**
   * Injects the fault and returns once its own actions are over: a fault that is undone (a cut healed,
   * frozen processes resumed) undoes itself before returning, once another member leads or a bound passed.
   */
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
  {
    key: 'kill-agent',
    title: "SIGKILL of the primary's agent container alone",
    rejoins: false,
    // The supervisor keeps PostgreSQL up while the agent restarts within the renew deadline (DESIGN.md),
    // or fences it when the restart takes longer; either way the same pod leads again or another does.
    moves: false,
    inject: async (cluster, _namespace, _name, primary) => {
      if (cluster.killContainer(primary, 'agent') === undefined) throw new Error(`the agent of ${primary.name} is not running`);
    },
    isBack: restarted('agent'),
  },
  {
    key: 'kill-standby-pod',
    title: 'SIGKILL of every process of a standby pod (container cgroups)',
    victim: 'standby',
    rejoins: true,
    moves: false,
    inject: async (cluster, namespace, _name, _primary, target) => { await cluster.killContainers(namespace, target); },
    isBack: (before, now) => restarted('postgres')(before, now) && restarted('agent')(before, now),
  },
];

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Network faults inside a pod's own network namespace: iptables rules added with
 * `nsenter -t <pid> -n iptables` through a process of the pod (every container shares the sandbox's
 * namespace). Dropped packets make connections hang, as across a broken switch or a firewall that
 * swallows them; nothing is refused. Rules are inserted first in the chain, so established connections
 * are cut too.
 */
import { execFile } from 'node:child_process';
import { containerPids, type KubeCluster, type PodView } from './kube-cluster';

/** One iptables rule: chain, then the match and target (`['OUTPUT', '-d', ip, '-j', 'DROP']`). */
export type Rule = readonly string[];

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (error, _stdout, stderr) => (error ? reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`)) : resolve()));
  });
}

/** A process of the pod (any container shares the pod's network namespace). */
export function podPid(pod: PodView): number {
  for (const id of Object.values(pod.containerIds)) {
    const pids = containerPids(id);
    if (pids.length > 0) return pids[0];
  }
  throw new Error(`no running process found in pod ${pod.name}`);
}

/** Rules added to (`-I`) or removed from (`-D`) the pod's own network namespace. */
export async function podRules(pid: number, action: '-I' | '-D', rules: readonly Rule[]): Promise<void> {
  for (const rule of rules) await run('nsenter', ['-t', String(pid), '-n', 'iptables', '-w', action, ...rule]);
}

/** What goes out to `address`. */
export const dropTo = (address: string): Rule => ['OUTPUT', '-d', address, '-j', 'DROP'];
/** What comes in from `address`. */
export const dropFrom = (address: string): Rule => ['INPUT', '-s', address, '-j', 'DROP'];

/** Every packet from `address` and to it: in the pod's namespace, the link to that peer is gone both ways. */
export const isolateFrom = (address: string): Rule[] => [dropFrom(address), dropTo(address)];

export interface PodCut {
  readonly pod: string;
  readonly rules: readonly Rule[];
}

/**
 * Applies rules in several pods' namespaces and returns how to remove them. The heal reads each pod's
 * processes again (a container may have restarted meanwhile; the namespace is the sandbox's) and removes
 * every rule it added, even when one removal fails.
 */
export async function cutPods(cluster: KubeCluster, namespace: string, cuts: readonly PodCut[]): Promise<() => Promise<void>> {
  const applied: PodCut[] = [];
  const heal = async () => {
    const errors: string[] = [];
    for (const cut of applied.splice(0).reverse()) {
      const pod = await cluster.pod(namespace, cut.pod);
      if (!pod) continue;
      await podRules(podPid(pod), '-D', cut.rules).catch((error: Error) => errors.push(error.message));
    }
    if (errors.length > 0) throw new Error(`healing the cut failed: ${errors.join('; ')}`);
  };
  try {
    for (const cut of cuts) {
      const pod = await cluster.pod(namespace, cut.pod);
      if (!pod) throw new Error(`pod ${namespace}/${cut.pod} does not exist`);
      applied.push(cut);
      await podRules(podPid(pod), '-I', cut.rules);
    }
  } catch (error) {
    await heal().catch(() => undefined);
    throw error;
  }
  return heal;
}

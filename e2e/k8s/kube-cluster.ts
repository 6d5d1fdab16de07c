/**
 * The running real cluster as a scenario reaches it: kubectl (and a shell with kubectl on PATH for the
 * seed's own pipelines), addresses read from the API, and node-level faults done the way a node fails
 * (signals to a container's cgroup).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kubectl } from '../cluster/kubectl';
import { nodePaths } from '../cluster/configs';
import { ctr } from '../cluster/node';
import { nodePlan } from '../cluster/plan';

export interface PodView {
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string | undefined;
  readonly ready: boolean;
  readonly deleting: boolean;
  readonly node: string | undefined;
  readonly restarts: Readonly<Record<string, number>>;
  /** containerd ids of the running containers, by container name. */
  readonly containerIds: Readonly<Record<string, string>>;
}

interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; restartCount: number; containerID?: string; state?: { running?: unknown } }[];
  };
}

function view(pod: PodJson): PodView {
  const statuses = pod.status.containerStatuses ?? [];
  return {
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    labels: pod.metadata.labels ?? {},
    ip: pod.status.podIP || undefined,
    ready: (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    deleting: pod.metadata.deletionTimestamp !== undefined,
    node: pod.spec.nodeName,
    restarts: Object.fromEntries(statuses.map((s) => [s.name, s.restartCount])),
    containerIds: Object.fromEntries(statuses.filter((s) => s.state?.running && s.containerID).map((s) => [s.name, s.containerID!.replace(/^containerd:\/\//, '')])),
  };
}

export class KubeCluster {
  constructor(readonly kubectl: Kubectl) {}

  /** A shell command as a person types it, with kubectl on PATH and KUBECONFIG set. */
  sh(command: string, timeoutMs = 60_000): Promise<string> {
    const env = { ...process.env, KUBECONFIG: this.kubectl.kubeconfig, PATH: `${this.kubectl.binDir}:${process.env.PATH}` };
    return new Promise((resolve, reject) => {
      execFile('bash', ['-o', 'pipefail', '-c', command], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`$ ${command}\n${stderr.trim() || error.message}`));
        else resolve(stdout);
      });
    });
  }

  async pods(namespace: string, selector: string): Promise<PodView[]> {
    const list = await this.kubectl.json<{ items: PodJson[] }>(['get', 'pods', '-n', namespace, '-l', selector]);
    return list.items.map(view).sort((a, b) => a.name.localeCompare(b.name));
  }

  async pod(namespace: string, name: string): Promise<PodView | undefined> {
    const json = await this.kubectl.run(['get', 'pod', '-n', namespace, name, '-o', 'json', '--ignore-not-found']);
    return json.trim() === '' ? undefined : view(JSON.parse(json) as PodJson);
  }

  async serviceAddress(namespace: string, service: string): Promise<string> {
    return (await this.kubectl.run(['get', 'svc', '-n', namespace, service, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  }

  /**
   * `ctr -n k8s.io images tag --force <source> <target>` on every running node: one more name for an
   * image the nodes already hold (the suite builds one image per PostgreSQL major, so a minor upgrade is
   * played as a change of tag). Returns the nodes tagged.
   */
  async tagImage(source: string, target: string): Promise<string[]> {
    const tagged: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const paths = nodePaths(nodePlan(i));
      if (!existsSync(paths.containerdSocket)) continue;
      await ctr(paths, ['images', 'tag', '--force', source, target]);
      tagged.push(nodePlan(i).name);
    }
    if (tagged.length === 0) throw new Error('no running node to tag the image on');
    return tagged;
  }

  /**
   * SIGKILL to every process of the pod's containers (not its sandbox, so the pod keeps its address),
   * through their cgroups, as the kernel's OOM killer or a crash would end them.
   */
  async killContainers(namespace: string, name: string): Promise<number> {
    const pod = await this.pod(namespace, name);
    if (!pod) throw new Error(`pod ${namespace}/${name} does not exist`);
    let killed = 0;
    for (const id of Object.values(pod.containerIds)) {
      for (const pid of containerPids(id)) {
        try {
          process.kill(pid, 'SIGKILL');
          killed++;
        } catch {
          // Already gone.
        }
      }
    }
    if (killed === 0) throw new Error(`no process found for the containers of ${name}`);
    return killed;
  }

  /**
   * SIGSTOP (or SIGCONT) to every process of one container of the pod, through its cgroup: the program
   * hangs as a process stuck on I/O would, while the pod's other containers go on. Stopping repeats
   * until no new process appears (a postmaster may fork one while its siblings are being stopped).
   * Returns how many processes were signalled.
   */
  async signalContainer(namespace: string, name: string, container: string, signal: 'SIGSTOP' | 'SIGCONT'): Promise<number> {
    const pod = await this.pod(namespace, name);
    const id = pod?.containerIds[container];
    if (!id) throw new Error(`container ${container} of pod ${namespace}/${name} is not running`);
    const signalled = new Set<number>();
    for (let round = 0; round < 10; round++) {
      const fresh = containerPids(id).filter((pid) => !signalled.has(pid));
      if (fresh.length === 0) break;
      for (const pid of fresh) {
        try {
          process.kill(pid, signal);
        } catch {
          // Gone since the cgroup was read.
        }
        signalled.add(pid);
      }
    }
    if (signalled.size === 0) throw new Error(`no process found in container ${container} of ${name}`);
    return signalled.size;
  }

  /**
   * A signal to the processes of one container of the pod whose command line (the title PostgreSQL gives
   * each process, as `ps` shows it) matches `title`, through the container's cgroup: one process of a
   * program hangs (SIGSTOP) or resumes (SIGCONT) while the rest goes on. Returns the pids signalled.
   */
  async signalProcesses(namespace: string, name: string, container: string, title: RegExp, signal: 'SIGSTOP' | 'SIGCONT'): Promise<number[]> {
    const pod = await this.pod(namespace, name);
    const id = pod?.containerIds[container];
    if (!id) throw new Error(`container ${container} of pod ${namespace}/${name} is not running`);
    const matching = containerPids(id).filter((pid) => title.test(commandLine(pid)));
    if (matching.length === 0) throw new Error(`no process of container ${container} of ${name} matches ${title}`);
    for (const pid of matching) process.kill(pid, signal);
    return matching;
  }

  /**
   * Makes one process of a container the kernel's OOM killer's first choice in the container's memory
   * cgroup, by `oom_score_adj` (the kernel picks the highest resident size plus adj/1000 of the limit):
   * 1000 for the process whose command line matches `title`, 0 for every other one. The kubelet gives
   * every process of a Burstable container the same value (987 here), so the biggest one would be picked,
   * and after it the smallest next to the limit, the container's main process. Returns the chosen
   * process's pid on the host and the value the kubelet had given it, for restoreOomScores().
   */
  async steerOomKiller(namespace: string, name: string, container: string, title: RegExp): Promise<{ pid: number; others: number; kubelet: number }> {
    const pids = containerPids(await this.containerId(namespace, name, container));
    const chosen = pids.filter((pid) => title.test(commandLine(pid)));
    if (chosen.length !== 1) throw new Error(`${chosen.length} processes of container ${container} of ${name} match ${title}`);
    const [pid] = chosen;
    const kubelet = Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'));
    writeFileSync(`/proc/${pid}/oom_score_adj`, '1000');
    const others = pids.filter((p) => p !== pid && setOomScore(p, 0));
    return { pid, others: others.length, kubelet };
  }

  /** Every process of the container back at the kubelet's `oom_score_adj`. Returns how many were set. */
  async restoreOomScores(namespace: string, name: string, container: string, kubelet: number): Promise<number> {
    return containerPids(await this.containerId(namespace, name, container)).filter((pid) => setOomScore(pid, kubelet)).length;
  }

  private async containerId(namespace: string, name: string, container: string): Promise<string> {
    const id = (await this.pod(namespace, name))?.containerIds[container];
    if (!id) throw new Error(`container ${container} of pod ${namespace}/${name} is not running`);
    return id;
  }

  /**
   * SIGKILL to every process of one container of the pod (a crash of that program alone; the pod's
   * other containers go on). Returns the containerd id of the container killed, or undefined when it
   * is not running (between restarts).
   */
  killContainer(pod: PodView, container: string): string | undefined {
    const id = pod.containerIds[container];
    if (!id) return undefined;
    for (const pid of containerPids(id)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    return id;
  }
}

/** The pids in a container's cgroup (pids hierarchy), wherever the kubelet of its node put it. */
export function containerPids(containerId: string): number[] {
  for (let i = 1; i <= 3; i++) {
    const dir = findDir(join('/sys/fs/cgroup/pids', nodePlan(i).cgroupRoot), containerId, 4);
    if (dir) return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  }
  return [];
}

/** A process's command line with its NULs as spaces; '' once it is gone. */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Sets a process's oom_score_adj; false when it is gone. */
function setOomScore(pid: number, score: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(score));
    return true;
  } catch {
    return false;
  }
}

function findDir(root: string, name: string, depth: number): string | undefined {
  if (!existsSync(root) || depth < 0) return undefined;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (entry.name === name) return join(root, entry.name);
    const found = findDir(join(root, entry.name), name, depth - 1);
    if (found) return found;
  }
  return undefined;
}

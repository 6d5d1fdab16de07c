/**
 * The kubelet stand-in: runs every pod of the API on this machine (one node; the scheduler's choice is
 * trivial), one PodWorker per pod incarnation, and offers the fault injections a scenario needs.
 */
import { POD } from './api-objects';
import type { Pod, WatchEvent } from './kube';
import { PodWorker, type NodeServices } from './pod-worker';

export class Kubelet {
  private readonly workers = new Map<string, PodWorker>();
  private readonly teardowns = new Map<string, Promise<void>>();
  private readonly unwatch: () => void;

  constructor(private readonly node: NodeServices) {
    this.unwatch = node.store.watch((event) => this.onEvent(event));
    for (const pod of node.store.list(POD, '').items) this.onPod(pod as Pod);
  }

  /** The running incarnation of a pod. */
  worker(pod: string, namespace?: string): PodWorker {
    const found = [...this.workers.entries()].find(([key]) => key.endsWith(`/${pod}`) && (!namespace || key === `${namespace}/${pod}`));
    if (!found) throw new Error(`pod ${pod} is not running on the harness's node`);
    return found[1];
  }

  /** SIGKILL to every process of every container of the pod; the containers are then restarted. */
  killPod(pod: string): void {
    for (const container of this.worker(pod).containers) container.killAll();
  }

  killContainer(pod: string, container: string): void {
    this.container(pod, container).killAll();
  }

  /** Signals the processes of the pod whose command line matches; returns their host pids. */
  signalProcesses(pod: string, pattern: RegExp, signal: NodeJS.Signals = 'SIGKILL'): number[] {
    return this.worker(pod).containers.flatMap((container) => container.signalMatching(pattern, signal));
  }

  /** The host pids of a container's processes (for resource measurements). */
  pids(pod: string, container: string): number[] {
    return this.container(pod, container).pids();
  }

  /** Stops every pod at once, without grace: the harness is going away. */
  async stop(): Promise<void> {
    this.unwatch();
    await Promise.all([...this.workers.values()].map((worker) => worker.kill()));
    await Promise.all(this.teardowns.values());
  }

  private container(pod: string, name: string) {
    const found = this.worker(pod).containers.find((c) => c.name === name);
    if (!found) throw new Error(`pod ${pod} has no running container ${name}`);
    return found;
  }

  private onEvent(event: WatchEvent): void {
    if (event.object.apiVersion !== POD.apiVersion || event.object.kind !== POD.kind) return;
    const pod = event.object as unknown as Pod;
    if (event.type !== 'DELETED') {
      this.onPod(pod);
      return;
    }
    const key = keyOf(pod);
    const worker = this.workers.get(key);
    if (worker && worker.uid === pod.metadata?.uid) this.retire(key, worker);
  }

  private onPod(pod: Pod): void {
    const key = keyOf(pod);
    const worker = this.workers.get(key);
    if (worker && worker.uid === pod.metadata?.uid) {
      worker.update(pod);
      return;
    }
    if (worker) this.retire(key, worker);
    const gone = this.teardowns.get(key) ?? Promise.resolve();
    const started = new PodWorker(this.node, pod, gone);
    this.workers.set(key, started);
    if (pod.metadata?.deletionTimestamp) started.update(pod);
  }

  private retire(key: string, worker: PodWorker): void {
    this.workers.delete(key);
    const teardown = worker.kill().finally(() => {
      if (this.teardowns.get(key) === teardown) this.teardowns.delete(key);
    });
    this.teardowns.set(key, teardown);
  }
}

function keyOf(pod: Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/**
 * Where the harness keeps its files. `cluster/` holds everything a running cluster needs (pod folders,
 * claim folders, launch scripts, the API server's certificates) and is removed on stop; `logs/` keeps
 * the container and harness logs of the last run of each scenario for reading after a failure.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_WORK_ROOT = join(__dirname, '..', '.work');

export class WorkDirs {
  constructor(readonly root: string, readonly logLabel: string) {}

  get cluster(): string {
    return join(this.root, 'cluster');
  }

  get certificates(): string {
    return join(this.cluster, 'certificates');
  }

  /**
   * Holds the pid of the harness using this machine's network (see run-lock.ts). Machine-wide, not in
   * the checkout: the bridge, addresses and namespace names are the machine's, so two checkouts (a CI
   * clone, a benchmark's copy) must not run at once either.
   */
  get runLock(): string {
    return join(tmpdir(), 'cdk8s-postgres-ha-e2e.pid');
  }

  /** The record of mount points the kubelet created on the host, read by the next run's cleanup. */
  get mountPointRecord(): string {
    return join(this.root, 'created-mount-points.json');
  }

  /** One folder per pod incarnation: emptyDirs and ConfigMap copies die with it. */
  pod(name: string, uid: string): string {
    return join(this.cluster, 'pods', `${name}-${uid}`);
  }

  /** The "persistent volume" bound to a claim; it outlives every pod that mounts it. */
  claim(namespace: string, claim: string): string {
    return join(this.cluster, 'claims', namespace, claim);
  }

  get logs(): string {
    return join(this.root, 'logs', this.logLabel);
  }

  containerLog(pod: string, container: string): string {
    return join(this.logs, `${pod}.${container}.log`);
  }
}

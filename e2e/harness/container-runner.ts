/**
 * One container of a pod over its whole life: start it as the kubelet would (environment, mounts,
 * user, image substitute), probe it, restart it per restartPolicy with the crash-loop back-off, stop
 * it gracefully, and report its ContainerStatus.
 */
import { statSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { RestartBackoff } from './backoff';
import { ContainerProbes } from './container-probes';
import { ContainerProcess, tryKill } from './container-process';
import { containerEnv, ContainerConfigError, expand, type EnvSources } from './env';
import { imageSubstitute } from './images';
import type { Container, ContainerStatus, Pod } from './kube';
import { launchScript } from './launch-script';
import type { Logger } from './logger';
import { mountPlan } from './mount-plan';
import { untilNextRelist } from './pleg';
import type { MountPoints } from './mount-points';
import { processIdentity, type IdMapping } from './security';
import { Interruptible } from '../support/sleep';

export interface ContainerContext {
  /** The pod as last seen in the API (fieldRefs read it at each start). */
  pod(): Pod;
  readonly container: Container;
  readonly netns: string;
  readonly podAddress: string;
  readonly podDir: string;
  readonly volumeDirs: ReadonlyMap<string, string>;
  readonly sources: EnvSources;
  readonly serviceEnv: Record<string, string>;
  readonly ids: IdMapping;
  readonly mountPoints: MountPoints;
  readonly logger: Logger;
  /** When the kubelet's relist loop started (see pleg.ts). */
  readonly relistEpoch: number;
  /** Called whenever the container's status changed. */
  changed(): void;
}

/** How long the kubelet waits before retrying a container whose spec cannot be satisfied yet. */
const CONFIG_RETRY_MS = 1000;

type State = NonNullable<ContainerStatus['state']>;

export class ContainerRunner {
  private process?: ContainerProcess;
  private probes?: ContainerProbes;
  private state: State = { waiting: { reason: 'ContainerCreating' } };
  private lastState?: State;
  private restartCount = 0;
  private started = false;
  private readinessOk = false;
  private everRan = false;
  /** The current incarnation is being stopped by the kubelet itself, which then knows of its exit at once. */
  private killedByKubelet = false;
  private readonly sleeps = new Interruptible();
  private readonly backoff = new RestartBackoff();
  private readonly done: Promise<void>;

  constructor(private readonly ctx: ContainerContext) {
    this.done = this.run();
  }

  get name(): string {
    return this.ctx.container.name;
  }

  get hasRun(): boolean {
    return this.everRan;
  }

  get ready(): boolean {
    return this.process !== undefined && this.started && this.readinessOk;
  }

  status(): ContainerStatus {
    const { container } = this.ctx;
    return {
      name: container.name,
      image: container.image ?? '',
      imageID: '',
      containerID: `harness://${this.ctx.pod().metadata?.uid}/${container.name}/${this.restartCount}`,
      ready: this.ready,
      started: this.process !== undefined && this.started,
      restartCount: this.restartCount,
      state: this.state,
      ...(this.lastState ? { lastState: this.lastState } : {}),
    };
  }

  /**
   * Stops the container for good: SIGTERM to its main process, SIGKILL to everything left after the
   * grace period. No restart follows.
   */
  async stop(graceMs: number): Promise<void> {
    this.sleeps.interrupt();
    await this.terminateProcess(graceMs);
    await this.done;
  }

  /** SIGKILL to every process of the container; the kubelet then restarts it as after a crash. */
  killAll(): void {
    this.process?.killEverything();
  }

  pids(): number[] {
    return this.process?.pids() ?? [];
  }

  /** Signals the container's processes whose command line matches (e.g. only the postmaster). */
  signalMatching(pattern: RegExp, signal: NodeJS.Signals): number[] {
    const matching = this.process?.pidsMatching(pattern) ?? [];
    for (const pid of matching) tryKill(pid, signal);
    return matching;
  }

  private async run(): Promise<void> {
    const restartPolicy = this.ctx.pod().spec?.restartPolicy ?? 'Always';
    while (!this.sleeps.interrupted) {
      const process = this.launch();
      if (!process) {
        await this.sleeps.sleep(CONFIG_RETRY_MS);
        continue;
      }
      const exit = await process.exited;
      const finishedAt = Date.now();
      if (!this.killedByKubelet) await this.sleeps.sleep(untilNextRelist(this.ctx.relistEpoch, finishedAt));
      this.killedByKubelet = false;
      this.probes?.stop();
      this.process = undefined;
      this.state = {
        terminated: {
          exitCode: exit.exitCode,
          ...(exit.signal ? { signal: constants.signals[exit.signal] } : {}),
          reason: exit.exitCode === 0 ? 'Completed' : 'Error',
          startedAt: new Date(process.startedAt).toISOString(),
          finishedAt: new Date(finishedAt).toISOString(),
        },
      };
      this.ctx.logger.event('kubelet', `${this.where()}: exited with ${exit.exitCode}${exit.signal ? ` (${exit.signal})` : ''}`);
      this.ctx.changed();
      if (this.sleeps.interrupted) return;
      if (restartPolicy === 'Never' || (restartPolicy === 'OnFailure' && exit.exitCode === 0)) return;
      const wait = this.backoff.next(process.startedAt, finishedAt);
      this.lastState = this.state;
      if (wait > 0) {
        this.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${wait / 1000}s restarting failed container=${this.name} pod=${this.ctx.pod().metadata?.name}` } };
        this.ctx.logger.event('kubelet', `${this.where()}: back-off ${wait / 1000}s before restart`);
        this.ctx.changed();
      }
      await this.sleeps.sleep(wait);
      if (!this.sleeps.interrupted) this.restartCount++;
    }
  }

  /** Starts one incarnation; undefined (and a waiting reason) when its spec cannot be satisfied yet. */
  private launch(): ContainerProcess | undefined {
    const { container } = this.ctx;
    const pod = this.ctx.pod();
    try {
      const kubeEnv = containerEnv(container, pod, this.ctx.sources, this.ctx.serviceEnv);
      const env = { ...imageSubstitute(container.image ?? '').env, HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? '', ...kubeEnv };
      if (!container.command) throw new ContainerConfigError('the e2e harness cannot run an image entrypoint: render a command');
      const argv = [...container.command, ...(container.args ?? [])].map((word) => expand(word, (name) => kubeEnv[name]));
      const mounts = mountPlan(container, this.ctx.volumeDirs);
      for (const mount of mounts) this.ctx.mountPoints.ensure(mount.target, statSync(mount.source).isFile());
      const identity = processIdentity(pod.spec ?? { containers: [] }, container, this.ctx.ids);
      const script = join(this.ctx.podDir, `launch-${container.name}.sh`);
      writeFileSync(script, launchScript({ mounts, identity, hostname: pod.spec?.hostname ?? pod.metadata?.name ?? '', workingDir: container.workingDir ?? '/', argv }), { mode: 0o700 });
      const process = new ContainerProcess(this.ctx.netns, script, env);
      for (const stream of process.output) this.ctx.logger.followContainer(pod.metadata?.name ?? '', container.name, stream);
      for (const stream of process.runtimeOutput) this.ctx.logger.followRuntime(pod.metadata?.name ?? '', container.name, stream);
      this.process = process;
      this.started = false;
      this.readinessOk = false;
      this.everRan = true;
      this.state = { running: { startedAt: new Date(process.startedAt).toISOString() } };
      this.probes = new ContainerProbes(container, process.startedAt, { podAddress: this.ctx.podAddress, container, exec: (cmd, ms) => process.exec(cmd, identity, env, ms) }, {
        started: () => this.update(() => (this.started = true)),
        readiness: (ready) => this.update(() => (this.readinessOk = ready)),
        failed: (kind) => {
          this.ctx.logger.event('kubelet', `${this.where()}: ${kind} probe failed, restarting the container`);
          void this.terminateProcess(gracePeriodMs(pod));
        },
      });
      this.ctx.logger.event('kubelet', `${this.where()}: started (restart ${this.restartCount})`);
      this.ctx.changed();
      return process;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const reason = error instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError';
      if (this.state.waiting?.message !== message) this.ctx.logger.event('kubelet', `${this.where()}: ${reason}: ${message}`);
      this.state = { waiting: { reason, message } };
      this.ctx.changed();
      return undefined;
    }
  }

  private async terminateProcess(graceMs: number): Promise<void> {
    const process = this.process;
    if (!process) return;
    this.killedByKubelet = true;
    process.signal('SIGTERM');
    const timer = setTimeout(() => process.kill(), graceMs);
    await process.exited;
    clearTimeout(timer);
  }

  private update(change: () => void): void {
    change();
    this.ctx.changed();
  }

  private where(): string {
    return `${this.ctx.pod().metadata?.name}/${this.name}`;
  }
}

export function gracePeriodMs(pod: Pod): number {
  return (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
}

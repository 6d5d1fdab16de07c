/**
 * One incarnation of a container as host processes:
 *
 *   ip netns exec <pod netns>                         the pod's network, hosts file and resolv.conf
 *     unshare --pid --fork --kill-child --mount --uts  a container's own PID, mount and UTS namespaces
 *       sh <launch script>                             PID 1: bind-mounts the volumes, drops to the user,
 *         exec <rendered command>                      and becomes the container's main process
 *
 * The container's stdout and stderr are file descriptors 3 and 4 until the launch script moves them
 * to 1 and 2, so what ip and unshare print themselves stays out of the container's log.
 *
 * As in a container, the main process is PID 1 of its namespace: signals it has no handler for are
 * ignored, and when it exits the kernel kills everything else in the container. `unshare` stays
 * behind as the parent; the kubelet signals PID 1 directly, never unshare.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { ProcessIdentity } from './security';

export interface ContainerExit {
  /** As Kubernetes reports it: the exit status, or 128 + signal number. */
  readonly exitCode: number;
  readonly signal?: NodeJS.Signals;
}

export class ContainerProcess {
  readonly startedAt = Date.now();
  readonly exited: Promise<ContainerExit>;
  private readonly child: ChildProcess;
  /** We sent SIGKILL: unshare cannot re-raise it and exits 1, so the exit is reported as 137 here. */
  private sigkilled = false;

  constructor(netns: string, scriptPath: string, env: Record<string, string>) {
    this.child = spawn('/usr/sbin/ip', [
      'netns', 'exec', netns,
      '/usr/bin/unshare', '--pid', '--fork', '--kill-child', '--mount-proc', '--mount', '--propagation', 'private', '--uts',
      '--', '/bin/sh', scriptPath,
    ], { env, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    this.exited = new Promise((resolve) => {
      this.child.once('error', () => resolve({ exitCode: 128 }));
      this.child.once('exit', (code, signal) => resolve(exitOf(code, signal, this.sigkilled)));
    });
  }

  /** The container's stdout and stderr. */
  get output(): readonly Readable[] {
    return [this.child.stdio[3], this.child.stdio[4]] as Readable[];
  }

  /** What ip, unshare and the launch script's own failures print. */
  get runtimeOutput(): readonly Readable[] {
    return [this.child.stdout, this.child.stderr].filter((stream): stream is Readable => stream !== null);
  }

  /** The container's PID 1 as the host sees it, once unshare has forked it. */
  initPid(): number | undefined {
    const parent = this.child.pid;
    if (parent === undefined) return undefined;
    try {
      const children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim();
      return children ? Number(children.split(/\s+/)[0]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Sends a signal to the main process (SIGTERM on stop), which may ignore it as a real PID 1 may. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.initPid();
    if (pid !== undefined) tryKill(pid, signal);
  }

  /** SIGKILL to PID 1 takes the whole PID namespace with it; unshare goes too, in case PID 1 is not forked yet. */
  kill(): void {
    this.sigkilled = true;
    const pid = this.initPid();
    if (pid !== undefined) tryKill(pid, 'SIGKILL');
    if (this.child.pid !== undefined) tryKill(this.child.pid, 'SIGKILL');
  }

  /** SIGKILL to every process of the container at once, as a fault (an OOM kill, a node crash) would. */
  killEverything(): void {
    this.sigkilled = true;
    for (const pid of this.pids()) tryKill(pid, 'SIGKILL');
  }

  /** The container's processes whose command line matches, as host pids. */
  pidsMatching(pattern: RegExp): number[] {
    return this.pids().filter((pid) => pattern.test(commandLine(pid)));
  }

  /**
   * Runs a command inside the container (its namespaces, user and environment), as `kubectl exec` or
   * an exec probe does; resolves to its exit status.
   */
  exec(argv: readonly string[], identity: ProcessIdentity, env: Record<string, string>, timeoutMs: number): Promise<number> {
    const pid = this.initPid();
    if (pid === undefined) return Promise.resolve(126);
    const setpriv = ['/usr/bin/setpriv', `--reuid=${identity.uid}`, `--regid=${identity.gid}`, `--groups=${identity.groups.join(',')}`, '--'];
    return new Promise((resolve) => {
      const child = spawn('/usr/bin/nsenter', ['--target', String(pid), '--net', '--mount', '--uts', '--pid', '--', ...setpriv, ...argv], { env, stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', () => resolve(126));
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code ?? 137);
      });
    });
  }

  /** Every process of this container (its PID namespace), as host pids. */
  pids(): number[] {
    const init = this.initPid();
    if (init === undefined) return [];
    const namespace = pidNamespace(init);
    if (namespace === undefined) return [];
    return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => pidNamespace(pid) === namespace);
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

export function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * unshare re-raises the signal that killed PID 1, except SIGKILL, for which it exits with 1; a kill
 * the harness sent is reported as Kubernetes does, 137.
 */
function exitOf(code: number | null, signal: NodeJS.Signals | null, sigkilled: boolean): ContainerExit {
  if (signal) return { exitCode: 128 + constants.signals[signal], signal };
  if (sigkilled && code === 1) return { exitCode: 137, signal: 'SIGKILL' };
  return { exitCode: code ?? 0 };
}

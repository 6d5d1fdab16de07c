/**
 * The faults of issue 5, each as what an operator (or bad luck) does to a running cluster, injected
 * through the harness's fault helpers. A fault returns once its own actions are over — for the ones that
 * are undone (a partition healed, the API back) that includes undoing them — and says how to tell that
 * the pod it hit is back, from which the rejoin time is measured.
 */
import { readFileSync } from 'node:fs';
import type { Pod } from '../e2e/harness/kube';
import type { LocalCluster } from '../e2e/harness/cluster';
import { delay } from '../e2e/support/sleep';
import { allContainersRunning, restartCount, SWITCHOVER_ANNOTATION, type ClusterView, type Healthy, type LeaseSettings } from './cluster-view';
import type { ServiceWriter } from '../e2e/load/writer';
import { now } from '../e2e/load/write-log';

export interface FaultContext {
  readonly cluster: LocalCluster;
  readonly view: ClusterView;
  /** The healthy cluster the fault hits. */
  readonly before: Healthy;
  /** The pod the fault hits: the primary, or for standby faults the chosen standby. */
  readonly victim: string;
  /** For a switchover: the standby to hand over to. */
  readonly target: string;
  readonly lease: LeaseSettings;
  readonly writer: ServiceWriter;
  /** Adds a line to the trial's notes (what happened beyond the numbers). */
  note(line: string): void;
}

export interface FaultEffect {
  /** When the victim was back, known by the fault itself (partition healed, API filter lifted). */
  readonly backAt?: number;
  /** Otherwise: whether the victim is back now (its pod restarted or recreated, its postmaster running). */
  readonly isBack?: () => boolean;
}

export interface Fault {
  /** Used by --only and in file names. */
  readonly key: string;
  /** The scenario number. */
  readonly number: number;
  readonly title: string;
  readonly victimRole: 'primary' | 'standby';
  /**
   * How the victim comes back, for the rejoin measurement: `returns` (it leaves and comes back as a
   * standby), `handover` (a switchover: it is back the moment the new primary takes writes), or `stays`
   * (it stays primary; no rejoin).
   */
  readonly rejoin: 'returns' | 'handover' | 'stays';
  /** How the timelines mark the moment the fault is over. @default '<victim> back' */
  readonly backMark?: string;
  inject(ctx: FaultContext): Promise<FaultEffect>;
}

/** How long a fault that waits for the failover gives it before undoing itself anyway. */
const FAILOVER_WAIT_MS = 60_000;
/** Matches every process of a pod (every command line, even an empty one). */
const EVERY_PROCESS = /(?:)/;
/** The postmaster's command line as agent/supervisor.sh starts it (its children are `postgres: …`). */
const POSTMASTER = /^postgres -D /;

export const GRACEFUL_DELETE: Fault = {
  key: 'graceful-delete',
  number: 1,
  title: 'graceful delete of the primary pod',
  victimRole: 'primary',
  rejoin: 'returns',
  async inject({ cluster, view, victim }) {
    const uid = view.pod(victim)?.metadata?.uid;
    cluster.deletePod(view.namespace, victim);
    return {
      isBack: () => {
        const pod = view.pod(victim);
        return pod !== undefined && pod.metadata?.uid !== uid && !pod.metadata?.deletionTimestamp && allContainersRunning(pod);
      },
    };
  },
};

function killEveryProcess(key: string, number: number, title: string, victimRole: 'primary' | 'standby'): Fault {
  return {
    key,
    number,
    title,
    victimRole,
    rejoin: 'returns',
    async inject({ cluster, view, victim }) {
      const before = view.pod(victim);
      cluster.kubelet.killPod(victim);
      return { isBack: () => restarted(view.pod(victim), before, (before?.spec?.containers ?? []).map((c) => c.name)) };
    },
  };
}

export const KILL_PRIMARY_POD = killEveryProcess('kill-primary-pod', 2, 'SIGKILL of every process of the primary pod', 'primary');

/**
 * The primary goes silent: its network is cut and every process of the pod is frozen (SIGSTOP), so
 * nobody gets a refusal — the lease path. After the failover the processes are resumed (SIGCONT) while
 * still cut off, given a second, and only then is the network healed. In that order because a frozen
 * process that resumes still believes it is primary until it next looks at the clock: the supervisor
 * fences PostgreSQL within its 100 ms poll once it runs again, and this second lets it do so before any
 * client can reach it. Healing first would measure how fast a thawed process notices, not failover.
 */
export const PRIMARY_SILENT: Fault = {
  key: 'primary-silent',
  number: 3,
  title: 'the primary goes silent (network cut + processes frozen)',
  victimRole: 'primary',
  rejoin: 'returns',
  backMark: 'network healed',
  async inject({ cluster, victim, writer, note }) {
    await cluster.network.isolate(victim);
    cluster.kubelet.signalProcesses(victim, EVERY_PROCESS, 'SIGSTOP');
    try {
      await writer.waitForAck((w) => w.pod !== victim, FAILOVER_WAIT_MS, 'a write on another member');
    } catch (error) {
      note(`no failover: ${(error as Error).message}`);
    } finally {
      cluster.kubelet.signalProcesses(victim, EVERY_PROCESS, 'SIGCONT');
      await delay(1000);
      await cluster.network.heal(victim);
    }
    return { backAt: now() };
  },
};

/** The primary loses the API server (its requests hang) but clients still reach it. */
export const PRIMARY_API_CUT: Fault = {
  key: 'primary-api-cut',
  number: 4,
  title: 'the primary cut off from the API server only',
  victimRole: 'primary',
  rejoin: 'returns',
  backMark: 'API reachable again',
  async inject({ cluster, view, victim, writer, note }) {
    const address = cluster.podAddress(view.namespace, victim);
    cluster.api.setClientFilter((client) => (client === address ? 'hang' : 'serve'));
    try {
      await writer.waitForAck((w) => w.pod !== victim, FAILOVER_WAIT_MS, 'a write on another member');
    } catch (error) {
      note(`no failover: ${(error as Error).message}`);
    } finally {
      cluster.api.setClientFilter(null);
    }
    return { backAt: now() };
  },
};

/** Every agent loses the API server for twice the lease duration. */
export const API_DOWN: Fault = {
  key: 'api-down',
  number: 5,
  title: 'API server unreachable for everyone for 2 × lease duration',
  victimRole: 'primary',
  rejoin: 'stays',
  backMark: 'API server back',
  async inject({ cluster, lease }) {
    cluster.api.setAvailable(false);
    try {
      await delay(2 * lease.durationMs);
    } finally {
      cluster.api.setAvailable(true);
    }
    return {};
  },
};

export const KILL_PRIMARY_AGENT: Fault = {
  key: 'kill-primary-agent',
  number: 6,
  title: "SIGKILL of the primary's agent container only",
  victimRole: 'primary',
  rejoin: 'stays',
  backMark: 'agent restarted',
  async inject({ cluster, view, victim }) {
    const before = view.pod(victim);
    cluster.kubelet.killContainer(victim, 'agent');
    return { isBack: () => restarted(view.pod(victim), before, ['agent']) };
  },
};

export const KILL_PRIMARY_POSTMASTER: Fault = {
  key: 'kill-primary-postmaster',
  number: 7,
  title: "SIGKILL of the primary's postmaster only",
  victimRole: 'primary',
  rejoin: 'stays',
  backMark: 'postmaster restarted',
  async inject({ cluster, victim }) {
    const killed = cluster.kubelet.signalProcesses(victim, POSTMASTER, 'SIGKILL');
    if (killed.length !== 1) throw new Error(`expected one postmaster in ${victim}, signalled ${killed.length}`);
    return { isBack: () => cluster.kubelet.pids(victim, 'postgres').some((pid) => !killed.includes(pid) && POSTMASTER.test(commandLine(pid))) };
  },
};

/** `kubectl annotate lease <name>-leader cdk8s-postgres-ha/switchover-to=<standby>`. */
export const SWITCHOVER: Fault = {
  key: 'switchover',
  number: 8,
  title: 'planned switchover (Lease annotation)',
  victimRole: 'primary',
  rejoin: 'handover',
  async inject({ view, target }) {
    view.annotateLease({ [SWITCHOVER_ANNOTATION]: target });
    return {};
  },
};

export const KILL_STANDBY_POD = killEveryProcess('kill-standby-pod', 9, 'SIGKILL of every process of a standby pod', 'standby');

/** The pod is the same incarnation, and each named container restarted since `before` and runs. */
function restarted(pod: Pod | undefined, before: Pod | undefined, containers: readonly string[]): boolean {
  return pod !== undefined && pod.metadata?.uid === before?.metadata?.uid && allContainersRunning(pod)
    && containers.every((name) => restartCount(pod, name) > restartCount(before, name));
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

export const FAULTS: readonly Fault[] = [
  GRACEFUL_DELETE,
  KILL_PRIMARY_POD,
  PRIMARY_SILENT,
  PRIMARY_API_CUT,
  API_DOWN,
  KILL_PRIMARY_AGENT,
  KILL_PRIMARY_POSTMASTER,
  SWITCHOVER,
  KILL_STANDBY_POD,
];

/**
 * The faults where nobody gets a refusal, on the real cluster: a pod whose network is cut (packets
 * dropped in its own network namespace, so connections hang as across a broken switch), a pod cut off
 * from the API server only, the primary and a standby cut from each other only, the API server itself
 * frozen, a primary's PostgreSQL or agent frozen (SIGSTOP through the container's cgroup, as a
 * process stuck on I/O), and the primary's whole node lost (e2e/k8s/node-fault.ts). Each is undone by
 * the fault once another member leads, or after a bound: a fault
 * that never heals measures nothing but the bound.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE } from '../../e2e/cluster/plan';
import { ROLE_LABEL } from '../../e2e/k8s/database';
import type { KubeCluster, PodView } from '../../e2e/k8s/kube-cluster';
import { bringNodeBack, loseNode } from '../../e2e/k8s/node-fault';
import { cutPods, isolateFrom, podPid, podRules } from '../../e2e/k8s/pod-firewall';
import type { K8sFault } from './faults';

/** How long a fault waits for another member to lead before it undoes itself anyway. */
const FAILOVER_WAIT_MS = 60_000;
/** The API server's address as pods dial it: the `kubernetes` Service (kube-proxy DNATs it on the node). */
const API_SERVICE = '10.211.0.1';
/** The charts' lease duration (the examples keep the library's default, 10 s). */
const LEASE_DURATION_MS = 10_000;

/**
 * How long the primary and a standby stay cut from each other: past wal_sender_timeout (10 s as rendered),
 * so the primary's walsender ends, the quorum shrinks to the other standby and grows back after the heal.
 */
const MEMBER_PARTITION_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every packet in or out of the pod except on loopback: its connections hang, nothing is refused. */
const CUT_ALL = [['INPUT', '!', '-i', 'lo', '-j', 'DROP'], ['OUTPUT', '!', '-o', 'lo', '-j', 'DROP']] as const;
/** Only what goes to the API server. */
const CUT_API = [['OUTPUT', '-d', API_SERVICE, '-j', 'DROP']] as const;

/** Waits until a pod other than `primary` carries the primary label (or the bound passes). */
export async function waitForOtherLeader(cluster: KubeCluster, namespace: string, name: string, primary: string): Promise<boolean> {
  const deadline = Date.now() + FAILOVER_WAIT_MS;
  while (Date.now() < deadline) {
    const pods = await cluster.pods(namespace, `app.kubernetes.io/instance=${name}`).catch(() => []);
    if (pods.some((p) => p.name !== primary && p.labels[ROLE_LABEL] === 'primary')) return true;
    await sleep(200);
  }
  return false;
}

const sameIncarnation = (before: PodView, now: PodView) => now.uid === before.uid;

/** One container of the primary frozen until another member leads (or the bound), then resumed. */
function frozenContainer(key: string, title: string, container: 'postgres' | 'agent'): K8sFault {
  return {
    key,
    title,
    rejoins: true,
    moves: true,
    inject: async (cluster, namespace, name, primary) => {
      await cluster.signalContainer(namespace, primary.name, container, 'SIGSTOP');
      try {
        await waitForOtherLeader(cluster, namespace, name, primary.name);
      } finally {
        await cluster.signalContainer(namespace, primary.name, container, 'SIGCONT').catch(() => 0);
      }
    },
    isBack: sameIncarnation,
  };
}

export const SILENT_FAULTS: readonly K8sFault[] = [
  {
    key: 'primary-silent',
    title: 'the primary goes silent: its network cut and every process frozen',
    rejoins: true,
    moves: true,
    inject: async (cluster, namespace, name, primary) => {
      const pid = podPid(primary);
      await podRules(pid, '-I', CUT_ALL);
      try {
        await cluster.signalContainer(namespace, primary.name, 'agent', 'SIGSTOP');
        await cluster.signalContainer(namespace, primary.name, 'postgres', 'SIGSTOP');
        await waitForOtherLeader(cluster, namespace, name, primary.name);
      } finally {
        // Resumed while still cut off, given a second, then healed: a thawed process believes it leads
        // until it next reads the clock, and the supervisor fences within its 100 ms poll. Healing first
        // would measure how fast a thawed process notices, not the failover.
        await cluster.signalContainer(namespace, primary.name, 'postgres', 'SIGCONT').catch(() => 0);
        await cluster.signalContainer(namespace, primary.name, 'agent', 'SIGCONT').catch(() => 0);
        await sleep(1000);
        await podRules(pid, '-D', CUT_ALL);
      }
    },
    isBack: sameIncarnation,
  },
  {
    key: 'primary-api-cut',
    title: 'the primary cut off from the API server only (clients still reach it)',
    rejoins: true,
    moves: true,
    inject: async (cluster, namespace, name, primary) => {
      const pid = podPid(primary);
      await podRules(pid, '-I', CUT_API);
      try {
        await waitForOtherLeader(cluster, namespace, name, primary.name);
      } finally {
        await podRules(pid, '-D', CUT_API);
      }
    },
    isBack: sameIncarnation,
  },
  {
    key: 'api-frozen',
    title: 'the API server frozen (SIGSTOP) for 2 × the lease duration: every agent loses it at once',
    rejoins: false,
    moves: false,
    inject: async () => {
      const pid = Number(readFileSync(join(STATE.run, 'kube-apiserver.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGSTOP');
      try {
        await sleep(2 * LEASE_DURATION_MS);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    },
    isBack: () => true,
  },
  {
    key: 'member-partition',
    title: 'the primary and a standby cut from each other, both ways (DROP of the peer\'s address in both namespaces), both still reaching the API server, for 15 s',
    victim: 'standby',
    rejoins: false,
    moves: false,
    inject: async (cluster, namespace, _name, primary, target) => {
      const standby = await cluster.pod(namespace, target);
      if (!standby?.ip || !primary.ip) throw new Error(`no address for ${primary.name} or ${target}`);
      const heal = await cutPods(cluster, namespace, [
        { pod: primary.name, rules: isolateFrom(standby.ip) },
        { pod: target, rules: isolateFrom(primary.ip) },
      ]);
      try {
        await sleep(MEMBER_PARTITION_MS);
      } finally {
        await heal();
      }
    },
    isBack: () => true,
  },
  frozenContainer('hung-postgres', "the primary's PostgreSQL frozen (SIGSTOP of the postgres container) while its agent runs", 'postgres'),
  frozenContainer('hung-agent', "the primary's agent frozen (SIGSTOP of the agent container) while PostgreSQL runs", 'agent'),
  {
    key: 'node-lost',
    title: "the primary's node loses power (kubelet, containerd and its pods SIGKILLed, its pod network silent), back as after a reboot once another member leads",
    rejoins: true,
    moves: true,
    inject: async (cluster, namespace, name, primary) => {
      const others = (await cluster.pods(namespace, `app.kubernetes.io/instance=${name}`)).filter((p) => p.name !== primary.name);
      if (!primary.node || others.some((p) => p.node === primary.node)) {
        throw new Error(`node-lost needs every member on its own node (a three-node cluster, PGHA_E2E_NODES=3); ${primary.name} shares ${primary.node} with ${others.filter((p) => p.node === primary.node).map((p) => p.name).join(', ')}`);
      }
      await loseNode(primary.node);
      try {
        await waitForOtherLeader(cluster, namespace, name, primary.name);
      } finally {
        await bringNodeBack(primary.node, () => undefined);
      }
    },
    isBack: sameIncarnation,
  },
];

/**
 * What production does to a database, as chaos faults (each also an e2e scenario, e2e/k8s/scenarios/):
 * a full data volume on the primary or a standby (volume-full), the kernel's OOM killer ending a backend
 * or the postmaster (oom-kill), a member's wall clock jumped (clock-skew), and a person's hand edits to
 * the objects the agents own (hand-edits). They run on the chaos chart (e2e/k8s/chaos-postgres.ts: real
 * small filesystems, a memory limit, libfaketime agents), which chaos.ts applies when a draw holds one.
 * Every fault here but the full primary gives no member a reason to take over: a move is a failure.
 */
import { Client } from 'pg';
import { CHAOS_VOLUMES } from '../../e2e/k8s/chaos-postgres';
import { Database, ROLE_LABEL } from '../../e2e/k8s/database';
import type { KubeCluster } from '../../e2e/k8s/kube-cluster';
import { FAKETIME_FILE } from '../../e2e/k8s/skew-postgres';
import { clientConfig } from '../../e2e/support/postgres-client';
import type { K8sFault } from './faults';
import { waitForOtherLeader } from './silent-faults';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** WAL segment switches after a small record each: a full volume meets "No space left on device" at once. */
const walBurst = (switches: number) => `do $$ begin for i in 1..${switches} loop perform pg_logical_emit_message(false, 'chaos', repeat('x', 100)); perform pg_switch_wal(); end loop; end $$`;
/** How long a standby stays full, and a clock jumped: past the lease duration (10 s), so a wrong takeover would happen. */
const HOLD_MS = 12_000;
/** Past the chaos chart's 512 MiB memory limit, under PostgreSQL's 1 GB limit on one value. */
const HOG = `select length(repeat('x', ${800 * 1024 * 1024}))`;
const POSTMASTER_TITLE = /^postgres -D /;
/** How long a hand edit may take to be repaired or refused: a few of the agents' 1 s retry periods. */
const REPAIR_MS = 30_000;
const SKEW_S = 600;
/** libfaketime re-reads /tmp/faketimerc at most 1 s after it changed (FAKETIME_CACHE_DURATION=1). */
const FAKETIME_REREAD_MS = 1500;

/** Polls `probe` until it returns true, or throws naming what did not happen. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = REPAIR_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

async function failingQuery(run: Promise<unknown>, what: string): Promise<void> {
  const outcome = await run.then(() => 'succeeded', () => 'failed');
  if (outcome === 'succeeded') throw new Error(`${what} succeeded: the memory limit did not stop it`);
}

/** Sets one agent's wall clock `offsetS` off (null: real time) and checks a process of that container sees it. */
async function setAgentClock(cluster: KubeCluster, namespace: string, pod: string, offsetS: number | null): Promise<void> {
  const exec = `kubectl exec -n ${namespace} ${pod} -c agent --`;
  await cluster.sh(`${exec} sh -c '${offsetS === null ? `rm -f ${FAKETIME_FILE}` : `echo ${offsetS >= 0 ? '+' : ''}${offsetS}s > ${FAKETIME_FILE}`}'`);
  await sleep(FAKETIME_REREAD_MS);
  const seenS = (Number(await cluster.sh(`${exec} node -e 'console.log(Date.now())'`)) - Date.now()) / 1000;
  if (Math.abs(seenS - (offsetS ?? 0)) > 5) throw new Error(`${pod}'s agent clock is ${seenS.toFixed(0)} s off, not ${offsetS ?? 0} s: libfaketime did not take the offset`);
}

/** A production fault that gives no member a reason to take over: nothing rejoins, and a move fails the run. */
function staying(key: string, title: string, inject: K8sFault['inject'], victim?: 'standby'): K8sFault {
  return { key, title, chaosChart: true, stays: true, rejoins: false, moves: false, inject, isBack: () => true, ...(victim ? { victim } : {}) };
}

export const PRODUCTION_FAULTS: readonly K8sFault[] = [
  {
    key: 'volume-full',
    title: "the primary's data volume filled from the host (fallocate), then a burst of WAL: PostgreSQL PANICs on the new segment; the filler removed once another member leads",
    chaosChart: true,
    rejoins: true,
    moves: true,
    inject: async (cluster, namespace, name, primary) => {
      const db = new Database(cluster, name, namespace);
      await CHAOS_VOLUMES.fill(cluster, primary.name);
      try {
        await db.sql(db.service(), walBurst(40)).catch(() => undefined);
        await waitForOtherLeader(cluster, namespace, name, primary.name);
      } finally {
        await CHAOS_VOLUMES.free(cluster, primary.name);
      }
    },
    isBack: (before, now) => now.uid === before.uid,
  },
  staying('volume-full-standby', "a standby's data volume filled from the host for 12 s while the primary commits a burst of WAL on the other standby's quorum", async (cluster, namespace, name, _primary, target) => {
    const db = new Database(cluster, name, namespace);
    await CHAOS_VOLUMES.fill(cluster, target);
    try {
      await db.sql(db.service(), walBurst(6));
      await sleep(HOLD_MS);
    } finally {
      await CHAOS_VOLUMES.free(cluster, target);
    }
  }, 'standby'),
  staying('oom-backend', "a query on the primary allocating 800 MB past the postgres container's 512 MiB limit: the kernel's OOM killer ends that backend, the postmaster recovers in place", async (cluster, namespace, name) => {
    const db = new Database(cluster, name, namespace);
    await failingQuery(db.sql(db.service(), HOG), HOG);
  }),
  staying('oom-postmaster', "the primary's postmaster made the OOM killer's choice from the node (oom_score_adj 1000), then the 800 MB query: the kernel kills the postmaster, the supervisor starts PostgreSQL again in place", async (cluster, namespace, name, primary) => {
    const db = new Database(cluster, name, namespace);
    // Opened before the scores are steered: a backend forked afterwards would inherit the postmaster's 1000.
    const client = new Client(clientConfig(await db.member(primary.name), await db.credentials(), 3000, 60_000));
    client.on('error', () => undefined);
    await client.connect();
    let kubelet = 0;
    try {
      const steered = await cluster.steerOomKiller(namespace, primary.name, 'postgres', POSTMASTER_TITLE);
      kubelet = steered.kubelet;
      await failingQuery(client.query(HOG), HOG);
    } finally {
      await client.end().catch(() => undefined);
      await cluster.restoreOomScores(namespace, primary.name, 'postgres', kubelet).catch(() => 0);
    }
  }),
  staying('clock-jump', "a standby's agent clock 10 min ahead and the primary's 10 min behind, then the primary's 10 min ahead (libfaketime), 12 s each, then real time again", async (cluster, namespace, _name, primary, target) => {
    try {
      await setAgentClock(cluster, namespace, target, SKEW_S);
      await setAgentClock(cluster, namespace, primary.name, -SKEW_S);
      await sleep(HOLD_MS);
      await setAgentClock(cluster, namespace, primary.name, SKEW_S);
      await sleep(HOLD_MS);
    } finally {
      await setAgentClock(cluster, namespace, primary.name, null).catch(() => undefined);
      await setAgentClock(cluster, namespace, target, null).catch(() => undefined);
    }
  }, 'standby'),
  staying('lease-deleted', 'kubectl delete lease <cluster>-leader: the primary creates it again and keeps leading', async (cluster, namespace, name, primary) => {
    const lease = `${name}-leader`;
    await cluster.sh(`kubectl delete lease -n ${namespace} ${lease}`);
    await until(`Lease ${lease} held by ${primary.name} again`, async () => (await cluster.sh(`kubectl get lease -n ${namespace} ${lease} -o jsonpath='{.spec.holderIdentity}' --ignore-not-found`)).trim() === primary.name);
  }),
  staying('role-label-flip', 'kubectl label pod <standby> role=primary --overwrite: the agents label it replica again', async (cluster, namespace, _name, _primary, target) => {
    await cluster.sh(`kubectl label pod -n ${namespace} ${target} ${ROLE_LABEL}=primary --overwrite`);
    await until(`${target} labelled replica again`, async () => (await cluster.pod(namespace, target))?.labels[ROLE_LABEL] === 'replica');
  }, 'standby'),
  staying('auth-secret-deleted', 'kubectl delete secret <cluster>-auth: the primary creates it again with the passwords the roles have', async (cluster, namespace, name) => {
    const db = new Database(cluster, name, namespace);
    const read = () => cluster.sh(`kubectl get secret -n ${namespace} ${db.authSecret} --ignore-not-found -o jsonpath='{.data.POSTGRES_PASSWORD} {.data.REPLICATION_PASSWORD}'`).then((s) => s.trim());
    const passwords = await read();
    await cluster.sh(`kubectl delete secret -n ${namespace} ${db.authSecret}`);
    await until(`Secret ${db.authSecret} back`, async () => (await read()) !== '');
    if ((await read()) !== passwords) throw new Error(`Secret ${db.authSecret} came back with other passwords`);
  }),
  staying('switchover-to-ghost', 'kubectl annotate lease cdk8s-postgres-ha/switchover-to=<a pod that does not exist>: refused, the annotation removed', async (cluster, namespace, name) => {
    const lease = `${name}-leader`;
    await cluster.sh(`kubectl annotate lease -n ${namespace} ${lease} cdk8s-postgres-ha/switchover-to=${name}-7 --overwrite`);
    await until('the switchover-to annotation removed', async () => (await cluster.sh(`kubectl get lease -n ${namespace} ${lease} -o jsonpath='{.metadata.annotations.cdk8s-postgres-ha/switchover-to}'`)).trim() === '');
  }),
];

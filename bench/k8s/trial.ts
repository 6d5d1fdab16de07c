/**
 * One fault on the real cluster, measured: the writer through the primary Service and a probe to every
 * pod run before, during and after; the timeline records the labels, the EndpointSlice and kube-proxy's
 * rules. The result says how long writes stopped, where that time went, whether an acknowledged write
 * was lost, and whether two pods acknowledged writes at once.
 */
import type { Database } from '../../e2e/k8s/database';
import { ROLE_LABEL } from '../../e2e/k8s/database';
import type { KubeCluster, PodView } from '../../e2e/k8s/kube-cluster';
import { dualPrimary } from '../../e2e/load/dual-primary';
import { DirectProbe, PROBE_TABLE } from '../../e2e/load/probe';
import { ServiceWriter, WRITES_TABLE } from '../../e2e/load/writer';
import { now, type AckedWrite } from '../../e2e/load/write-log';
import type { K8sFault } from './faults';
import { FailoverTimeline } from './timeline';

export interface K8sTrialResult {
  readonly fault: string;
  readonly mode: string;
  readonly trial: number;
  readonly oldPrimary: string;
  readonly newPrimary: string;
  /** The pod the fault hit. */
  readonly victim: string;
  /** Milliseconds from the fault to the first write acknowledged by another pod through the Service. */
  readonly timeToWritableMs: number;
  /** The longest stretch without an acknowledged write around the fault. */
  readonly maxGapMs: number;
  /** From the fault: when each thing was first seen (undefined: not seen). */
  readonly phases: { oldLabelGone?: number; newLabel?: number; endpointSlice?: number; proxyRules?: number; firstWrite: number };
  /** From the fault to the pod it hit back as a streaming replica (faults that bring it back). */
  readonly rejoinMs?: number;
  readonly lostAckedWrites: number;
  /** Milliseconds two pods acknowledged direct writes over the same stretch of time. */
  readonly dualPrimaryMs: number;
  readonly failedWrites: number;
  /** The failed writes after the fault, by error (the first line of each, with its count): why writes stopped. */
  readonly failureKinds: string;
}

const HEALTHY_WAIT_MS = 180_000;

export interface TrialOptions {
  /** The standby a switchover hands to and a standby fault hits. @default the first by name */
  readonly chooseStandby?: (standbys: readonly string[]) => string;
  /** How long the victim gets to be back and the cluster healthy. @default 180 s */
  readonly healthyWaitMs?: number;
}
const SETTLE_MS = 1500;

/** What a trial waits with: retries a probe (its errors included) until it answers or the time is up. */
export interface Waiter {
  waitFor<T>(description: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T>;
}

/** How long a read of the harness's own bookkeeping (rows counted, rows stored) is retried. */
export const READ_WAIT_MS = 30_000;

export async function healthy(t: Waiter, db: Database, timeoutMs = HEALTHY_WAIT_MS): Promise<{ primary: string; replicas: readonly string[] }> {
  return t.waitFor('one primary, every standby ready and streaming', async () => {
    const topology = await db.topology();
    await db.streaming(topology.replicas);
    return topology;
  }, timeoutMs);
}

export async function prepareTables(db: Database): Promise<void> {
  await db.sql(db.service(), `create table if not exists ${WRITES_TABLE} (trial int, id int, primary key (trial, id))`);
  await db.sql(db.service(), `create table if not exists ${PROBE_TABLE} (pod text, trial int, id int)`);
}

export async function runTrial(
  cluster: KubeCluster, db: Database, t: Waiter,
  fault: K8sFault, mode: string, trial: number, trialId: number,
  options: TrialOptions = {},
): Promise<K8sTrialResult> {
  const chooseStandby = options.chooseStandby ?? ((standbys: readonly string[]) => standbys[0]);
  const healthyWaitMs = options.healthyWaitMs ?? HEALTHY_WAIT_MS;
  const before = await healthy(t, db);
  const pods = await db.members();
  const primaryView = pods.find((p) => p.name === before.primary)!;
  const target = chooseStandby(before.replicas);
  const victimView = fault.victim === 'standby' ? pods.find((p) => p.name === target)! : primaryView;
  const addresses = new Map<string, string>(pods.map((p) => [p.ip ?? '', p.name]));
  const refresh = setInterval(() => {
    void db.members().then((list) => list.forEach((p) => p.ip && addresses.set(p.ip, p.name)), () => undefined);
  }, 500);
  const credentials = await db.credentials();
  const timeline = new FailoverTimeline(cluster.kubectl, db.namespace, db.name);
  timeline.start();
  const writer = new ServiceWriter(await db.service(), () => credentials, trialId, (address) => addresses.get(address) ?? address);
  const members = await Promise.all(pods.map(async (p) => ({ pod: p.name, endpoint: await db.member(p.name) })));
  const probe = new DirectProbe(members, () => credentials, trialId, mode === 'warm' ? 200 : 20);
  try {
    await writer.waitForAck(() => true, 30_000, 'a first write before the fault');
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const faultAt = now();
    await fault.inject(cluster, db.namespace, db.name, primaryView, target);
    // Writable again: on another pod when the primary moves; otherwise the first write after the last
    // one the fault made fail (a fault that stopped no write was writable all along).
    const first = fault.moves
      ? await writer.waitForAck((w) => w.at > faultAt && w.pod !== before.primary, 120_000, `a write on another pod after ${fault.key}`)
      : await writer.waitForAck((w) => w.at > faultAt && !writer.log.failures.some((f) => f.at > w.sentAt), 120_000, `writes resuming after ${fault.key}`);
    let rejoinAt: number | undefined;
    if (fault.rejoins) {
      rejoinAt = await t.waitFor(`${victimView.name} back as a streaming replica`, async () => {
        const view = await cluster.pod(db.namespace, victimView.name);
        if (!view || !fault.isBack(victimView, view) || view.labels[ROLE_LABEL] !== 'replica' || !view.ready) return undefined;
        const topology = await db.topology();
        await db.streaming(topology.replicas);
        return now();
      }, healthyWaitMs);
    } else {
      await healthy(t, db, healthyWaitMs);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const log = await writer.stop();
    const probeAcks = await probe.stop();
    timeline.stop();
    const newView = await cluster.pod(db.namespace, first.pod);
    const newIp = newView?.ip ?? '';
    const since = (at: number | undefined) => (at === undefined ? undefined : Math.round(at - faultAt));
    // Waited for, not read once: under load a standby's readiness probe (1 s timeout, 2 failures) can
    // miss twice right after the cluster was healthy, and a red line must mean the product failed.
    const finalPrimary = (await healthy(t, db, healthyWaitMs)).primary;
    // Retried: one connection that misses its 3 s connect timeout on a loaded machine is the harness's
    // problem, not a lost write (the writer above measures availability; this only reads what is stored).
    const stored = await t.waitFor(`the trial's rows, read on ${finalPrimary}`, async () =>
      new Set((await db.sql<{ id: number }>(db.member(finalPrimary), `select id from ${WRITES_TABLE} where trial = $1`, [trialId])).map((r) => r.id)), READ_WAIT_MS);
    return {
      fault: fault.key,
      mode,
      trial,
      oldPrimary: before.primary,
      newPrimary: first.pod,
      victim: victimView.name,
      timeToWritableMs: Math.round(first.at - faultAt),
      maxGapMs: Math.round(maxGap(log.writes, faultAt)),
      phases: {
        oldLabelGone: since(timeline.first(faultAt, new RegExp(`^pod ${before.primary} (?!primary)`))),
        newLabel: since(timeline.first(faultAt, new RegExp(`^pod ${first.pod} primary`))),
        endpointSlice: since(timeline.first(faultAt, new RegExp(`^slice .*\\b${escape(newIp)}\\b`))),
        proxyRules: since(timeline.first(faultAt, new RegExp(`^rules .*\\b${escape(newIp)}\\b`))),
        firstWrite: Math.round(first.at - faultAt),
      },
      rejoinMs: since(rejoinAt),
      lostAckedWrites: log.writes.filter((w) => !stored.has(w.id)).length,
      dualPrimaryMs: Math.round(dualPrimary(probeAcks)),
      failedWrites: log.failures.length,
      failureKinds: failureKinds(log.failures.filter((f) => f.at >= faultAt)),
    };
  } finally {
    clearInterval(refresh);
    timeline.stop();
    await writer.stop();
    await probe.stop();
  }
}

/** `3× ECONNREFUSED …, 1× timeout …`: the failures grouped by message, addresses and numbers kept. */
export function failureKinds(failures: readonly { error: string }[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const kind = f.error.split('\n')[0].slice(0, 120);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${n}× ${kind}`).join('; ');
}

function escape(text: string): string {
  return text.replace(/\./g, '\\.');
}

/** The longest time between two consecutive acknowledged writes, over the stretch that holds the fault. */
export function maxGap(writes: readonly AckedWrite[], faultAt: number): number {
  let gap = 0;
  for (let i = 1; i < writes.length; i++) if (writes[i].at >= faultAt) gap = Math.max(gap, writes[i].at - writes[i - 1].at);
  return gap;
}

export type { PodView };

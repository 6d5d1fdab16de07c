/**
 * One trial: on a healthy cluster, start the writer and the dual-primary probe, inject one fault, follow
 * the victim until it is back and streaming, wait until the whole cluster is healthy again, then count
 * what the final primary holds and compute the metrics. Shared by the benchmark and the chaos run.
 */
import { delay } from '../e2e/support/sleep';
import { ClusterEvents } from './cluster-events';
import type { ClusterView, Healthy } from './cluster-view';
import type { Fault, FaultEffect } from './faults';
import { DirectProbe, PROBE_TABLE } from '../e2e/load/probe';
import { ServiceWriter, WRITES_TABLE } from '../e2e/load/writer';
import { computeMetrics, type TrialMetrics } from './metrics';
import type { TimelineMark } from './report/svg';
import { now, type TrialLog } from '../e2e/load/write-log';

export interface TrialOptions {
  readonly fault: Fault;
  /** Numbers this trial's rows (the tables are shared by every trial on a cluster). */
  readonly trial: number;
  /** Writes before the fault, so the timeline shows the steady state. */
  readonly warmUpMs: number;
  /** How long the cluster gets to be healthy, before the trial and again after the fault. */
  readonly healthTimeoutMs: number;
  /** Picks the standby a standby fault hits or a switchover goes to. @default the first by name */
  readonly chooseStandby?: (standbys: readonly string[]) => string;
}

export interface TrialResult {
  readonly fault: string;
  readonly victim: string;
  readonly before: Healthy;
  readonly after: Healthy | null;
  readonly log: TrialLog;
  readonly metrics: TrialMetrics;
  readonly marks: readonly TimelineMark[];
  readonly counts: { readonly acked: number; readonly failed: number; readonly probeAcks: Readonly<Record<string, number>> };
  readonly notes: readonly string[];
  /** Set when the trial could not finish (the cluster never became healthy again, ...). */
  readonly error?: string;
}

/**
 * How soon the probe tries a pod that refused its connection again: at its 20 ms rate on hot standbys
 * (which never refuse), every 250 ms on warm ones, each refused attempt costing them a forked child.
 */
const REFUSED_RETRY_MS = { hot: 20, warm: 250 } as const;
/** How long the writer goes on after the cluster is healthy again. */
const TAIL_MS = 500;
const POLL_MS = 50;
/** Health needs SQL; the rejoin poll runs every POLL_MS, the full health check at this period. */
const HEALTH_POLL_MS = 200;
/**
 * How long the cluster must stay healthy before a trial ends. Longer than a retry period, so what the
 * agents do on their first ticks after a fault is undone (an API server back, a partition healed) still
 * counts towards the trial that caused it, not the next one.
 */
const STABLE_MS = 3000;

export async function createTables(view: ClusterView, primary: string): Promise<void> {
  await view.sessions.query(view.member(primary), `create table if not exists ${WRITES_TABLE} (trial int, id int, primary key (trial, id))`);
  await view.sessions.query(view.member(primary), `create table if not exists ${PROBE_TABLE} (pod text, trial int, id int)`);
}

/** Waits until the cluster is healthy and has stayed so for `stableMs`. */
export async function waitHealthy(view: ClusterView, timeoutMs: number, stableMs = 1000): Promise<Healthy> {
  const deadline = now() + timeoutMs;
  let last = 'not checked yet';
  let since: number | null = null;
  for (;;) {
    const health = await view.health();
    if ('healthy' in health) {
      since ??= now();
      if (now() - since >= stableMs) return health.healthy;
    } else {
      since = null;
      last = health.reason;
    }
    if (now() > deadline) throw new Error(`the cluster was not healthy within ${timeoutMs / 1000} s: ${last}`);
    await delay(HEALTH_POLL_MS);
  }
}

export async function runTrial(view: ClusterView, options: TrialOptions): Promise<TrialResult> {
  const { fault } = options;
  const notes: string[] = [];
  const before = await waitHealthy(view, options.healthTimeoutMs);
  await createTables(view, before.primary);
  const choose = options.chooseStandby ?? ((standbys: readonly string[]) => standbys[0]);
  const standby = choose(before.standbys);
  const victim = fault.victimRole === 'primary' ? before.primary : standby;

  const events = new ClusterEvents((listener) => view.cluster.store.watch(listener), view.namespace, `${view.name}-leader`);
  const writer = new ServiceWriter(view.service(), () => view.credentials(), options.trial, (address) => view.podOf(address));
  const probe = new DirectProbe(view.members().map((pod) => ({ pod, endpoint: view.member(pod) })), () => view.credentials(), options.trial, REFUSED_RETRY_MS[view.standbyMode()]);
  await delay(options.warmUpMs);
  if (!writer.log.writes.some((w) => w.pod === before.primary)) notes.push(`no write acknowledged by ${before.primary} before the fault`);

  const faultAt = now();
  let error: string | undefined;
  let effect: FaultEffect = {};
  const context = {
    cluster: view.cluster, view, before, victim, target: standby, lease: view.leaseSettings(), writer,
    note: (line: string) => notes.push(line),
  };
  try {
    effect = await fault.inject(context);
  } catch (e) {
    error = `injecting the fault failed: ${(e as Error).message}`;
  }

  let settled: Settled = { backAt: null, rejoinedAt: null, after: null };
  if (error === undefined) {
    try {
      settled = await settle(view, fault, victim, effect, writer, faultAt, options.healthTimeoutMs, notes);
      if (settled.after?.primary === victim && fault.rejoin === 'returns') notes.push(`${victim} was primary again afterwards (no failover)`);
    } catch (e) {
      error = (e as Error).message;
    }
  }
  await delay(TAIL_MS);
  const writerLog = await writer.stop();
  const probeAcks = await probe.stop();
  events.stop();

  const finalPrimary = settled.after?.primary ?? view.labelledPrimaries()[0] ?? before.primary;
  let presentIds: number[] | null = null;
  if (settled.after) {
    try {
      const rows = await view.sessions.query<{ id: number }>(view.member(finalPrimary), `select id from ${WRITES_TABLE} where trial = $1`, [options.trial]);
      presentIds = rows.map((r) => r.id);
    } catch (e) {
      error ??= `could not read the writes back from ${finalPrimary}: ${(e as Error).message}`;
    }
  }

  const log: TrialLog = {
    faultAt, oldPrimary: before.primary, finalPrimary,
    writes: writerLog.writes, failures: writerLog.failures, probes: probeAcks, presentIds,
    backAt: settled.backAt, rejoinedAt: settled.rejoinedAt,
  };
  const metrics = computeMetrics(log);
  const marks: TimelineMark[] = [];
  const holder = events.firstHolderChange(faultAt, before.primary);
  if (holder) marks.push({ at: holder.at, label: `lease → ${holder.pod}` });
  const promotion = events.firstPromotion(faultAt, before.primary);
  if (promotion) marks.push({ at: promotion.at, label: `${promotion.pod} labelled primary` });
  if (settled.backAt !== null && fault.rejoin !== 'handover') marks.push({ at: settled.backAt, label: fault.backMark ?? `${victim} back` });
  if (settled.rejoinedAt !== null) marks.push({ at: settled.rejoinedAt, label: `${victim} streaming` });
  const probeCounts: Record<string, number> = {};
  for (const ack of probeAcks) probeCounts[ack.pod] = (probeCounts[ack.pod] ?? 0) + 1;
  return {
    fault: fault.key, victim, before, after: settled.after, log, metrics, marks, notes, error,
    counts: { acked: writerLog.writes.length, failed: writerLog.failures.length, probeAcks: probeCounts },
  };
}

interface Settled {
  readonly backAt: number | null;
  readonly rejoinedAt: number | null;
  readonly after: Healthy | null;
}

/**
 * Follows the victim until it is back (and, unless it stays primary, streaming from the primary), then
 * waits for the whole cluster to be healthy.
 */
async function settle(view: ClusterView, fault: Fault, victim: string, effect: FaultEffect, writer: ServiceWriter, faultAt: number, timeoutMs: number, notes: string[]): Promise<Settled> {
  const deadline = now() + timeoutMs;
  let backAt = effect.backAt ?? null;
  let rejoinedAt: number | null = null;
  let lastHealthCheck = 0;
  let healthySince: number | null = null;
  let last = 'not checked yet';
  for (;;) {
    if (backAt === null) {
      if (fault.rejoin === 'handover') backAt = writer.log.writes.find((w) => w.at >= faultAt && w.pod !== victim)?.at ?? null;
      else if (effect.isBack?.() ?? true) backAt = now();
    }
    if (backAt !== null && rejoinedAt === null && fault.rejoin !== 'stays') {
      const primaries = view.labelledPrimaries();
      if (primaries.length === 1 && primaries[0] !== victim && await view.streamsFrom(primaries[0], victim).catch(() => false)) rejoinedAt = now();
    }
    if (now() - lastHealthCheck >= HEALTH_POLL_MS) {
      lastHealthCheck = now();
      const health = await view.health();
      // A switchover the primary dropped (it clears the annotation) leaves nobody to come back.
      const dropped = backAt === null && fault.rejoin === 'handover' && view.switchoverTarget() === null;
      if ('healthy' in health && (backAt !== null || dropped)) {
        const after = health.healthy;
        // Healthy means every standby streams, so a victim that is a standby now has been seen streaming
        // by the poll above, unless it became healthy between the two looks: then this is the moment.
        if (fault.rejoin !== 'stays' && after.primary !== victim && rejoinedAt === null) rejoinedAt = now();
        healthySince ??= now();
        if (now() - healthySince >= STABLE_MS) {
          if (dropped) notes.push(`the switchover did not happen: ${after.primary} is still primary and the request is gone`);
          return { backAt, rejoinedAt, after };
        }
      } else {
        healthySince = null;
        if ('reason' in health) last = health.reason;
        else last = `${victim} not back yet`;
      }
    }
    if (now() > deadline) {
      throw new Error(`the cluster was not healthy within ${timeoutMs / 1000} s after the fault${backAt === null ? ` (${victim} never came back)` : ''}: ${last}`);
    }
    await delay(POLL_MS);
  }
}

/**
 * What a fault scenario watches while it hangs a member: the writer through the primary Service
 * (rollout.ts: each acknowledged commit with the pod that served it) and the direct probe to every pod
 * (e2e/load/probe.ts: a write straight to each pod's address every 20 ms). Together they tell when the old
 * primary last accepted a write, when the new one first did, whether two pods ever accepted writes over
 * the same stretch of time, and (counted on the final primary) whether an acknowledged write was lost.
 */
import { dualPrimary } from '../load/dual-primary';
import { DirectProbe, PROBE_TABLE } from '../load/probe';
import type { ServiceWriter } from '../load/writer';
import type { ProbeAck } from '../load/write-log';
import type { Database } from './database';
import { check } from '../support/scenario';
import { describeWrites, startWriter, summarize, type WriterSummary } from './rollout';
import type { KubeContext } from './scenario';

export interface FaultRecord {
  readonly writes: WriterSummary;
  readonly probeAcks: readonly ProbeAck[];
  /** The longest stretch two pods both acknowledged direct writes (0: never two primaries). */
  readonly dualPrimaryMs: number;
}

export class FaultWatch {
  private constructor(readonly writer: ServiceWriter, private readonly probe: DirectProbe, private readonly trial: number, private readonly db: Database) {}

  /** Starts both once the writer's first write is acknowledged. */
  static async start(db: Database, trial: number): Promise<FaultWatch> {
    await db.sql(db.service(), `create table if not exists ${PROBE_TABLE} (pod text, trial int, id int)`);
    const credentials = await db.credentials();
    const members = await Promise.all((await db.members()).map(async (p) => ({ pod: p.name, endpoint: await db.member(p.name) })));
    const writer = await startWriter(db, trial);
    return new FaultWatch(writer, new DirectProbe(members, () => credentials, trial), trial, db);
  }

  async finish(): Promise<FaultRecord> {
    const probeAcks = await this.probe.stop();
    const writes = await summarize(this.db, this.writer, this.trial);
    return { writes, probeAcks, dualPrimaryMs: dualPrimary(probeAcks) };
  }
}

/** The last (or first) direct write a pod acknowledged, at or after `from`; undefined when none. */
export function lastAck(acks: readonly ProbeAck[], pod: string): number | undefined {
  const times = acks.filter((a) => a.pod === pod).map((a) => a.at);
  return times.length ? Math.max(...times) : undefined;
}

export function firstAck(acks: readonly ProbeAck[], pod: string, from: number): number | undefined {
  const times = acks.filter((a) => a.pod === pod && a.at >= from).map((a) => a.at);
  return times.length ? Math.min(...times) : undefined;
}

/** Seconds from `from` to `at`, for the steps' titles. */
export function secondsAfter(from: number, at: number | undefined): string {
  return at === undefined ? 'never' : `${((at - from) / 1000).toFixed(2)} s`;
}

/** The closing step of a fault the primary must ride out: every write on it, none lost, never two primaries. */
export function checkStayedOnPrimary(t: KubeContext, record: FaultRecord, primary: string): Promise<void> {
  const { writes, dualPrimaryMs } = record;
  return t.step(`writer: ${describeWrites(writes)}; never two pods accepting writes`, async () => {
    check(writes.lost === 0, `${writes.lost} acknowledged writes lost`);
    check(writes.primaries.join(',') === primary, `the writes went to ${writes.primaries.join(' → ')}`);
    check(dualPrimaryMs === 0, `two pods accepted direct writes over the same ${dualPrimaryMs.toFixed(0)} ms`);
  });
}

/** The closing step of a fault that moves the primary once: every acknowledged write kept, the writes on `from` then `to` only. */
export function checkMovedOnce(t: KubeContext, writes: WriterSummary, from: string, to: string): Promise<void> {
  return t.step(`writer: ${describeWrites(writes)}`, async () => {
    check(writes.lost === 0, `${writes.lost} acknowledged writes lost`);
    check(writes.primaries.join(' → ') === `${from} → ${to}`, `the writes went to ${writes.primaries.join(' → ')}`);
  });
}

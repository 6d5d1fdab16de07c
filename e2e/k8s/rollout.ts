/**
 * What the day-2 scenarios watch while a changed render rolls through the members: a writer through the
 * primary Service (e2e/load/writer.ts: an insert every 20 ms, each acknowledged commit recorded with
 * the pod that served it), the StatefulSet's revisions as `kubectl get statefulset` shows them, and the
 * agents' Events. The writer's record tells how often the primary moved, the longest stretch without an
 * acknowledged write, and (counted on the final primary) whether an acknowledged write was lost.
 */
import { check } from '../support/scenario';
import { ServiceWriter, WRITES_TABLE, type WriterLog } from '../load/writer';
import type { Database } from './database';
import type { KubeContext } from './scenario';

export interface StatefulSetRevisions {
  readonly currentRevision: string;
  readonly updateRevision: string;
}

/** `kubectl get statefulset <name> -o jsonpath='{.status.currentRevision} {.status.updateRevision}'` */
export async function revisions(t: KubeContext, db: Database): Promise<StatefulSetRevisions> {
  const set = await t.cluster.kubectl.json<{ status: { currentRevision?: string; updateRevision?: string } }>(['get', 'statefulset', '-n', db.namespace, db.name]);
  return { currentRevision: set.status.currentRevision ?? '', updateRevision: set.status.updateRevision ?? '' };
}

/** The pods' `controller-revision-hash` labels, by pod. */
export async function podRevisions(db: Database): Promise<Record<string, string>> {
  return Object.fromEntries((await db.members()).map((p) => [p.name, p.labels['controller-revision-hash'] ?? '']));
}

/** The agents' Events of one reason, oldest first: `kubectl get events --field-selector reason=<reason>`. */
export async function agentEvents(t: KubeContext, db: Database, reason: string): Promise<string[]> {
  const out = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=${reason} --sort-by=.metadata.creationTimestamp -o custom-columns=POD:.involvedObject.name,MSG:.message --no-headers`);
  return out.split('\n').map((l) => l.trim()).filter((l) => l !== '' && l !== '<none>');
}

export interface WriterSummary {
  readonly acknowledged: number;
  readonly failed: number;
  /** The primaries in the order they acknowledged writes. */
  readonly primaries: readonly string[];
  readonly longestGapMs: number;
  readonly lost: number;
}

/** A writer through the primary Service, started once a first write is acknowledged. */
export async function startWriter(db: Database, trial: number): Promise<ServiceWriter> {
  await db.sql(db.service(), `create table if not exists ${WRITES_TABLE} (trial int, id int, primary key (trial, id))`);
  const credentials = await db.credentials();
  const addresses = new Map<string, string>();
  const refresh = async () => (await db.members()).forEach((p) => p.ip && addresses.set(p.ip, p.name));
  await refresh();
  const timer = setInterval(() => void refresh().catch(() => undefined), 500);
  const writer = new ServiceWriter(await db.service(), () => credentials, trial, (address) => addresses.get(address) ?? address);
  const stop = writer.stop.bind(writer);
  writer.stop = async () => {
    clearInterval(timer);
    return stop();
  };
  await writer.waitForAck(() => true, 30_000, 'a first write through the primary Service');
  return writer;
}

/** Stops the writer and counts what it saw against the rows on the primary. */
export async function summarize(db: Database, writer: ServiceWriter, trial: number): Promise<WriterSummary> {
  const log: WriterLog = await writer.stop();
  const primaries: string[] = [];
  let longestGapMs = 0;
  log.writes.forEach((w, i) => {
    if (primaries[primaries.length - 1] !== w.pod) primaries.push(w.pod);
    if (i > 0) longestGapMs = Math.max(longestGapMs, w.at - log.writes[i - 1].at);
  });
  const rows = await db.sql<{ id: number }>(db.service(), `select id from ${WRITES_TABLE} where trial = $1`, [trial]);
  const present = new Set(rows.map((r) => r.id));
  const lost = log.writes.filter((w) => !present.has(w.id)).length;
  return { acknowledged: log.writes.length, failed: log.failures.length, primaries, longestGapMs, lost };
}

export function describeWrites(s: WriterSummary): string {
  return `${s.acknowledged} writes acknowledged, ${s.failed} attempts failed, primaries ${s.primaries.join(' → ')}, longest gap ${(s.longestGapMs / 1000).toFixed(2)} s, ${s.lost} acknowledged writes lost`;
}

/** No acknowledged write lost, and the primary moved exactly `moves` times. */
export function checkWrites(s: WriterSummary, moves: number): void {
  check(s.lost === 0, `${s.lost} acknowledged writes lost`);
  check(s.primaries.length - 1 === moves, `the primary moved ${s.primaries.length - 1} times (${s.primaries.join(' → ')}), expected ${moves}`);
}

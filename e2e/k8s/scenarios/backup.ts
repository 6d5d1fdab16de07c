/**
 * WAL archiving on the real cluster, to a real S3 server: every member archives through the agent; the
 * primary is deleted; the store then holds every segment of the old timeline up to the switch, the new
 * timeline's history file and its segments: no gap between the two timelines.
 */
import { gunzipSync } from 'node:zlib';
import type { S3Server } from '../../../test/support/s3-server';
import { check } from '../../support/scenario';
import { missingSegments, segmentName, segmentNumber, startStore, storeClient, walRoot, writeAndSwitch } from '../backup-store';
import { ROLE_LABEL, type Database } from '../database';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { waitForQuorum } from './sync-failover';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

/** 16 MiB segments (initdb's default, which the construct keeps). */
const SEGMENT_BITS = 24n;

export const backup: KubeScenario = {
  name: 'backup',
  summary: 'backup-postgres: WAL archived to S3 (versitygw on the host) by every member; a failover keeps the archive continuous across the timeline switch',
  chart: 'backup-postgres',
  majors: [DEFAULT_MAJOR],
  run: async (t, db) => {
    const s3 = await startStore(t, db);
    try {
      await continuity(t, db, s3);
    } finally {
      await s3.stop();
    }
  },
};

async function continuity(t: KubeContext, db: Database, s3: S3Server): Promise<void> {
  const store = storeClient(s3);
  const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
  await t.step('both standbys streaming, the Lease records them as the synchronous quorum', async () => {
    await t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS);
    // Only a recorded quorum member may be promoted: the failover below needs one.
    await waitForQuorum(t, db, before.replicas, BOOTSTRAP_MS);
  });
  const root = await walRoot(db);

  const first = await t.step('rows written and three segments switched on the primary (select pg_switch_wal())', async () => {
    const name = await writeAndSwitch(db, 'archived_rows');
    for (let i = 0; i < 2; i++) await writeAndSwitch(db, 'archived_rows');
    return name;
  });
  await t.step(`the primary's /status: archive.backlog 0, ${first} in the store under ${root}`, () => t.waitFor('the segments archived', async () => {
    const status = (await db.agentStatus(before.primary)) as { archive: { backlog: number; archived: number } | null };
    const stored = await store.head(`${root}${first.slice(0, 8)}/${first}.gz`);
    return status.archive?.backlog === 0 && stored !== null ? status.archive : undefined;
  }, 60_000));

  // One more segment completed just before the fault: whether the old primary or a standby uploads it,
  // it must be in the store.
  await t.step(`one more segment switched, then at once: kubectl delete pod ${before.primary}`, async () => {
    await writeAndSwitch(db, 'archived_rows');
    await t.cluster.sh(`kubectl delete pod -n ${db.namespace} ${before.primary} --wait=false`);
  });
  const newPrimary = await t.step('another pod is labelled primary', () => t.waitFor('a new primary', async () => {
    const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary' && !p.deleting).map((p) => p.name);
    return primaries.length === 1 && primaries[0] !== before.primary ? primaries[0] : undefined;
  }, RECOVERY_MS));
  const last = await t.step(`rows written on ${newPrimary} and a segment switched`, () => t.waitFor('a write on the new primary', async () => {
    return writeAndSwitch(db, 'archived_rows');
  }, RECOVERY_MS));
  const timeline = last.slice(0, 8);
  check(timeline !== first.slice(0, 8), `the new primary is still on timeline ${timeline}`);

  await t.step(`the store holds ${timeline}.history and every segment of both timelines from ${first} to ${last}, none missing`, () => t.waitFor('a continuous archive', async () => {
    const keys = new Set((await store.list(root)).map((o) => o.key.slice(root.length)));
    const history = await store.get(`${root}${timeline}/${timeline}.history.gz`);
    if (!history) return undefined;
    // The history file's last line: <parent timeline> <switch point LSN> <reason>.
    const [parent, switchpoint] = gunzipSync(history).toString('utf8').trim().split('\n').pop()!.split('\t');
    const [hi, lo] = switchpoint.split('/').map((h) => BigInt(`0x${h}`));
    const switchSegment = ((hi << 32n) | lo) >> SEGMENT_BITS;
    const parentTimeline = Number(parent).toString(16).toUpperCase().padStart(8, '0');
    const missing = missingSegments(keys, parentTimeline, segmentNumber(first), switchSegment - 1n);
    // The segment the switch happened in: timeline 1's part (complete, or .partial from the promotion).
    const cut = segmentName(parentTimeline, switchSegment);
    if (!keys.has(`${parentTimeline}/${cut}.gz`) && !keys.has(`${parentTimeline}/${cut}.partial.gz`)) missing.push(`${cut}(.partial)`);
    missing.push(...missingSegments(keys, timeline, switchSegment, segmentNumber(last)));
    if (missing.length > 0) throw new Error(`missing from the store: ${missing.join(', ')}`);
    return keys.size;
  }, 60_000));

  await t.step(`${before.primary} back as a ready replica; every member's /status reports its archiving`, () => t.waitFor('three members archiving', async () => {
    await db.topology();
    const members = (await db.members()).map((p) => p.name);
    const reports = await Promise.all(members.map(async (m) => [m, ((await db.agentStatus(m)) as { archive: unknown }).archive] as const));
    return reports.every(([, a]) => a !== null && a !== undefined) ? reports : undefined;
  }, RECOVERY_MS));
}

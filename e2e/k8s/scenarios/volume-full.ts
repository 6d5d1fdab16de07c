/**
 * A full data volume, under synchronous replication with a quorum of one of the two standbys
 * (quorum-postgres.ts). Each member gets a real 384 MiB filesystem (small-volumes.ts); a filler file from
 * the host then takes every free block of one member's volume while a writer runs.
 *
 * On the primary, a burst of WAL (segment switches) makes PostgreSQL create a new WAL segment on a full
 * volume: it PANICs with "No space left on device". A standby takes over; the full member says why
 * (a VolumeFull Event, `volume` in its /status) and is not made primary again while full; once the filler
 * is gone it rejoins as a streaming standby. No acknowledged write is lost: each was flushed on a standby.
 *
 * On a standby, the primary keeps acknowledging commits, which the other standby carries the quorum for,
 * while the full one cannot store the WAL it receives; its /status says its volume is full; freed, it
 * catches up. (Asynchronous replication waits for no standby at all, so this holds there a fortiori.)
 */
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { now } from '../../load/write-log';
import { ROLE_LABEL, type Database } from '../database';
import { checkMovedOnce, type FaultRecord, FaultWatch, firstAck, lastAck, secondsAfter } from '../fault-watch';
import { agentEvents } from '../rollout';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { SmallVolumes } from '../small-volumes';
import { recordedQuorum, waitForQuorum } from './sync-failover';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const CHART = 'quorum-postgres';
const volumes = new SmallVolumes('demo', CHART, 3, 384);
/** WAL segment switches, each after a small WAL record: more new segments than a volume keeps recycled. */
const WAL_BURST = `do $$ begin for i in 1..40 loop perform pg_logical_emit_message(false, 'volume-full', repeat('x', 100)); perform pg_switch_wal(); end loop; end $$`;
/** Enough new WAL that a standby must create segments, well within the primary's free space. */
const STANDBY_BURST = WAL_BURST.replace('1..40', '1..6');
/** The chart's lease duration (the default): the unplanned-failover target the takeover must meet. */
const LEASE_S = 10;
/** How long the full member is watched not to become primary again. */
const WATCH_FULL_MS = 20_000;

interface VolumeStatus {
  readonly volume?: { availableBytes: number; sizeBytes: number; full: string | null } | null;
  readonly role?: string;
  readonly ready?: boolean;
  readonly reason?: string;
  readonly wal?: { lsn: string } | null;
}

export const volumeFull: KubeScenario = {
  name: 'volume-full',
  summary: 'quorum-postgres (sync, ANY 1 of 2 standbys) on 384 MiB filesystems: the primary\'s volume filled until WAL cannot be written; a standby takes over, the full member says why and stays out, then rejoins when freed; a full standby reports why it is behind while the primary commits on the other\'s quorum; nothing acknowledged lost',
  chart: CHART,
  majors: [DEFAULT_MAJOR],
  host: volumes,
  async run(t, db) {
    const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));
    // Until then commits were acknowledged by the primary alone, and no standby may take over (the quorum recorded is empty).
    await t.step(`the Lease records the quorum: ANY 1 of ${before.replicas.join(', ')}`, () => waitForQuorum(t, db, before.replicas, BOOTSTRAP_MS));
    const df = await t.cluster.sh(`kubectl exec -n ${db.namespace} ${before.primary} -c postgres -- df -h /var/lib/postgresql/data | tail -1`);
    await t.step(`kubectl exec ${before.primary} -- df -h: ${df.trim().replace(/\s+/g, ' ')}`, async () => undefined);
    const watch = await t.step(`a writer through Service ${db.name} (every 20 ms) and a probe writing to each pod's address`, () => FaultWatch.start(db, 1));

    let record: FaultRecord | undefined;
    let fullAt = 0;
    let newPrimary = '';
    try {
      await delay(1000);
      const filled = await volumes.fill(t.cluster, before.primary);
      fullAt = now();
      await t.step(`fallocate + dd on the host: ${(filled / 1024 / 1024).toFixed(0)} MiB filler on ${before.primary}'s volume, ${await volumes.available(t.cluster, before.primary)} bytes left`, async () => undefined);
      const burst = await db.sql(db.service(), WAL_BURST).then(() => 'it succeeded', (e: Error) => e.message);
      await t.step(`a burst of WAL through Service ${db.name} (40 segment switches): ${burst}`, async () => undefined);
      newPrimary = await t.step('another pod is labelled primary', () => t.waitFor('a new primary', async () => {
        const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary').map((p) => p.name);
        return primaries.length === 1 && primaries[0] !== before.primary ? primaries[0] : undefined;
      }, RECOVERY_MS));
      const first = await watch.writer.waitForAck((w) => w.at > fullAt && w.pod === newPrimary, RECOVERY_MS, `a write on ${newPrimary}`);
      await t.step(`${newPrimary} took its first write through the Service ${secondsAfter(fullAt, first.at)} after the volume was filled (target: the lease duration, ${LEASE_S} s, what a failover from a silent primary waits)`, async () => {
        check(first.at - fullAt <= LEASE_S * 1000, `the first write on ${newPrimary} came ${secondsAfter(fullAt, first.at)} after the fill`);
      });
      const logs = await t.cluster.sh(`kubectl logs -n ${db.namespace} ${before.primary} -c postgres --tail=200`);
      const panic = logs.split('\n').find((l) => /No space left on device/.test(l));
      await t.step(`kubectl logs ${before.primary} -c postgres: ${panic?.trim()}`, async () => {
        check(panic !== undefined, 'no "No space left on device" in the postgres log');
      });
      const event = await t.step(`kubectl get events --field-selector reason=VolumeFull: ${before.primary} says why`, () => t.waitFor('a VolumeFull Event', async () => {
        const events = await agentEvents(t, db, 'VolumeFull');
        return events.find((e) => e.startsWith(before.primary));
      }, RECOVERY_MS));
      console.log(`      ${event}`);
      check(event.includes('the data volume is full'), `the Event says: ${event}`);
      const abdicated = (await agentEvents(t, db, 'Abdicated')).find((e) => e.startsWith(before.primary));
      if (abdicated) console.log(`      ${abdicated}`);
      const watchedUntil = now() + WATCH_FULL_MS;
      await t.step(`for ${WATCH_FULL_MS / 1000} s while full: ${before.primary} never labelled primary again, ${newPrimary} stays primary, and ${before.primary}'s /status says its volume is full`, async () => {
        let status: VolumeStatus | undefined;
        while (now() < watchedUntil) {
          const pods = await db.members();
          const primaries = pods.filter((p) => p.labels[ROLE_LABEL] === 'primary').map((p) => p.name);
          check(primaries.join() === newPrimary, `labelled primary: [${primaries.join(', ')}]`);
          status = await db.agentStatus(before.primary).catch(() => status) as VolumeStatus | undefined;
          await delay(1000);
        }
        console.log(`      /status of ${before.primary}: role ${status?.role}, reason "${status?.reason}", volume ${JSON.stringify(status?.volume)}`);
        check(status?.volume?.full?.includes('the data volume is full') === true, `its /status volume: ${JSON.stringify(status?.volume)}`);
      });
      await volumes.free(t.cluster, before.primary);
      const after = await t.step(`rm the filler: ${before.primary} back as a ready replica streaming from ${newPrimary}`, () => t.waitFor(`${before.primary} streaming`, async () => {
        const topology = await db.topology();
        if (topology.primary !== newPrimary) throw new Error(`the primary is ${topology.primary}`);
        await db.streaming(topology.replicas);
        return topology;
      }, RECOVERY_MS));
      await t.step(`the Lease records the quorum: ANY 1 of ${after.replicas.join(', ')}`, () => waitForQuorum(t, db, after.replicas, RECOVERY_MS));
      await fullStandby(t, db, watch, after.replicas.find((r) => r !== before.primary) as string, before.primary, newPrimary);
    } finally {
      record = await watch.finish();
    }
    const { writes, probeAcks, dualPrimaryMs } = record;
    await checkMovedOnce(t, writes, before.primary, newPrimary);
    const oldLast = lastAck(probeAcks, before.primary);
    const newFirst = firstAck(probeAcks, newPrimary, fullAt);
    await t.step(`direct writes: ${before.primary} last accepted one ${secondsAfter(fullAt, oldLast)} after the fill, ${newPrimary} first ${secondsAfter(fullAt, newFirst)}; never two pods accepting writes`, async () => {
      check(dualPrimaryMs === 0, `two pods accepted direct writes over the same ${dualPrimaryMs.toFixed(0)} ms`);
    });
  },
};

/** A standby's volume filled: the primary commits on the other standby's quorum, the full one says why it is behind, and catches up once freed. */
async function fullStandby(t: KubeContext, db: Database, watch: FaultWatch, standby: string, other: string, primary: string): Promise<void> {
  const filled = await volumes.fill(t.cluster, standby);
  const fullAt = now();
  await t.step(`fallocate + dd on the host: ${(filled / 1024 / 1024).toFixed(0)} MiB filler on standby ${standby}'s volume`, async () => undefined);
  await t.step(`a burst of WAL through Service ${db.name} (6 segment switches): the primary ${primary} commits it`, () => db.sql(db.service(), STANDBY_BURST));
  const [{ lsn: target }] = await db.sql<{ lsn: string }>(db.service(), 'select pg_current_wal_lsn()::text as lsn');
  const status = await t.step(`${standby}'s /status says why it is behind`, () => t.waitFor(`${standby}'s /status`, async () => {
    const s = await db.agentStatus(standby) as VolumeStatus;
    return s.volume?.full && s.reason?.includes('behind: the data volume is full') ? s : undefined;
  }, RECOVERY_MS));
  console.log(`      /status of ${standby}: role ${status.role}, ready ${status.ready}, reason "${status.reason}"`);
  // pg_switch_wal() waits for no standby, and a standby reports its flush position a moment after it
  // flushed: the other standby's report is waited for, the full one must never report it.
  const quorum = await t.step(`pg_stat_replication on ${primary}: ${other} has flushed the burst, ${standby} has not (the quorum, ANY 1, was ${other}'s)`, async () => {
    const flushedBy = () => db.sql<{ name: string; state: string; sync_state: string; flushed: boolean | null }>(db.service(),
      'select application_name as name, state, sync_state, flush_lsn >= $1::pg_lsn as flushed from pg_stat_replication order by 1', [target]);
    const rows = await t.waitFor(`${other} to report ${target} flushed`, async () => {
      const now = await flushedBy();
      return now.some((r) => r.name === other && r.flushed === true) ? now : undefined;
    }, RECOVERY_MS);
    const names = await db.sql<{ s: string }>(db.service(), 'show synchronous_standby_names');
    check(!rows.some((r) => r.name === standby && r.flushed === true), `${standby} flushed ${target} on a full volume: ${JSON.stringify(rows)}`);
    return `synchronous_standby_names '${Object.values(names[0])[0]}', the Lease's quorum ${JSON.stringify(await recordedQuorum(t, db))}; ${rows.map((r) => `${r.name} ${r.state} ${r.sync_state} flushed ${r.flushed}`).join(', ')}`;
  });
  console.log(`      ${quorum}`);
  const [{ lag }] = await db.sql<{ lag: string }>(db.service(), 'select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint::text as lag', [target, status.wal?.lsn ?? '0/0']);
  const write = await watch.writer.waitForAck((w) => w.at > fullAt && w.pod === primary, RECOVERY_MS, `a write on ${primary} while ${standby} is full`);
  await t.step(`${primary} still the only primary and took writes ${secondsAfter(fullAt, write.at)} after the fill; ${standby} is ${(Number(lag) / 1024 / 1024).toFixed(1)} MiB behind`, async () => {
    check(Number(lag) > 0, `${standby} is not behind (${lag} bytes)`);
    const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary').map((p) => p.name);
    check(primaries.join() === primary, `labelled primary: [${primaries.join(', ')}]`);
  });
  await volumes.free(t.cluster, standby);
  const freedAt = now();
  await t.step(`rm the filler: ${standby} streams again and replays past ${target}`, () => t.waitFor(`${standby} caught up`, async () => {
    const rows = await db.sql<{ caught: boolean }>(db.service(), "select replay_lsn >= $2::pg_lsn as caught from pg_stat_replication where application_name = $1 and state = 'streaming'", [standby, target]);
    return rows[0]?.caught ? true : undefined;
  }, RECOVERY_MS));
  await t.step(`${standby} caught up ${secondsAfter(freedAt, now())} after the filler was removed`, async () => undefined);
}

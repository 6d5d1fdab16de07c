/**
 * Base backups on a cron schedule, on the real cluster: scheduled-postgres is backup-postgres with
 * `schedule: '* * * * *'`. A new cluster takes its first backup at once (for the slot just past), then one
 * per slot: the scenario waits for the next minute's slot and checks that exactly one member took it, a
 * hot standby, no sooner than the slot, and that the store holds it verified (every file of the tar
 * against the manifest). Every minute is only for the test's sake: a user schedules `0 3 * * *`.
 */
import { check } from '../../support/scenario';
import { completedBackup } from '../base-backup-request';
import { startStore, storeClient } from '../backup-store';
import type { Database } from '../database';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS } from './timeouts';

interface Started {
  readonly member: string;
  readonly at: number;
  readonly slot: string;
}

/** Every BackupStarted Event of a scheduled backup: who, when, and for which slot. */
async function scheduledStarts(t: KubeContext, db: Database): Promise<Started[]> {
  const out = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=BackupStarted -o jsonpath='{range .items[*]}{.involvedObject.name}|{.firstTimestamp}|{.message}{"\\n"}{end}'`);
  return out.trim().split('\n').filter(Boolean).flatMap((line) => {
    const [member, at, message] = line.split('|');
    const slot = /\(scheduled for ([^)]+)\)/.exec(message)?.[1];
    return slot ? [{ member, at: Date.parse(at), slot }] : [];
  });
}

export const backupSchedule: KubeScenario = {
  name: 'backup-schedule',
  summary: "scheduled-postgres (backup-postgres with schedule '* * * * *'): the first backup at once, then the next minute's slot taken by exactly one member, a hot standby, no sooner than the slot, verified in the store",
  chart: 'scheduled-postgres',
  majors: [DEFAULT_MAJOR],
  run: async (t, db) => {
    const s3 = await startStore(t, db);
    try {
      const store = storeClient(s3);
      const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
      await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));
      const [{ sysid }] = await db.sql<{ sysid: string }>(db.service(), 'select system_identifier::text as sysid from pg_control_system()');
      const root = `pgha/${db.name}/${sysid}/`;
      // The first slot is given out as soon as the cluster leads, often before a standby is ready (then the
      // primary takes it); the next minute's slot finds the standbys streaming.
      const starts = await t.step('kubectl get events --field-selector reason=BackupStarted: a backup for the slot just past, then one for the next whole minute', () => t.waitFor('two scheduled slots', async () => {
        const seen = await scheduledStarts(t, db);
        return new Set(seen.map((s) => s.slot)).size >= 2 ? seen : undefined;
      }, 150_000));
      const slots = [...new Set(starts.map((s) => s.slot))].sort();
      const second = starts.find((s) => s.slot === slots[1])!;
      await t.step('one member per slot, the second slot a whole minute after the first, started no sooner than its slot', async () => {
        for (const slot of slots) {
          const takers = starts.filter((s) => s.slot === slot).map((s) => s.member);
          check(takers.length === 1, `slot ${slot} was taken by ${takers.join(', ')}`);
        }
        const [a, b] = slots.map((s) => Date.parse(s));
        check(new Date(b).getUTCSeconds() === 0 && b - a >= 60_000 && (b - a) % 60_000 === 0, `the slots ${slots[0]} and ${slots[1]} are not whole minutes apart`);
        // Event timestamps have whole seconds: the start is no sooner than the second the slot begins.
        check(second.at >= b, `the backup for ${slots[1]} started at ${new Date(second.at).toISOString()}, before its slot`);
        return starts.map((s) => `${s.member} for ${s.slot} at ${new Date(s.at).toISOString().slice(11, 19)}`).join('; ');
      });
      const notBefore = slots[1].replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const record = await completedBackup(t, db, store, root, before.replicas, `scheduled for ${slots[1]}`,
        (lines) => lines.find((l) => l.startsWith(`${second.member} `) && (/base backup (\d{8}T\d{6}Z)/.exec(l)?.[1] ?? '') >= notBefore));
      await t.step(`backup ${record.id} for slot ${slots[1]}, taken by ${record.member}`, async () => undefined);
    } finally {
      await s3.stop();
    }
  },
};

// Applies retention (retention.ts) to a store: reads what `<root>base/` and `<root>wal/` hold and deletes
// what the plan no longer keeps, every key of it (a WAL file may be stored under each compression's key,
// a backup's tar under its compression's name: layout.ts). BaseBackups runs it on the primary after a
// completed backup, and reports the outcome as Events.
import { parseBackupRecord } from './backup-record';
import { backupKey, isBackupId } from './layout';
import { planRetention, storedWalFiles, type RetentionPlan, type RetentionPolicy, type StoredBackup } from './retention';
import type { ObjectInfo } from './s3';

export interface PruneStore {
  get(key: string): Promise<Buffer | null>;
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<void>;
}

/** Deletes what retention no longer keeps: each backup's backup.json first, so it is never half listed. */
export async function pruneStore(store: PruneStore, root: string, policy: RetentionPolicy, now: Date): Promise<RetentionPlan> {
  const objects = await store.list(`${root}base/`);
  const byId = new Map<string, string[]>();
  for (const { key } of objects) {
    const id = key.slice(`${root}base/`.length).split('/')[0];
    if (isBackupId(id)) byId.set(id, [...(byId.get(id) ?? []), key]);
  }
  const backups: StoredBackup[] = [];
  for (const [id, keys] of byId) {
    const json = keys.includes(backupKey(root, id, 'backup.json')) ? await store.get(backupKey(root, id, 'backup.json')) : null;
    backups.push({ id, record: json ? parseBackupRecord(json.toString('utf8')) : null });
  }
  const walKeys = storedWalFiles((await store.list(`${root}wal/`)).map((o) => o.key));
  const plan = planRetention(backups, [...walKeys.keys()], policy, now);
  for (const id of plan.deleteBackups) {
    const keys = byId.get(id)!.sort((a, b) => Number(b.endsWith('backup.json')) - Number(a.endsWith('backup.json')));
    for (const key of keys) await store.delete(key);
  }
  for (const name of plan.deleteWal) for (const key of walKeys.get(name)!) await store.delete(key);
  return plan;
}

// Retention (README.md, "Backups"): which base backups and WAL files to delete, decided purely from what
// the store lists. The primary's agent runs it after each completed backup (backups.ts).
//   - A complete backup (one with backup.json) is kept while it is among the `retainCount` newest and
//     younger than `retainForMs`, each when set; the newest complete backup is always kept.
//   - A folder without backup.json older than the newest complete backup is a failed backup: deleted.
//     Newer ones may be running, and stay.
//   - WAL segments (any timeline) before the oldest kept backup's startWalFile are needed by no kept
//     backup: deleted. Timeline history files are tiny and a restore needs them all: always kept.
import type { BaseBackupRecord } from './backup-record';
import { walFileOfKey } from './layout';

export interface RetentionPolicy {
  readonly retainCount: number | null;
  readonly retainForMs: number | null;
}

export interface StoredBackup {
  readonly id: string;
  /** null: the folder has no backup.json. */
  readonly record: Pick<BaseBackupRecord, 'startedAt' | 'startWalFile'> | null;
}

export interface RetentionPlan {
  readonly deleteBackups: readonly string[];
  readonly deleteWal: readonly string[];
}

export function planRetention(backups: readonly StoredBackup[], walFiles: readonly string[], policy: RetentionPolicy, now: Date): RetentionPlan {
  const sorted = [...backups].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const complete = sorted.filter((b) => b.record !== null);
  if (complete.length === 0) return { deleteBackups: [], deleteWal: [] };
  const newest = complete[complete.length - 1];
  const kept = complete.filter((b, i) => {
    if (b === newest) return true;
    const withinCount = policy.retainCount === null || complete.length - i <= policy.retainCount;
    const withinAge = policy.retainForMs === null || now.getTime() - Date.parse(b.record!.startedAt) <= policy.retainForMs;
    return withinCount && withinAge;
  });
  const deleteBackups = sorted.filter((b) => (b.record === null ? b.id < newest.id : !kept.includes(b))).map((b) => b.id);
  const oldestStart = segmentOf(kept[0].record!.startWalFile);
  const deleteWal = walFiles.filter((name) => !name.endsWith('.history') && segmentOf(name) < oldestStart);
  return { deleteBackups, deleteWal };
}

/**
 * The WAL files under `wal/`, each with its keys: one, or more when members offered it around a change
 * of the compression (gzip `.gz`, zstd `.zst`, none), so retention deletes every copy of a file no backup needs.
 */
export function storedWalFiles(keys: readonly string[]): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const key of keys) {
    const file = walFileOfKey(key);
    if (file) files.set(file.name, [...(files.get(file.name) ?? []), key]);
  }
  return files;
}

/** The segment number part of a WAL file name (after the timeline): `00000002000000010000003A` → `000000010000003A`. */
function segmentOf(name: string): string {
  return name.slice(8, 24);
}

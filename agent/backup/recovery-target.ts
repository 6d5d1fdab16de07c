// Where a restore stops, which base backup it starts from, and the recovery settings PostgreSQL gets.
// Pure: the restore runner (restore.ts) does the I/O. README.md ("Restore and point-in-time recovery").
import { parseLsn } from '../postgres/lsn';
import type { BaseBackupRecord } from './backup-record';

export type RecoveryTarget =
  /** Replay every WAL file the archive has, then promote. */
  | { readonly kind: 'latest' }
  /** ISO 8601 with a zone (`2026-12-04T19:05:07Z`): stop after the last commit at or before it. */
  | { readonly kind: 'time'; readonly value: string }
  | { readonly kind: 'lsn'; readonly value: string }
  | { readonly kind: 'xid'; readonly value: string }
  /** A name given to pg_create_restore_point(). */
  | { readonly kind: 'name'; readonly value: string };

const KINDS = ['latest', 'time', 'lsn', 'xid', 'name'] as const;
const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;
/** What the construct renders for a time: ISO 8601 with seconds and an explicit zone. */
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;

/** PGHA_RESTORE_TARGET: `latest`, or `<kind>:<value>` (`time:2026-12-04T19:05:07Z`, `lsn:0/5000028`, `xid:1234`, `name:before-migration`). */
export function parseRecoveryTarget(text: string): RecoveryTarget {
  if (text === 'latest') return { kind: 'latest' };
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const value = text.slice(colon + 1);
  const invalid = (what: string) => new Error(`environment variable PGHA_RESTORE_TARGET: ${what}, got '${text}'`);
  if (colon < 0 || !(KINDS as readonly string[]).includes(kind) || kind === 'latest') {
    throw invalid(`must be latest or one of time:, lsn:, xid:, name: followed by a value`);
  }
  if (kind === 'time' && !(TIME.test(value) && !Number.isNaN(Date.parse(value)))) throw invalid('a time must be ISO 8601 with a zone');
  if (kind === 'lsn' && !LSN.test(value)) throw invalid('an LSN must look like 0/5000028');
  if (kind === 'xid' && !/^[1-9]\d{0,18}$/.test(value)) throw invalid('a transaction id must be a positive whole number');
  if (kind === 'name' && (value === '' || value.length > 63)) throw invalid('a restore point name must be 1 to 63 characters');
  return { kind, value } as RecoveryTarget;
}

export function describeTarget(target: RecoveryTarget): string {
  switch (target.kind) {
    case 'latest':
      return 'the latest state in the archive';
    case 'time':
      return `time ${target.value}`;
    case 'lsn':
      return `LSN ${target.value}`;
    case 'xid':
      return `transaction ${target.value}`;
    case 'name':
      return `restore point '${target.value}'`;
  }
}

export type BackupChoice = { readonly ok: true; readonly record: BaseBackupRecord } | { readonly ok: false; readonly reason: string };

/**
 * The newest complete base backup recovery can start from and still stop at the target. Recovery must
 * replay past a backup's end before it may stop, so for a time the backup must have finished by it
 * (finishedAt, which is after the end of the backup's WAL), for an LSN have ended at or before it. A
 * transaction id or a restore point says nothing comparable about when it happened: the newest backup is
 * taken, and PostgreSQL refuses (the restore fails with its reason) when the target lies before its end.
 */
export function chooseBackup(records: readonly BaseBackupRecord[], target: RecoveryTarget): BackupChoice {
  const newestFirst = [...records].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  if (newestFirst.length === 0) return { ok: false, reason: 'no complete base backup in the store' };
  let fits: (r: BaseBackupRecord) => boolean = () => true;
  if (target.kind === 'time') {
    const at = Date.parse(target.value);
    fits = (r) => Date.parse(r.finishedAt) <= at;
  } else if (target.kind === 'lsn') {
    const at = parseLsn(target.value);
    fits = (r) => parseLsn(r.endLsn) <= at;
  }
  const record = newestFirst.find(fits);
  if (record) return { ok: true, record };
  // Only a time or an LSN can rule every backup out.
  const oldest = newestFirst[newestFirst.length - 1];
  const bound = target as Extract<RecoveryTarget, { kind: 'time' | 'lsn' }>;
  return bound.kind === 'time'
    ? { ok: false, reason: `no complete base backup finished by ${bound.value} (the oldest, ${oldest.id}, finished at ${oldest.finishedAt})` }
    : { ok: false, reason: `no complete base backup ended at or before ${bound.value} (the oldest, ${oldest.id}, ended at ${oldest.endLsn})` };
}

/**
 * The recovery settings, written into dynamic.conf while the restore runs: WAL from the store through
 * wal.sh, along the newest timeline (so a failover in the source is followed), stopping at the target and
 * promoting. Without a target, recovery ends with the archive and promotes by itself.
 */
export function recoverySettings(target: RecoveryTarget, restoreCommand: string): Array<[string, string]> {
  const settings: Array<[string, string]> = [
    ['restore_command', restoreCommand],
    ['recovery_target_timeline', 'latest'],
  ];
  const name = { time: 'recovery_target_time', lsn: 'recovery_target_lsn', xid: 'recovery_target_xid', name: 'recovery_target_name' } as const;
  if (target.kind !== 'latest') settings.push([name[target.kind], target.kind === 'time' ? postgresTime(target.value) : target.value], ['recovery_target_action', 'promote']);
  return settings;
}

/** recovery_target_time refuses ISO 8601's `T` and `Z` (PostgreSQL 15: "invalid value"): a space and `+00`. */
function postgresTime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '+00');
}

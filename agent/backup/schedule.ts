// Who takes which base backup, decided by the lease holder alone (pure; agent/README.md, "Base backups"):
// a user's request (the Lease annotation `backup`) or a due slot of the cron schedule becomes one
// assignment on the Lease, `backup-assigned`, naming one member. That member runs it and reports it in
// its /status; the holder clears the assignment once the report names the slot, and only then gives
// out the next one. One assignment at a time, written by one writer: never two backups of one slot.
import type { CronSchedule } from '../../lib/cron';
import { ANNOTATIONS } from '../core/annotations';

export interface Assignment {
  /** The slot: the scheduled time, or the time the request was seen (ISO 8601, UTC). */
  readonly slot: string;
  readonly member: string;
  readonly reason: 'requested' | 'scheduled';
  /** When the holder gave it out (ISO 8601). */
  readonly at: string;
}

export interface LastBackup {
  readonly slot: string;
  readonly ok: boolean;
  /** The backup's id (its folder), when it got as far as starting. */
  readonly id: string | null;
  readonly error: string | null;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly bytes: number | null;
  readonly compressedBytes: number | null;
}

/** What a member reports in /status (`backup`). */
export interface MemberBackupStatus {
  /**
   * `waitingForWal`: no tar data for a while. At its end PostgreSQL waits until the WAL up to the
   * backup's end is archived, and on a standby that segment completes only when the primary switches:
   * the primary's agent then switches it (backups.ts). (pg_basebackup buffers its last bytes until it
   * exits, so the end of the data files cannot be seen in the stream itself.)
   */
  readonly running: { readonly slot: string; readonly since: string; readonly waitingForWal: boolean } | null;
  readonly last: LastBackup | null;
}

export interface BackupCandidate {
  readonly name: string;
  /** A ready hot standby streaming from this primary: it can serve pg_basebackup itself. */
  readonly eligible: boolean;
  readonly reported: MemberBackupStatus | null;
}

export interface PlanInput {
  readonly now: Date;
  readonly schedule: CronSchedule | null;
  readonly annotations: Readonly<Record<string, string>>;
  readonly self: string;
  readonly selfStatus: MemberBackupStatus;
  readonly standbys: readonly BackupCandidate[];
  readonly preferStandby: boolean;
}

export interface BackupPlan {
  /** The Lease annotations to write with the next renewal. */
  readonly annotations: Record<string, string | null>;
  readonly assigned?: Assignment;
  /** The assigned member reported the slot done (ok or failed). */
  readonly finished?: { readonly assignment: Assignment; readonly last: LastBackup };
  /** The assigned member never started it. */
  readonly abandoned?: { readonly assignment: Assignment; readonly reason: string };
}

/** An assigned member that has not started within this has restarted or lost the assignment. */
export const START_LIMIT_MS = 120_000;

export function planBackup(input: PlanInput): BackupPlan | null {
  const assignment = parseAssignment(input.annotations[ANNOTATIONS.backupAssigned]);
  if (assignment) {
    const status = assignment.member === input.self ? input.selfStatus : (input.standbys.find((s) => s.name === assignment.member)?.reported ?? null);
    if (status?.last?.slot === assignment.slot) {
      return { annotations: { [ANNOTATIONS.backupAssigned]: null }, finished: { assignment, last: status.last } };
    }
    if (status?.running?.slot === assignment.slot) return null;
    if (input.now.getTime() - Date.parse(assignment.at) > START_LIMIT_MS) {
      const reason = `${assignment.member} did not start the backup within ${START_LIMIT_MS / 1000} s`;
      return { annotations: { [ANNOTATIONS.backupAssigned]: null }, abandoned: { assignment, reason } };
    }
    return null;
  }
  const annotations: Record<string, string | null> = {};
  let slot: string;
  let reason: Assignment['reason'];
  if (input.annotations[ANNOTATIONS.backup]) {
    slot = input.now.toISOString();
    reason = 'requested';
    annotations[ANNOTATIONS.backup] = null;
  } else {
    const due = input.schedule?.previous(input.now) ?? null;
    const last = input.annotations[ANNOTATIONS.backupSlot];
    // No slot given out yet: a new cluster takes its first backup now, not at the next slot.
    if (due === null || (last !== undefined && Date.parse(last) >= due.getTime())) return null;
    slot = due.toISOString();
    reason = 'scheduled';
    annotations[ANNOTATIONS.backupSlot] = slot;
  }
  const standby = input.preferStandby ? input.standbys.filter((s) => s.eligible).map((s) => s.name).sort()[0] : undefined;
  const assigned: Assignment = { slot, member: standby ?? input.self, reason, at: input.now.toISOString() };
  annotations[ANNOTATIONS.backupAssigned] = JSON.stringify(assigned);
  return { annotations, assigned };
}

export function parseAssignment(value: string | undefined): Assignment | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as Partial<Assignment>;
    if (typeof parsed.slot !== 'string' || typeof parsed.member !== 'string' || typeof parsed.at !== 'string') return null;
    return { slot: parsed.slot, member: parsed.member, reason: parsed.reason === 'scheduled' ? 'scheduled' : 'requested', at: parsed.at };
  } catch {
    return null;
  }
}

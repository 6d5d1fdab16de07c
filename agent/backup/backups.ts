// Base backups at run time (agent/README.md, "Base backups"). Every member follows the Lease's
// `backup-assigned` and takes the backup it names it for, with Events on its pod (BackupStarted,
// BackupCompleted with size and duration, BackupFailed with the reason) and its outcome in /status. The
// holder plans assignments (schedule.ts), written with its next renewal, and once a backup completed,
// applies retention (retention.ts).
import type { CronSchedule } from '../../lib/cron';
import { ANNOTATIONS } from '../core/annotations';
import type { Observation } from '../core/types';
import type { EventRecorder } from '../kube/events';
import type { Logger } from '../runtime/log';
import type { BackupSource } from './backup-source';
import { takeBaseBackup, type BaseBackupStore } from './base-backup';
import type { Compression } from './layout';
import { pruneStore } from './prune';
import type { RetentionPolicy } from './retention';
import { parseAssignment, planBackup, type Assignment, type BackupPlan, type LastBackup, type MemberBackupStatus } from './schedule';
import type { ObjectInfo } from './s3';

export interface BackupStore extends BaseBackupStore {
  get(key: string): Promise<Buffer | null>;
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<void>;
}

export interface BaseBackupsOptions {
  readonly member: string;
  readonly cluster: string;
  readonly pgdata: string;
  readonly schedule: CronSchedule | null;
  readonly preferStandby: boolean;
  readonly retention: RetentionPolicy;
  readonly compression: Compression;
  readonly store: BackupStore;
  readonly source: BackupSource;
  readonly archiveRoot: () => Promise<string>;
  readonly events: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
  readonly wallNow?: () => number;
  /** The primary: `SELECT pg_switch_wal()`, for a standby's backup waiting on the current segment. */
  readonly switchWal: () => Promise<void>;
}

/** How often the primary switches segments for a standby's backup that still waits for its last WAL. */
const SWITCH_EVERY_MS = 15_000;
/** A backup whose stream has been silent this long reports `waitingForWal` (an extra switch costs little). */
const STALLED_MS = 5_000;

export class BaseBackups {
  private running: { slot: string; since: string } | null = null;
  private lastDataAt = 0;
  private lastSwitchAt = 0;
  private last: LastBackup | null = null;
  /** The slot this member last started: an assignment is taken once, even while the Lease still shows it. */
  private startedSlot: string | null = null;
  private pending: BackupPlan | null = null;
  private pruning = false;

  constructor(private readonly o: BaseBackupsOptions) {}

  status(): MemberBackupStatus {
    const running = this.running && { ...this.running, waitingForWal: this.now() - this.lastDataAt >= STALLED_MS };
    return { running, last: this.last };
  }

  /** Every member, on each observation: starts the backup the Lease assigns to it. */
  follow(observation: Observation | null): void {
    if (observation?.lease.kind !== 'present') return;
    const assignment = parseAssignment(observation.lease.record.annotations[ANNOTATIONS.backupAssigned]);
    if (!assignment || assignment.member !== this.o.member || this.running || this.startedSlot === assignment.slot) return;
    this.startedSlot = assignment.slot;
    void this.take(assignment);
  }

  /** The holder, before a renewal while it serves: the annotations that carry its backup plan. */
  leaseAnnotations(observation: Observation): Record<string, string | null> {
    if (observation.lease.kind !== 'present') return {};
    const replication = observation.local.sql?.replication ?? [];
    this.pending = planBackup({
      now: new Date(this.now()),
      schedule: this.o.schedule,
      annotations: observation.lease.record.annotations,
      self: this.o.member,
      selfStatus: this.status(),
      standbys: observation.peers.map((peer) => ({
        name: peer.name,
        eligible:
          observation.config.standbyMode === 'hot' &&
          peer.status?.role === 'replica' &&
          peer.status.ready &&
          replication.some((r) => r.applicationName === peer.name && r.state === 'streaming'),
        reported: peer.status?.backup ?? null,
      })),
      preferStandby: this.o.preferStandby,
    });
    this.switchForStandby(observation);
    return this.pending?.annotations ?? {};
  }

  private switchForStandby(observation: Observation): void {
    const assignment = parseAssignment(observation.lease.kind === 'present' ? observation.lease.record.annotations[ANNOTATIONS.backupAssigned] : undefined);
    const running = observation.peers.find((p) => p.name === assignment?.member)?.status?.backup?.running;
    if (!running?.waitingForWal || running.slot !== assignment?.slot || this.now() - this.lastSwitchAt < SWITCH_EVERY_MS) return;
    this.lastSwitchAt = this.now();
    void this.o.switchWal().then(
      () => this.o.log.info('backup-wal-switched', { for: assignment.member }),
      (error: Error) => this.o.log.error('backup-wal-switch-failed', { error: error.message }),
    );
  }

  /** The renewal carrying leaseAnnotations() landed: act on what it recorded. */
  renewed(): void {
    const plan = this.pending;
    this.pending = null;
    if (!plan) return;
    if (plan.assigned) this.o.log.info('backup-assigned', { ...plan.assigned });
    if (plan.abandoned) {
      void this.o.events.record({ name: this.o.member }, 'Warning', 'BackupFailed', `base backup ${plan.abandoned.assignment.slot} abandoned: ${plan.abandoned.reason}`);
    }
    if (plan.finished?.last.ok) void this.prune();
  }

  private async take(assignment: Assignment): Promise<void> {
    const started = this.now();
    this.running = { slot: assignment.slot, since: new Date(started).toISOString() };
    this.lastDataAt = started;
    const how = assignment.reason === 'scheduled' ? `scheduled for ${assignment.slot}` : 'requested';
    void this.o.events.record({ name: this.o.member }, 'Normal', 'BackupStarted', `base backup started on ${this.o.member} (${how})`);
    this.o.log.info('backup-started', { slot: assignment.slot, reason: assignment.reason });
    let last: LastBackup;
    try {
      const record = await takeBaseBackup({
        store: this.o.store,
        source: this.o.source,
        archiveRoot: this.o.archiveRoot,
        cluster: this.o.cluster,
        member: this.o.member,
        pgdata: this.o.pgdata,
        compression: this.o.compression,
        now: () => new Date(this.now()),
        onData: () => {
          this.lastDataAt = this.now();
        },
      });
      const seconds = (this.now() - started) / 1000;
      last = { slot: assignment.slot, ok: true, id: record.id, error: null, finishedAt: record.finishedAt, seconds, bytes: record.bytes, compressedBytes: record.compressedBytes };
      const rate = record.bytes / 1048576 / Math.max(seconds, 0.001);
      void this.o.events.record(
        { name: this.o.member },
        'Normal',
        'BackupCompleted',
        `base backup ${record.id} completed in ${seconds.toFixed(1)} s: ${mebibytes(record.bytes)} MiB, ${mebibytes(record.compressedBytes)} MiB stored (${record.compression}, ${rate.toFixed(1)} MiB/s), WAL from ${record.startWalFile}`,
      );
      this.o.log.info('backup-completed', { id: record.id, bytes: record.bytes, compressedBytes: record.compressedBytes, seconds });
    } catch (error) {
      const message = (error as Error).message;
      last = { slot: assignment.slot, ok: false, id: null, error: message, finishedAt: new Date(this.now()).toISOString(), seconds: (this.now() - started) / 1000, bytes: null, compressedBytes: null };
      void this.o.events.record({ name: this.o.member }, 'Warning', 'BackupFailed', `base backup failed on ${this.o.member}: ${message}`);
      this.o.log.error('backup-failed', { slot: assignment.slot, error: message });
    }
    this.last = last;
    this.running = null;
  }

  /** Applies retention (prune.ts), with an Event for what it deleted or why it failed. */
  private async prune(): Promise<void> {
    if (this.pruning || (this.o.retention.retainCount === null && this.o.retention.retainForMs === null)) return;
    this.pruning = true;
    try {
      const plan = await pruneStore(this.o.store, await this.o.archiveRoot(), this.o.retention, new Date(this.now()));
      if (plan.deleteBackups.length + plan.deleteWal.length > 0) {
        const message = `retention deleted ${plan.deleteBackups.length} base backup(s)${plan.deleteBackups.length ? ` (${plan.deleteBackups.join(', ')})` : ''} and ${plan.deleteWal.length} WAL file(s)`;
        void this.o.events.record({ name: this.o.member }, 'Normal', 'BackupsPruned', message);
        this.o.log.info('backups-pruned', { backups: plan.deleteBackups, wal: plan.deleteWal.length });
      }
    } catch (error) {
      void this.o.events.record({ name: this.o.member }, 'Warning', 'BackupPruneFailed', `retention failed: ${(error as Error).message}`);
    } finally {
      this.pruning = false;
    }
  }

  private now(): number {
    return (this.o.wallNow ?? Date.now)();
  }
}

function mebibytes(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

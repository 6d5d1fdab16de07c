// The GET /status document other members decide with. The WAL position is read fresh on every request:
// a peer choosing the most advanced standby, or a primary waiting for its handover target to catch up,
// must not act on a position a retry period old.
import { join } from 'node:path';
import { readiness, roleOf } from '../core/probes';
import { planRollout } from '../core/rollout';
import type { ArchiveStatus } from '../backup/backlog';
import type { MemberBackupStatus } from '../backup/schedule';
import type { MemberStatus, Observation } from '../core/types';
import { volumeFull } from '../core/volume-space';
import { formatLsn } from '../postgres/lsn';
import { readTimelineHistory, type TimelineSwitch } from '../postgres/timeline';
import type { WalEndReader } from '../postgres/wal-end';

export class StatusDocument {
  private history: { timeline: number; entries: TimelineSwitch[] } | null = null;

  constructor(
    private readonly member: string,
    private readonly pgdata: string,
    private readonly walEnd: WalEndReader,
    /** The archiving's state, when the cluster archives its WAL. */
    private readonly archive: (() => Promise<ArchiveStatus>) | null = null,
    /** Base backups taken here, when the cluster archives its WAL. */
    private readonly backup: (() => MemberBackupStatus) | null = null,
  ) {}

  async build(o: Observation | null): Promise<MemberStatus> {
    const wal = await this.walEnd.read().catch(() => null);
    const ready = readiness(o);
    const role = o ? roleOf(o) : 'none';
    const timeline = role === 'primary' ? (o?.local.sql?.timeline ?? null) : null;
    return {
      name: this.member,
      role,
      ready: ready.ok,
      reason: ready.reason,
      postgres: o?.local.supervisor?.postgres ?? 'unknown',
      systemIdentifier: o && o.local.data.kind === 'present' ? o.local.data.systemIdentifier : null,
      wal: wal ? { timeline: wal.timeline, lsn: formatLsn(wal.lsn) } : null,
      timeline,
      history: timeline === null ? [] : (await this.historyOf(timeline)).map((h) => ({ timeline: h.timeline, switchpoint: formatLsn(h.switchpoint) })),
      leaseHolder: o && o.lease.kind === 'present' ? o.lease.holder : null,
      apiReachable: o !== null && o.lease.kind !== 'unreachable',
      streaming: (o?.local.sql?.replication ?? []).filter((r) => r.state === 'streaming').map((r) => r.applicationName),
      rollout: o && o.statefulSet !== null ? planRollout(o).reason : null,
      archive: this.archive ? await this.archive() : null,
      backup: this.backup ? this.backup() : null,
      restore: restoreStatus(o),
      volume: o?.local.volume ? { ...o.local.volume, full: volumeFull(o.local.volume) } : null,
    };
  }

  /** A timeline's history never changes once the timeline exists: read each file once. */
  private async historyOf(timeline: number): Promise<TimelineSwitch[]> {
    if (this.history?.timeline !== timeline) {
      this.history = { timeline, entries: await readTimelineHistory(join(this.pgdata, 'pg_wal'), timeline) };
    }
    return this.history.entries;
  }
}

/** A bootstrap from a backup, as this member ran it (null when it ran none). */
function restoreStatus(o: Observation | null): MemberStatus['restore'] {
  const r = o?.memory.restore;
  if (!r || r.phase === 'pending') return null;
  return { phase: r.phase, detail: r.phase === 'failed' ? r.reason : r.detail };
}

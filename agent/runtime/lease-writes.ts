// Every write this member makes to the Lease. Each is conditional on the resourceVersion it was read
// at; a write that makes this member the holder (creation, renewal, takeover) moves the supervisor's
// fencing heartbeat to `sent + renew deadline`, timed from when the request was sent, never from when
// the answer came back.
//
// The renewTime each member writes is read from its own wall clock, and only ever compared for change:
// observers time the holder's silence from the moment they see it change (core/lease-clock.ts). So a
// skewed or stepped clock is harmless, but a renewal must never repeat the renewTime already in the
// Lease: on a wall clock that stood still, every renewal would look like silence and a standby would take
// a Lease its holder is still renewing.
import { ANNOTATIONS, formatSyncSet } from '../core/annotations';
import { EMPTY_SYNC } from '../core/sync-standbys';
import type { Observation, PresentLease, SyncSet } from '../core/types';
import { microTime, type Lease, type LeaseWrite, type WriteOutcome } from '../kube/lease-store';
import type { ActorDeps } from './actor-deps';

export type AnnotationChanges = Record<string, string | null>;

export class LeaseWrites {
  /** Why the last renewal did not land (null after one that did). */
  lastRenewFailure: 'conflict' | 'unreachable' | null = null;

  constructor(private readonly d: ActorDeps) {}

  /** A conditional renewal by the holder; null when it did not land (lastRenewFailure says why). */
  async renew(lease: Lease, annotations: AnnotationChanges = {}): Promise<Lease | null> {
    const sent = this.sent();
    const renewTime = sent.micro === lease.renewTime ? nextMicroTime(sent.micro) : sent.micro;
    const write = { ...this.base(lease, annotations), holder: this.d.config.podName, renewTime };
    const outcome = await this.d.leases.update(lease, write);
    this.lastRenewFailure = outcome.ok ? null : outcome.reason;
    if (!outcome.ok) {
      this.d.state.metrics.renewFailures++;
      return null;
    }
    await this.proven(sent);
    if (lease.uid !== '' && outcome.lease.uid !== lease.uid) {
      // Deleted between this tick's read and this renewal, and created again by it (see Lease.uid).
      void this.d.events.record({ name: this.d.config.podName }, 'Warning', 'LeaseRecreated', `the Lease ${this.d.config.leaseName} was missing (deleted by hand?): this renewal created it again, ${this.d.config.podName} holding it`);
    }
    this.d.state.metrics.renewals++;
    this.d.state.metrics.lastRenewLatencyMs = this.d.now() - sent.at;
    this.d.state.renewalListeners.forEach((listener) => listener(renewTime));
    return outcome.lease;
  }

  /** Creates the Lease with this member as holder (bootstrap, or adopting data when the Lease is gone). */
  async create(o: Observation): Promise<WriteOutcome> {
    const sent = this.sent();
    const sysid = o.local.data.kind === 'present' ? o.local.data.systemIdentifier : null;
    const annotations: Record<string, string> = sysid ? { [ANNOTATIONS.systemIdentifier]: sysid } : {};
    if (this.d.config.replicationMode === 'sync') annotations[ANNOTATIONS.syncStandbys] = formatSyncSet(EMPTY_SYNC);
    const outcome = await this.d.leases.create({
      holder: this.d.config.podName,
      leaseDurationSeconds: this.durationSeconds(),
      acquireTime: sent.micro,
      renewTime: sent.micro,
      transitions: 0,
      annotations,
    });
    if (outcome.ok) await this.proven(sent);
    return outcome;
  }

  /** Takes the Lease from a holder that is gone. A new primary starts with an empty synchronous quorum. */
  async take(lease: PresentLease): Promise<WriteOutcome> {
    const sent = this.sent();
    const write: LeaseWrite = {
      ...this.base(lease.record, {
        [ANNOTATIONS.previousHolder]: lease.holder ?? '',
        [ANNOTATIONS.switchoverTo]: null,
        [ANNOTATIONS.syncStandbys]: this.syncAnnotation(EMPTY_SYNC),
      }),
      holder: this.d.config.podName,
      acquireTime: sent.micro,
      renewTime: sent.micro,
      transitions: lease.record.transitions + 1,
    };
    const outcome = await this.d.leases.update(lease.record, write);
    if (outcome.ok) await this.proven(sent);
    return outcome;
  }

  /** A planned handover to `next`, which confirmed the final WAL position and promotes next. */
  async handTo(lease: PresentLease, next: string, annotations: AnnotationChanges): Promise<WriteOutcome> {
    const write: LeaseWrite = {
      ...this.base(lease.record, {
        ...annotations,
        [ANNOTATIONS.previousHolder]: this.d.config.podName,
        [ANNOTATIONS.switchoverTo]: null,
        // The target has every commit (it confirmed the final WAL position); it alone may succeed it.
        [ANNOTATIONS.syncStandbys]: this.syncAnnotation({ k: 1, members: [next] }),
      }),
      holder: next,
      renewTime: microTime(new Date(this.d.wallNow())),
      transitions: lease.record.transitions + 1,
    };
    return this.handedOver(lease, write);
  }

  /**
   * Hands the Lease back with no successor named while this member's PostgreSQL is not running: a
   * step-down no standby confirmed the final WAL position for in time, or abdicate (a full volume, no
   * data, another major's binaries). The recorded quorum stays: nothing committed since it was recorded
   * (the stopped PostgreSQL commits nothing more, and a shutdown checkpoint is no commit), so every
   * acknowledged commit is still on `k` of its members and one of them may take over. Recording the
   * empty quorum here would leave a synchronous cluster without any eligible member, for good.
   */
  async release(o: Observation, lease: PresentLease, annotations: AnnotationChanges = {}): Promise<WriteOutcome> {
    const write: LeaseWrite = {
      ...this.base(lease.record, {
        ...annotations,
        [ANNOTATIONS.previousHolder]: this.d.config.podName,
        [ANNOTATIONS.switchoverTo]: null,
        ...this.quorumOfOneself(o, lease),
      }),
      holder: null,
      renewTime: microTime(new Date(this.d.wallNow())),
      transitions: lease.record.transitions,
    };
    return this.handedOver(lease, write);
  }

  /** Either way this member stops counting itself as holder. */
  private async handedOver(lease: PresentLease, write: LeaseWrite): Promise<WriteOutcome> {
    const outcome = await this.d.leases.update(lease.record, write);
    this.d.state.memory = { ...this.d.state.memory, lastRenewSentAt: null };
    return outcome;
  }

  /**
   * A recorded quorum that is empty says the primary committed alone: no standby holds every commit it
   * acknowledged, so none may take over. This member does, when it holds this cluster's data: released
   * naming itself alone as the quorum, it may take the Lease back (its pod back, its volume freed)
   * instead of the cluster staying without a primary for good. Any later holder's write replaces it.
   */
  private quorumOfOneself(o: Observation, lease: PresentLease): AnnotationChanges {
    const recorded = lease.syncStandbys;
    if (this.d.config.replicationMode !== 'sync' || (recorded !== null && recorded.k > 0 && recorded.members.length > 0)) return {};
    const ours = o.local.data.kind === 'present' && o.local.data.systemIdentifier === lease.systemIdentifier;
    return ours ? { [ANNOTATIONS.syncStandbys]: formatSyncSet({ k: 1, members: [this.d.config.podName] }) } : {};
  }

  private base(lease: Lease, annotations: AnnotationChanges): LeaseWrite {
    const merged: Record<string, string> = { ...lease.annotations };
    for (const [key, value] of Object.entries(annotations)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    return {
      holder: lease.holder,
      leaseDurationSeconds: this.durationSeconds(),
      acquireTime: lease.acquireTime,
      renewTime: lease.renewTime,
      transitions: lease.transitions,
      annotations: merged,
    };
  }

  private syncAnnotation(set: SyncSet): string | null {
    return this.d.config.replicationMode === 'sync' ? formatSyncSet(set) : null;
  }

  private durationSeconds(): number {
    return Math.round(this.d.config.leaseDurationMs / 1000);
  }

  private sent(): { at: number; boot: number; micro: string } {
    return { at: this.d.now(), boot: this.d.bootNow(), micro: microTime(new Date(this.d.wallNow())) };
  }

  private async proven(sent: { at: number; boot: number }): Promise<void> {
    this.d.state.memory = { ...this.d.state.memory, lastRenewSentAt: sent.at };
    await this.d.supervisor.writeHeartbeat(sent.boot + this.d.config.renewDeadlineMs);
  }
}

/** The MicroTime one microsecond after `time` (microTime's format: six fractional digits, UTC). */
export function nextMicroTime(time: string): string {
  const match = /^(.*\.\d{3})(\d{3})Z$/.exec(time);
  if (!match) throw new Error(`not a MicroTime: ${time}`);
  const micros = Number(match[2]) + 1;
  return micros < 1000 ? `${match[1]}${String(micros).padStart(3, '0')}Z` : microTime(new Date(Date.parse(time) + 1));
}

// Planned handover (a switchover, or the primary's pod being deleted): stop PostgreSQL cleanly, which
// sends every standby the WAL up to the shutdown checkpoint, confirm the target has all of it, then write
// the Lease over to the target and wake it. The target promotes with nothing lost; this member follows.
import { ANNOTATIONS } from '../core/annotations';
import { runningAsPrimary, sameClusterStatus, selfName } from '../core/facts';
import type { Observation, PresentLease } from '../core/types';
import { ordinalOf } from '../config';
import { formatLsn, parseLsn, type Lsn } from '../postgres/lsn';
import { sleep } from '../postgres/supervisor-client';
import type { ActorDeps } from './actor-deps';
import type { Effects } from './effects';
import type { LeaseWrites } from './lease-writes';

/** How long a stepping-down primary waits for a standby to confirm it has the final WAL. */
const CATCH_UP_LIMIT_MS = 5_000;
const CATCH_UP_POLL_MS = 20;
/** How long to wait for a supervisor that is stopping PostgreSQL on its own SIGTERM. */
const SUPERVISOR_STOP_LIMIT_MS = 30_000;

export class Handover {
  constructor(
    private readonly d: ActorDeps,
    private readonly effects: Effects,
    private readonly writes: LeaseWrites,
  ) {}

  /** `target` null: the pod is going away (SIGTERM); pick the best caught-up standby, or release. */
  async run(o: Observation, lease: PresentLease, target: string | null, reason: 'Switchover' | 'StepDown'): Promise<string> {
    const started = this.d.now();
    if (runningAsPrimary(o)) {
      const stop = await this.d.supervisor.run('stop', 'fast');
      if (!stop.ok) await this.waitForSupervisorStopped();
    }
    const final = await this.d.walEnd.read().catch(() => null);
    const chosen = target ?? (final ? await this.chooseTarget(o, lease, final.lsn) : null);
    const caughtUp = chosen !== null && final !== null && (await this.waitCaughtUp(chosen, final.lsn));
    if (!caughtUp && reason === 'Switchover') {
      const back = await this.effects.command('start-primary');
      await this.writes.renew(lease.record, { [ANNOTATIONS.switchoverTo]: null });
      void this.effects.event('Warning', 'SwitchoverAborted', `${chosen} did not confirm the final WAL position in time; serving on`);
      return `switchover aborted (${back})`;
    }
    const next = caughtUp ? chosen : null;
    const published = { [ANNOTATIONS.primaryLsn]: final ? formatLsn(final.lsn) : null };
    // Released with no successor, the Lease keeps the recorded quorum, or names this member alone when it
    // was empty (LeaseWrites.release says why): recording it empty would leave nobody eligible, for good.
    const outcome = next ? await this.writes.handTo(lease, next, published) : await this.writes.release(o, lease, published);
    await this.effects.labelSelf('replica');
    const wakes = next ? [next] : this.d.config.members.filter((m) => m !== selfName(o));
    await Promise.all(wakes.map((m) => this.d.peers.wake(m)));
    const ms = Math.round(this.d.now() - started);
    if (!outcome.ok) return `PostgreSQL stopped; lease write failed (${outcome.reason}), it will expire`;
    void this.effects.event('Normal', reason, next ? `handed the primary role to ${next} at ${final ? formatLsn(final.lsn) : '?'} in ${ms} ms` : 'released the lease: no standby had the final WAL');
    return next ? `handed over to ${next} in ${ms} ms` : `released the lease in ${ms} ms (no standby caught up)`;
  }

  /**
   * The first running standby to confirm the final position, preferring those already on the
   * StatefulSet's newer revision (a rolling update replaces the others next), then the lowest ordinal.
   * Members whose pods are terminating (a scale-down deletes every removed ordinal at once) or that the
   * StatefulSet no longer keeps are never chosen: the primary would only move again.
   */
  private async chooseTarget(o: Observation, lease: PresentLease, final: Lsn): Promise<string | null> {
    const revisionOf = (name: string) => o.pods?.find((p) => p.name === name)?.revision ?? null;
    const leaving = (name: string) => o.pods?.find((p) => p.name === name)?.deleting === true
      || (o.statefulSet?.kind === 'read' && ordinalOf(name) >= o.statefulSet.replicas);
    const mine = revisionOf(selfName(o));
    const candidates = o.peers
      .filter((p) => {
        const status = sameClusterStatus(p, lease);
        return status !== null && status.role === 'replica' && status.postgres === 'running' && !leaving(p.name);
      })
      .map((p) => ({ name: p.name, newer: (revisionOf(p.name) ?? mine) !== mine }))
      .sort((a, b) => Number(b.newer) - Number(a.newer) || ordinalOf(a.name) - ordinalOf(b.name))
      .map((c) => c.name);
    const deadline = this.d.now() + CATCH_UP_LIMIT_MS;
    while (candidates.length > 0 && this.d.now() < deadline) {
      const views = await this.d.peers.observe(candidates);
      const ready = candidates.find((name) => reached(views.find((v) => v.name === name)?.status?.wal, final));
      if (ready) return ready;
      await sleep(CATCH_UP_POLL_MS);
    }
    return null;
  }

  private async waitCaughtUp(member: string, final: Lsn): Promise<boolean> {
    const deadline = this.d.now() + CATCH_UP_LIMIT_MS;
    while (this.d.now() < deadline) {
      const [view] = await this.d.peers.observe([member]);
      if (reached(view?.status?.wal, final)) return true;
      await sleep(CATCH_UP_POLL_MS);
    }
    return false;
  }

  private async waitForSupervisorStopped(): Promise<void> {
    const deadline = this.d.now() + SUPERVISOR_STOP_LIMIT_MS;
    while (this.d.now() < deadline) {
      const state = await this.d.supervisor.readState();
      if (!state || state.postgres.status !== 'running') return;
      await sleep(50);
    }
  }
}

function reached(wal: { lsn: string } | null | undefined, final: Lsn): boolean {
  return wal !== null && wal !== undefined && parseLsn(wal.lsn) >= final;
}

// Carries out the action decide() chose, and returns a one-line outcome for the log. A holder renews
// the Lease before it starts, promotes or keeps serving a primary (lease-writes.ts); the steps
// themselves live in holder-steps.ts, handover.ts and follower-steps.ts.
import { ANNOTATIONS, formatSyncSet, readLeaseAnnotations } from '../core/annotations';
import { runningAsStandby, selfName } from '../core/facts';
import type { Action, LeadStep, Observation, PresentLease } from '../core/types';
import { formatLsn } from '../postgres/lsn';
import type { ActorDeps } from './actor-deps';
import { AuthSecretKeeper } from './auth-secret';
import { Effects } from './effects';
import { FollowerSteps } from './follower-steps';
import { Handover } from './handover';
import { HolderSteps } from './holder-steps';
import { LeaseWrites, type AnnotationChanges } from './lease-writes';
import { RestoreSteps } from './restore-steps';
import { RolloutSteps } from './rollout-steps';

export type { ActorDeps } from './actor-deps';

export class Actor {
  private readonly effects: Effects;
  private readonly writes: LeaseWrites;
  private readonly holder: HolderSteps;
  private readonly handover: Handover;
  private readonly follower: FollowerSteps;
  private readonly rollout: RolloutSteps;
  private readonly authSecret: AuthSecretKeeper;
  private readonly restore: RestoreSteps;

  constructor(private readonly d: ActorDeps) {
    this.effects = new Effects(d);
    this.writes = new LeaseWrites(d);
    this.holder = new HolderSteps(d, this.effects, this.writes);
    this.handover = new Handover(d, this.effects, this.writes);
    this.follower = new FollowerSteps(d, this.effects);
    this.rollout = new RolloutSteps(d, this.effects);
    this.authSecret = new AuthSecretKeeper(d, this.effects);
    this.restore = new RestoreSteps(d, this.effects);
  }

  async act(action: Action, o: Observation): Promise<string> {
    switch (action.type) {
      case 'wait':
        if (action.wake === undefined) return 'waiting';
        return (await this.d.peers.wake(action.wake)) ? `waiting; told ${action.wake} to look now` : `waiting; ${action.wake} did not answer the wake-up`;
      case 'refuse':
        await this.effects.eventOnce('Warning', action.event ?? 'RefusedToJoin', action.reason);
        return 'refused';
      case 'create-lease': {
        const outcome = await this.writes.create(o);
        if (!outcome.ok) return `another member created the lease first (${outcome.reason})`;
        if (action.event) void this.effects.event('Warning', action.event, `the Lease ${this.d.config.leaseName} was missing (deleted by hand?): created it again, ${selfName(o)} holding it`);
        return o.local.data.kind === 'present' ? `lease created, adopting system identifier ${o.local.data.systemIdentifier}` : 'lease created: this member bootstraps the cluster';
      }
      case 'lead': {
        const outcome = await this.lead(action.step, o, presentLease(o), action.reason, action.clearSwitchover);
        const rolled = action.rollout && outcome !== LEASE_NOT_RENEWED ? await this.rollout.step(action.rollout) : null;
        return rolled ? `${outcome}; ${rolled}` : outcome;
      }
      case 'switchover':
        if (action.rollout) this.rollout.announceSwitchover(action.target, action.reason);
        return this.handover.run(o, presentLease(o), action.target, 'Switchover');
      case 'step-down':
        return this.handover.run(o, presentLease(o), null, 'StepDown');
      case 'acquire':
        return this.acquire(o, presentLease(o), action.reason);
      case 'fence':
        return this.holder.fence(action.reason);
      case 'failsafe':
        return this.holder.failsafe();
      case 'follow':
        return this.follower.run(action.step, action.upstream, o);
      case 'exit':
        return 'exiting';
    }
  }

  private async acquire(o: Observation, lease: PresentLease, reason: string): Promise<string> {
    const outcome = await this.writes.take(lease);
    if (!outcome.ok) return `did not get the lease (${outcome.reason}: ${outcome.current?.holder ?? 'unknown'} holds it)`;
    this.d.state.metrics.failovers++;
    void this.effects.event('Warning', 'Failover', `${selfName(o)} took the lease from ${lease.holder ?? 'nobody'}: ${reason}`);
    if (!runningAsStandby(o)) return 'lease acquired; PostgreSQL not running, starting it next';
    // take() recorded the empty quorum: the new primary commits alone until it plans one.
    return `lease acquired; ${await this.holder.promote(o, `failover from ${lease.holder ?? 'nobody'}`, readLeaseAnnotations(outcome.lease).syncStandbys)}`;
  }

  /** Renew first (with what the primary publishes), and only then take the step. */
  private async lead(step: LeadStep, o: Observation, lease: PresentLease, reason: string, clearSwitchover?: string): Promise<string> {
    if (step === 'abdicate') {
      const outcome = await this.writes.release(o, lease);
      void this.effects.event('Warning', 'Abdicated', `released the lease: ${reason}`);
      return outcome.ok ? 'lease released' : `could not release the lease (${outcome.reason})`;
    }
    const plan = step === 'serve' ? this.holder.syncPlan(o, lease) : null;
    const annotations: AnnotationChanges = {};
    const sql = o.local.sql;
    if (step === 'serve' && sql?.lsn != null && sql.timeline !== null) {
      annotations[ANNOTATIONS.primaryLsn] = formatLsn(sql.lsn);
      annotations[ANNOTATIONS.primaryTimeline] = String(sql.timeline);
    }
    if (plan) annotations[ANNOTATIONS.syncStandbys] = formatSyncSet(plan.record);
    if (clearSwitchover) annotations[ANNOTATIONS.switchoverTo] = null;
    const backups = step === 'serve' ? this.d.backups : null;
    if (backups) Object.assign(annotations, backups.leaseAnnotations(o));
    const renewed = await this.writes.renew(lease.record, annotations);
    if (!renewed && step === 'serve' && this.writes.lastRenewFailure === 'unreachable') {
      // The next tick would first spend another API timeout observing what this one just learned: the
      // failsafe round starts now, while the last renewal is still within the renew deadline.
      return `${LEASE_NOT_RENEWED_API}; ${await this.holder.failsafe()}`;
    }
    if (!renewed) return LEASE_NOT_RENEWED;
    backups?.renewed();
    if (clearSwitchover) void this.effects.event('Warning', 'SwitchoverRejected', `switchover request ignored: ${clearSwitchover}`);

    switch (step) {
      case 'initdb':
        return this.holder.initdb();
      case 'start-primary':
      case 'start-standby':
        return this.holder.start(step, lease);
      case 'wait-ready':
        return this.holder.waitReady();
      case 'finish-bootstrap':
        return this.holder.finishBootstrap(o, renewed);
      case 'promote':
        return this.holder.promote(o, lease.previousHolder ? `handover from ${lease.previousHolder}` : 'holding the lease', lease.syncStandbys);
      case 'serve': {
        const served = await this.holder.serve(o, plan);
        const kept = await this.authSecret.keep();
        return kept ? `${served}; ${kept}` : served;
      }
      case 'restore':
        return this.restore.start();
      case 'restore-wait':
        return 'lease renewed; the restore runs';
    }
  }
}

const LEASE_NOT_RENEWED = 'lease renewal failed; nothing else done this tick';
const LEASE_NOT_RENEWED_API = 'lease renewal got no answer from the Kubernetes API';

function presentLease(o: Observation): PresentLease {
  if (o.lease.kind !== 'present') throw new Error(`decide() chose a lease action without a lease (${o.lease.kind})`);
  return o.lease;
}

// What the lease holder does after a renewal: bootstrap a new cluster, promote, keep the primary
// (labels, replication slots, the synchronous quorum), and what a primary does when it must stop
// (fencing) or may keep serving without the API (failsafe).
import { ANNOTATIONS } from '../core/annotations';
import { selfName } from '../core/facts';
import { keptMembers } from '../core/rollout';
import { EMPTY_SYNC, planSync, quorumEvent, sameSet, startingQuorum, waitingEvent, type SyncPlan } from '../core/sync-standbys';
import type { Observation, PresentLease, SyncSet } from '../core/types';
import { REPLICATION_USER, SUPERUSER } from '../credentials';
import type { Lease } from '../kube/lease-store';
import { slotName } from '../postgres/dynamic-conf';
import { scramVerifier } from '../postgres/scram';
import { sleep } from '../postgres/supervisor-client';
import type { ActorDeps } from './actor-deps';
import type { Effects } from './effects';
import type { LeaseWrites } from './lease-writes';

/** How soon a member that refused a failsafe confirmation is asked again within one round. */
const FAILSAFE_RETRY_MS = 200;

/** How long a new primary may take to leave recovery after pg_ctl promote. */
const PROMOTION_LIMIT_MS = 15_000;
/** How often a starting primary asks whether PostgreSQL accepts connections. */
const READY_POLL_MS = 50;
/** How often a promoting member asks whether PostgreSQL left recovery. */
const PROMOTION_POLL_MS = 20;

export class HolderSteps {
  /** Why commits wait in strict mode, as last announced by an Event (null: they do not wait). */
  private commitsWaiting: string | null = null;

  constructor(
    private readonly d: ActorDeps,
    private readonly effects: Effects,
    private readonly writes: LeaseWrites,
  ) {}

  async initdb(): Promise<string> {
    const credentials = await this.effects.ensureCredentials(true);
    if (!credentials.ok) return credentials.reason;
    return this.effects.command('init');
  }

  /** Sets the passwords as SCRAM verifiers (no plaintext reaches the server or its log), then records the cluster. */
  async finishBootstrap(o: Observation, lease: Lease): Promise<string> {
    const credentials = await this.effects.ensureCredentials(true);
    if (!credentials.ok) return credentials.reason;
    const { superuserPassword, replicationPassword } = credentials.credentials;
    await this.d.sql.query(`alter role ${SUPERUSER} with password '${scramVerifier(superuserPassword)}'`);
    const [{ exists }] = await this.d.sql.query<{ exists: boolean }>('select exists(select 1 from pg_roles where rolname = $1) as exists', [REPLICATION_USER]);
    await this.d.sql.query(`${exists ? 'alter' : 'create'} role ${REPLICATION_USER} with replication login password '${scramVerifier(replicationPassword)}'`);
    const sysid = o.local.data.kind === 'present' ? o.local.data.systemIdentifier : null;
    if (!sysid) return 'no system identifier on disk yet';
    const recorded = await this.writes.renew(lease, { [ANNOTATIONS.systemIdentifier]: sysid });
    if (!recorded) return 'roles created; recording the cluster on the lease failed, retrying';
    void this.effects.event('Normal', 'Bootstrapped', `initialised the cluster (system identifier ${sysid})`);
    return `cluster initialised (system identifier ${sysid})`;
  }

  /** The synchronous quorum to record with this tick's renewal (synchronous mode only). */
  syncPlan(o: Observation, lease: PresentLease): SyncPlan | null {
    if (this.d.config.replicationMode !== 'sync') return null;
    return planSync({
      self: selfName(o),
      members: this.d.config.members,
      k: this.d.config.synchronousReplicas,
      recorded: lease.syncStandbys,
      applied: o.local.appliedSync,
      replication: o.local.sql?.replication ?? [],
      currentLsn: o.local.sql?.lsn ?? null,
      pending: o.memory.pendingSync,
      strict: this.d.config.synchronousStrict,
    });
  }

  /** After a renewal that recorded `plan.record`: labels, slots, then the quorum PostgreSQL waits for. */
  async serve(o: Observation, plan: SyncPlan | null): Promise<string> {
    const notes: string[] = [];
    // A serving primary has taken the label off its predecessor when it promoted: another pod labelled
    // primary now is a hand edit (or a stale write), which would put two pods behind Service <name>.
    for (const pod of await this.effects.relabelOthers(o)) {
      void this.effects.event('Warning', 'RoleLabelRepaired', `${pod} was labelled primary while ${selfName(o)} holds the Lease: labelled replica again`);
      notes.push(`${pod} relabelled replica`);
    }
    await this.effects.labelSelf('primary', o);
    const slots = await this.ensureSlots(o);
    if (slots) notes.push(slots);
    const wanted = plan ? plan.apply : EMPTY_SYNC;
    if (plan) this.d.state.memory = { ...this.d.state.memory, pendingSync: plan.pending };
    const applied = o.local.appliedSync ?? EMPTY_SYNC;
    if (!sameSet(wanted, applied) || o.local.upstream !== null) {
      await this.effects.writeDynamic(null, wanted);
      const reload = await this.d.supervisor.run('reload');
      notes.push(`synchronous standbys now ${wanted.members.length ? `ANY ${wanted.k} of ${wanted.members.join(', ')}` : 'none'} (${reload.message})`);
      const change = plan && reload.ok ? quorumEvent(applied, wanted) : null;
      if (change) void this.effects.event(change.type, change.reason, change.message);
    }
    const waiting = plan?.waiting ?? null;
    const wait = waitingEvent(this.commitsWaiting, waiting, wanted);
    this.commitsWaiting = waiting;
    if (wait) {
      void this.effects.event(wait.type, wait.reason, wait.message);
      notes.push(waiting ?? 'commits go on');
    }
    return notes.length ? notes.join('; ') : 'lease renewed';
  }

  /** A slot per other member, so each standby catches up from where it stopped; none for ourselves or strangers. */
  private async ensureSlots(o: Observation): Promise<string | null> {
    const sql = o.local.sql;
    if (!sql) return null;
    const wanted = keptMembers(o).filter((m) => m !== selfName(o)).map(slotName);
    const missing = wanted.filter((s) => !sql.slots.includes(s));
    const stale = sql.slots.filter((s) => !wanted.includes(s));
    for (const slot of missing) await this.d.sql.query('select pg_create_physical_replication_slot($1, true)', [slot]);
    for (const slot of stale) await this.d.sql.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active', [slot]);
    const changes = [...missing.map((s) => `+${s}`), ...stale.map((s) => `-${s}`)];
    return changes.length ? `replication slots ${changes.join(' ')}` : null;
  }

  /**
   * A starting primary (after initdb, or restarted after a crash of its PostgreSQL): watch for it to
   * accept connections for up to a retry period, so the primary serves as soon as it can rather than at
   * the next tick. The loop ticks again right after (see loop.ts), which renews the lease as usual.
   */
  async waitReady(): Promise<string> {
    const deadline = this.d.now() + this.d.config.retryPeriodMs;
    while (this.d.now() < deadline) {
      const accepting = await this.d.sql.query('select 1').then(() => true, () => false);
      if (accepting) return 'lease renewed; PostgreSQL accepts connections';
      await sleep(READY_POLL_MS);
    }
    return 'lease renewed; waiting for PostgreSQL';
  }

  /**
   * Starts PostgreSQL on the holder's data. A primary restarted on the cluster's data (after a crash of its
   * PostgreSQL) starts with the quorum the Lease records (startingQuorum): with none it would acknowledge
   * commits alone until its first tick while a standby named on the Lease may still be promoted. A
   * bootstrap's own roles must commit alone; a standby's data starts without a quorum and promotes next.
   */
  async start(step: 'start-primary' | 'start-standby', lease: PresentLease): Promise<string> {
    const primary = step === 'start-primary' && lease.systemIdentifier !== null;
    await this.effects.writeDynamic(null, primary ? startingQuorum(this.d.config, lease.syncStandbys) : EMPTY_SYNC);
    return this.effects.command(step);
  }

  /**
   * Promote, verify it left recovery, label, then CHECKPOINT (for a later pg_rewind of the old primary).
   * `recorded` is the quorum the Lease records now (the one this promotion must keep true).
   */
  async promote(o: Observation, why: string, recorded: SyncSet | null): Promise<string> {
    const started = this.d.now();
    await this.effects.relabelOthers(o);
    const starting = startingQuorum(this.d.config, recorded);
    await this.effects.writeDynamic(null, starting);
    if (starting.members.length > 0) {
      // Loaded before the promotion (pg_ctl promote reloads nothing), so not one commit is acknowledged
      // alone before the first quorum planned. The walreceiver stops (no primary_conninfo); promotion
      // replays what is on disk all the same.
      const reload = await this.d.supervisor.run('reload');
      if (!reload.ok) return `promotion postponed: the synchronous quorum did not load (${reload.message})`;
    }
    const requested = await this.d.supervisor.run('promote');
    if (!requested.ok) return `promotion failed: ${requested.message}`;
    let promoted = false;
    while (!promoted && this.d.now() < started + PROMOTION_LIMIT_MS) {
      try {
        const [row] = await this.d.sql.query<{ r: boolean }>('select pg_is_in_recovery() as r');
        promoted = !row.r;
      } catch {
        // Not accepting connections yet (a warm standby opens them at the end of promotion).
      }
      if (!promoted) await sleep(PROMOTION_POLL_MS);
    }
    if (!promoted) return `promotion requested but PostgreSQL still in recovery after ${PROMOTION_LIMIT_MS / 1000}s`;
    // Label before the checkpoint: the Services follow the label, and the checkpoint only serves a later
    // pg_rewind of the old primary, which cannot start before it sees us as primary anyway.
    await this.effects.labelSelf('primary');
    await this.d.sql.query('checkpoint').catch(() => undefined);
    this.d.state.metrics.promotions++;
    const ms = Math.round(this.d.now() - started);
    void this.effects.event('Normal', 'Promoted', `promoted to primary (${why}) in ${ms} ms`);
    return `promoted to primary in ${ms} ms (${why})`;
  }

  async fence(reason: string): Promise<string> {
    const stopped = await this.d.supervisor.run('stop', 'immediate');
    this.d.state.metrics.fencings++;
    void this.effects.labelSelf('replica');
    void this.effects.event('Warning', 'Fenced', `stopped the primary at once: ${reason}`);
    return stopped.ok ? 'PostgreSQL stopped (immediate)' : `stop failed: ${stopped.message}`;
  }

  /**
   * Asks every other member to confirm this primary while the API is unreachable; all must. A member that
   * has not yet noticed the outage refuses, so the ones that refused are asked again every
   * FAILSAFE_RETRY_MS for up to a retry period: the next tick would first spend an API timeout. The proof
   * dates from the earliest request of the confirmations it counts.
   */
  async failsafe(): Promise<string> {
    const started = this.d.now();
    const others = this.d.config.members.filter((m) => m !== this.d.config.podName);
    const confirmedAt = new Map<string, { at: number; boot: number }>();
    for (;;) {
      const ask = others.filter((m) => !confirmedAt.has(m));
      const sent = { at: this.d.now(), boot: this.d.bootNow() };
      const answers = await Promise.all(ask.map((m) => this.d.peers.failsafe(m, this.d.config.podName)));
      ask.forEach((m, i) => answers[i] && confirmedAt.set(m, sent));
      if (confirmedAt.size === others.length || this.d.now() - started >= this.d.config.retryPeriodMs) break;
      await new Promise((resolve) => setTimeout(resolve, FAILSAFE_RETRY_MS));
    }
    if (confirmedAt.size < others.length) return `only ${confirmedAt.size} of ${others.length} members confirm this primary`;
    const proof = [...confirmedAt.values()].reduce((a, b) => (b.at < a.at ? b : a), { at: Infinity, boot: Infinity });
    const sentAt = others.length === 0 ? started : proof.at;
    const sentBoot = others.length === 0 ? this.d.bootNow() : proof.boot;
    this.d.state.memory = { ...this.d.state.memory, failsafeConfirmedAt: sentAt };
    await this.d.supervisor.writeHeartbeat(sentBoot + this.d.config.renewDeadlineMs);
    return `all ${others.length} members confirm this primary; serving on`;
  }
}

// Carries out the action decide() chose. Every lease write is conditional on the observed
// resourceVersion; a holder renews before it starts, promotes or keeps serving a primary, and writes the
// supervisor's fencing heartbeat only after a renewal (or failsafe confirmation) succeeded.
import { ANNOTATIONS, formatSyncSet, ROLE_LABEL } from '../core/annotations';
import { dataWasPrimary, runningAsPrimary, runningAsStandby, sameClusterStatus, selfName } from '../core/facts';
import { EMPTY_SYNC, planSync, sameSet } from '../core/sync-standbys';
import type { Action, FollowStep, LeadStep, Observation, PresentLease, SyncSet } from '../core/types';
import { memberHost, ordinalOf, type AgentConfig } from '../config';
import { ensureManagedCredentials, loadCredentials, REPLICATION_USER, SUPERUSER, writePgpass, type Credentials } from '../credentials';
import type { EventRecorder } from '../kube/events';
import { microTime, type Lease, type LeaseStore, type LeaseWrite } from '../kube/lease-store';
import type { Pods } from '../kube/pods';
import type { Secrets } from '../kube/secrets';
import { DynamicConfFile, slotName } from '../postgres/dynamic-conf';
import type { LocalSql } from '../postgres/local-sql';
import { formatLsn, parseLsn, type Lsn } from '../postgres/lsn';
import { scramVerifier } from '../postgres/scram';
import { sleep, type SupervisorClient } from '../postgres/supervisor-client';
import type { WalEndReader } from '../postgres/wal-end';
import type { PeerClient } from '../peers/peer-client';
import type { ServerTls } from '../tls/server-tls';
import type { RuntimeState } from './state';

export interface ActorDeps {
  readonly config: AgentConfig;
  readonly now: () => number;
  readonly wallNow: () => number;
  readonly leases: LeaseStore;
  readonly pods: Pods;
  readonly events: EventRecorder;
  readonly secrets: Secrets;
  readonly supervisor: SupervisorClient;
  readonly sql: LocalSql;
  readonly dynamicConf: DynamicConfFile;
  readonly walEnd: WalEndReader;
  readonly peers: PeerClient;
  readonly state: RuntimeState;
  readonly tls: ServerTls;
}

/** How long a new primary may take to leave recovery after pg_ctl promote. */
const PROMOTION_LIMIT_MS = 15_000;
/** How long a stepping-down primary waits for a standby to confirm it has the final WAL. */
const HANDOVER_CATCH_UP_MS = 5_000;

export class Actor {
  private credentials: Credentials | null = null;

  constructor(private readonly d: ActorDeps) {}

  /** Returns a one-line outcome for the log. */
  async act(action: Action, o: Observation): Promise<string> {
    switch (action.type) {
      case 'wait':
        return 'waiting';
      case 'refuse':
        await this.eventOnce('Warning', 'RefusedToJoin', action.reason);
        return 'refused';
      case 'create-lease':
        return this.createLease(o);
      case 'lead':
        return this.lead(action.step, o, presentLease(o), action.clearSwitchover);
      case 'switchover':
        return this.handOver(o, presentLease(o), action.target, 'Switchover');
      case 'acquire':
        return this.acquire(o, presentLease(o), action.reason);
      case 'fence':
        return this.fence(action.reason);
      case 'failsafe':
        return this.failsafe();
      case 'follow':
        return this.follow(action.step, action.upstream, o);
      case 'step-down':
        return this.stepDown(o);
      case 'exit':
        return 'exiting';
    }
  }

  // ---- the lease ----

  private baseWrite(lease: Lease, annotations: Record<string, string | null>): LeaseWrite {
    const merged: Record<string, string> = { ...lease.annotations };
    for (const [key, value] of Object.entries(annotations)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    return {
      holder: lease.holder,
      leaseDurationSeconds: Math.round(this.d.config.leaseDurationMs / 1000),
      acquireTime: lease.acquireTime,
      renewTime: lease.renewTime,
      transitions: lease.transitions,
      annotations: merged,
    };
  }

  /** A conditional renewal; on success the heartbeat moves to `sent + renew deadline`. */
  private async renew(lease: Lease, annotations: Record<string, string | null> = {}): Promise<Lease | null> {
    const sentAt = this.d.now();
    const sentWall = this.d.wallNow();
    const write = { ...this.baseWrite(lease, annotations), holder: this.d.config.podName, renewTime: microTime(new Date(sentWall)) };
    const outcome = await this.d.leases.update(lease, write);
    if (!outcome.ok) {
      this.d.state.metrics.renewFailures++;
      return null;
    }
    await this.provenAt(sentAt, sentWall);
    this.d.state.metrics.renewals++;
    this.d.state.metrics.lastRenewLatencyMs = this.d.now() - sentAt;
    return outcome.lease;
  }

  private async provenAt(sentAt: number, sentWall: number): Promise<void> {
    this.d.state.memory = { ...this.d.state.memory, lastRenewSentAt: sentAt };
    await this.d.supervisor.writeHeartbeat(sentWall + this.d.config.renewDeadlineMs);
  }

  private async createLease(o: Observation): Promise<string> {
    const sentAt = this.d.now();
    const sentWall = this.d.wallNow();
    const now = microTime(new Date(sentWall));
    const sysid = o.local.data.kind === 'present' ? o.local.data.systemIdentifier : null;
    const annotations: Record<string, string> = sysid ? { [ANNOTATIONS.systemIdentifier]: sysid } : {};
    if (this.d.config.replicationMode === 'sync') annotations[ANNOTATIONS.syncStandbys] = formatSyncSet(EMPTY_SYNC);
    const outcome = await this.d.leases.create({
      holder: this.d.config.podName,
      leaseDurationSeconds: Math.round(this.d.config.leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      transitions: 0,
      annotations,
    });
    if (!outcome.ok) return `another member created the lease first (${outcome.reason})`;
    await this.provenAt(sentAt, sentWall);
    return sysid ? `lease created, adopting system identifier ${sysid}` : 'lease created: this member bootstraps the cluster';
  }

  private async acquire(o: Observation, lease: PresentLease, reason: string): Promise<string> {
    const sentAt = this.d.now();
    const sentWall = this.d.wallNow();
    const now = microTime(new Date(sentWall));
    const write: LeaseWrite = {
      ...this.baseWrite(lease.record, {
        [ANNOTATIONS.previousHolder]: lease.holder ?? '',
        [ANNOTATIONS.switchoverTo]: null,
        // A new primary starts with no standby known to hold its commits; see core/sync-standbys.ts.
        [ANNOTATIONS.syncStandbys]: this.d.config.replicationMode === 'sync' ? formatSyncSet(EMPTY_SYNC) : null,
      }),
      holder: this.d.config.podName,
      acquireTime: now,
      renewTime: now,
      transitions: lease.record.transitions + 1,
    };
    const outcome = await this.d.leases.update(lease.record, write);
    if (!outcome.ok) return `did not get the lease (${outcome.reason}: ${outcome.current?.holder ?? 'unknown'} holds it)`;
    await this.provenAt(sentAt, sentWall);
    this.d.state.metrics.failovers++;
    void this.event('Warning', 'Failover', `${selfName(o)} took the lease from ${lease.holder ?? 'nobody'}: ${reason}`);
    if (!runningAsStandby(o)) return 'lease acquired; PostgreSQL not running, starting it next';
    return `lease acquired; ${await this.promote(o, `failover from ${lease.holder ?? 'nobody'}`)}`;
  }

  // ---- the holder ----

  private async lead(step: LeadStep, o: Observation, lease: PresentLease, clearSwitchover?: string): Promise<string> {
    if (step === 'abdicate') return this.abdicate(o, lease);
    const plan = step === 'serve' ? this.syncPlan(o, lease) : null;
    const annotations: Record<string, string | null> = {};
    if (step === 'serve' && o.local.sql?.lsn != null && o.local.sql.timeline !== null) {
      annotations[ANNOTATIONS.primaryLsn] = formatLsn(o.local.sql.lsn);
      annotations[ANNOTATIONS.primaryTimeline] = String(o.local.sql.timeline);
    }
    if (plan) annotations[ANNOTATIONS.syncStandbys] = formatSyncSet(plan.record);
    if (clearSwitchover) annotations[ANNOTATIONS.switchoverTo] = null;
    const renewed = await this.renew(lease.record, annotations);
    if (!renewed) return 'lease renewal failed; nothing else done this tick';
    if (clearSwitchover) void this.event('Warning', 'SwitchoverRejected', `switchover request ignored: ${clearSwitchover}`);

    switch (step) {
      case 'initdb':
        return this.initdb();
      case 'start-primary':
        await this.writeDynamic(null, EMPTY_SYNC);
        return this.command('start-primary');
      case 'start-standby':
        await this.writeDynamic(null, EMPTY_SYNC);
        return this.command('start-standby');
      case 'wait-ready':
        return 'lease renewed; waiting for PostgreSQL';
      case 'finish-bootstrap':
        return this.finishBootstrap(o, renewed);
      case 'promote':
        return this.promote(o, lease.previousHolder ? `handover from ${lease.previousHolder}` : 'holding the lease');
      case 'serve':
        return this.serve(o, plan);
    }
  }

  private async abdicate(o: Observation, lease: PresentLease): Promise<string> {
    const outcome = await this.d.leases.update(lease.record, { ...this.baseWrite(lease.record, { [ANNOTATIONS.previousHolder]: selfName(o) }), holder: null });
    this.d.state.memory = { ...this.d.state.memory, lastRenewSentAt: null };
    void this.event('Warning', 'Abdicated', 'released the lease: this member cannot serve the recorded cluster');
    return outcome.ok ? 'lease released' : `could not release the lease (${outcome.reason})`;
  }

  private async initdb(): Promise<string> {
    const credentials = await this.ensureCredentials(true);
    if (!credentials.ok) return credentials.reason;
    return this.command('init');
  }

  private async finishBootstrap(o: Observation, lease: Lease): Promise<string> {
    const credentials = await this.ensureCredentials(true);
    if (!credentials.ok) return credentials.reason;
    const { superuserPassword, replicationPassword } = credentials.credentials;
    await this.d.sql.query(`alter role ${SUPERUSER} with password '${scramVerifier(superuserPassword)}'`);
    const [{ exists }] = await this.d.sql.query<{ exists: boolean }>('select exists(select 1 from pg_roles where rolname = $1) as exists', [REPLICATION_USER]);
    const verb = exists ? 'alter' : 'create';
    await this.d.sql.query(`${verb} role ${REPLICATION_USER} with replication login password '${scramVerifier(replicationPassword)}'`);
    const sysid = o.local.data.kind === 'present' ? o.local.data.systemIdentifier : null;
    if (!sysid) return 'no system identifier on disk yet';
    const recorded = await this.renew(lease, { [ANNOTATIONS.systemIdentifier]: sysid });
    if (!recorded) return 'roles created; recording the cluster on the lease failed, retrying';
    void this.event('Normal', 'Bootstrapped', `initialised the cluster (system identifier ${sysid})`);
    return `cluster initialised (system identifier ${sysid})`;
  }

  private syncPlan(o: Observation, lease: PresentLease) {
    if (this.d.config.replicationMode !== 'sync') return null;
    const plan = planSync({
      self: selfName(o),
      members: this.d.config.members,
      k: this.d.config.synchronousReplicas,
      recorded: lease.syncStandbys,
      applied: o.local.appliedSync,
      replication: o.local.sql?.replication ?? [],
      currentLsn: o.local.sql?.lsn ?? null,
      pending: o.memory.pendingSync,
    });
    return plan;
  }

  private async serve(o: Observation, plan: ReturnType<Actor['syncPlan']>): Promise<string> {
    const notes: string[] = [];
    await this.relabel(o, 'primary');
    const slots = await this.ensureSlots(o);
    if (slots) notes.push(slots);
    const wanted = plan ? plan.apply : EMPTY_SYNC;
    if (plan) this.d.state.memory = { ...this.d.state.memory, pendingSync: plan.pending };
    if (!sameSet(wanted, o.local.appliedSync ?? EMPTY_SYNC) || o.local.upstream !== null) {
      await this.writeDynamic(null, wanted);
      const reload = await this.d.supervisor.run('reload');
      notes.push(`synchronous standbys now ${wanted.members.length ? `ANY ${wanted.k} of ${wanted.members.join(', ')}` : 'none'} (${reload.message})`);
    }
    return notes.length ? notes.join('; ') : 'lease renewed';
  }

  private async ensureSlots(o: Observation): Promise<string | null> {
    const sql = o.local.sql;
    if (!sql) return null;
    const wanted = this.d.config.members.filter((m) => m !== selfName(o)).map(slotName);
    const missing = wanted.filter((s) => !sql.slots.includes(s));
    const stale = sql.slots.filter((s) => !wanted.includes(s));
    for (const slot of missing) await this.d.sql.query('select pg_create_physical_replication_slot($1, true)', [slot]);
    // Our own slot (left from when this member was a standby) or slots of members that no longer exist
    // would hold WAL back for nobody.
    for (const slot of stale) await this.d.sql.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active', [slot]);
    const changes = [...missing.map((s) => `+${s}`), ...stale.map((s) => `-${s}`)];
    return changes.length ? `replication slots ${changes.join(' ')}` : null;
  }

  private async promote(o: Observation, why: string): Promise<string> {
    const started = this.d.now();
    await this.relabelOthers(o);
    await this.writeDynamic(null, EMPTY_SYNC);
    const requested = await this.d.supervisor.run('promote');
    if (!requested.ok) return `promotion failed: ${requested.message}`;
    const deadline = started + PROMOTION_LIMIT_MS;
    let promoted = false;
    while (!promoted && this.d.now() < deadline) {
      try {
        const [row] = await this.d.sql.query<{ r: boolean }>('select pg_is_in_recovery() as r');
        promoted = !row.r;
      } catch {
        // Not accepting connections yet (a warm standby opens them at the end of promotion).
      }
      if (!promoted) await sleep(20);
    }
    if (!promoted) return `promotion requested but PostgreSQL still in recovery after ${PROMOTION_LIMIT_MS / 1000}s`;
    // Label before the checkpoint: the Services follow the label, and the checkpoint only serves a later
    // pg_rewind of the old primary, which cannot start before it sees us as primary anyway.
    await this.labelSelf('primary');
    await this.d.sql.query('checkpoint').catch(() => undefined);
    this.d.state.metrics.promotions++;
    void this.event('Normal', 'Promoted', `promoted to primary (${why}) in ${this.d.now() - started} ms`);
    return `promoted to primary in ${this.d.now() - started} ms (${why})`;
  }

  private async fence(reason: string): Promise<string> {
    const stopped = await this.d.supervisor.run('stop', 'immediate');
    this.d.state.metrics.fencings++;
    void this.labelSelf('replica');
    void this.event('Warning', 'Fenced', `stopped the primary at once: ${reason}`);
    return stopped.ok ? 'PostgreSQL stopped (immediate)' : `stop failed: ${stopped.message}`;
  }

  private async failsafe(): Promise<string> {
    const sentAt = this.d.now();
    const sentWall = this.d.wallNow();
    const others = this.d.config.members.filter((m) => m !== this.d.config.podName);
    const answers = await Promise.all(others.map((m) => this.d.peers.failsafe(m, this.d.config.podName)));
    const confirmed = answers.filter(Boolean).length;
    if (confirmed < others.length) return `only ${confirmed} of ${others.length} members confirm this primary`;
    this.d.state.memory = { ...this.d.state.memory, failsafeConfirmedAt: sentAt };
    await this.d.supervisor.writeHeartbeat(sentWall + this.d.config.renewDeadlineMs);
    return `all ${others.length} members confirm this primary; serving on`;
  }

  /**
   * Planned handover (switchover, or the primary's pod is being deleted): stop PostgreSQL cleanly, which
   * sends every standby the WAL up to the shutdown checkpoint, confirm the target has it all, then write
   * the lease to the target and wake it. The target promotes with nothing lost; this member follows it.
   */
  private async handOver(o: Observation, lease: PresentLease, target: string | null, reason: 'Switchover' | 'StepDown'): Promise<string> {
    const started = this.d.now();
    if (runningAsPrimary(o)) {
      const stop = await this.d.supervisor.run('stop', 'fast');
      if (!stop.ok) await this.waitForSupervisorStopped();
    }
    const final = await this.d.walEnd.read().catch(() => null);
    const chosen = target ?? (final ? await this.chooseHandoverTarget(o, lease, final.lsn) : null);
    const caughtUp = chosen !== null && final !== null && (await this.waitCaughtUp(chosen, final.lsn));
    if (!caughtUp) {
      if (reason === 'Switchover') {
        const back = await this.command('start-primary');
        await this.renew(lease.record, { [ANNOTATIONS.switchoverTo]: null });
        void this.event('Warning', 'SwitchoverAborted', `${chosen} did not confirm the final WAL position in time; serving on`);
        return `switchover aborted (${back})`;
      }
    }
    const next = caughtUp ? chosen : null;
    const write: LeaseWrite = {
      ...this.baseWrite(lease.record, {
        [ANNOTATIONS.previousHolder]: selfName(o),
        [ANNOTATIONS.switchoverTo]: null,
        [ANNOTATIONS.primaryLsn]: final ? formatLsn(final.lsn) : null,
        [ANNOTATIONS.syncStandbys]: this.d.config.replicationMode === 'sync' ? formatSyncSet(next ? { k: 1, members: [next] } : EMPTY_SYNC) : null,
      }),
      holder: next,
      renewTime: microTime(new Date(this.d.wallNow())),
      transitions: lease.record.transitions + (next ? 1 : 0),
    };
    const outcome = await this.d.leases.update(lease.record, write);
    this.d.state.memory = { ...this.d.state.memory, lastRenewSentAt: null };
    await this.labelSelf('replica');
    const wakes = next ? [next] : this.d.config.members.filter((m) => m !== selfName(o));
    await Promise.all(wakes.map((m) => this.d.peers.wake(m)));
    const ms = this.d.now() - started;
    if (!outcome.ok) return `PostgreSQL stopped; lease write failed (${outcome.reason}), it will expire`;
    void this.event('Normal', reason, next ? `handed the primary role to ${next} at ${final ? formatLsn(final.lsn) : '?'} in ${ms} ms` : 'released the lease: no standby had the final WAL');
    return next ? `handed over to ${next} in ${ms} ms` : `released the lease in ${ms} ms (no standby caught up)`;
  }

  private stepDown(o: Observation): Promise<string> {
    return this.handOver(o, presentLease(o), null, 'StepDown');
  }

  /** Prefer standbys already on the StatefulSet's newer revision (a rolling update replaces the rest next), then the lowest ordinal. */
  private async chooseHandoverTarget(o: Observation, lease: PresentLease, final: Lsn): Promise<string | null> {
    const myRevision = o.pods?.find((p) => p.name === selfName(o))?.revision ?? null;
    const candidates = o.peers
      .filter((p) => {
        const status = sameClusterStatus(p, lease);
        return status !== null && status.role === 'replica' && status.postgres === 'running';
      })
      .map((p) => ({ name: p.name, newer: (o.pods?.find((pod) => pod.name === p.name)?.revision ?? myRevision) !== myRevision }))
      .sort((a, b) => Number(b.newer) - Number(a.newer) || ordinalOf(a.name) - ordinalOf(b.name));
    const deadline = this.d.now() + HANDOVER_CATCH_UP_MS;
    while (this.d.now() < deadline && candidates.length > 0) {
      const views = await this.d.peers.observe(candidates.map((c) => c.name));
      const ready = candidates.find((c) => {
        const wal = views.find((v) => v.name === c.name)?.status?.wal;
        return wal !== undefined && wal !== null && parseLsn(wal.lsn) >= final;
      });
      if (ready) return ready.name;
      await sleep(20);
    }
    return null;
  }

  private async waitCaughtUp(member: string, final: Lsn): Promise<boolean> {
    const deadline = this.d.now() + HANDOVER_CATCH_UP_MS;
    while (this.d.now() < deadline) {
      const [view] = await this.d.peers.observe([member]);
      const wal = view?.status?.wal;
      if (wal && parseLsn(wal.lsn) >= final) return true;
      await sleep(20);
    }
    return false;
  }

  private async waitForSupervisorStopped(): Promise<void> {
    const deadline = this.d.now() + 30_000;
    while (this.d.now() < deadline) {
      const state = await this.d.supervisor.readState();
      if (!state || state.postgres.status !== 'running') return;
      await sleep(50);
    }
  }

  // ---- followers ----

  private async follow(step: FollowStep, upstream: string, o: Observation): Promise<string> {
    const host = memberHost(this.d.config, upstream);
    if (step === 'stream') {
      await this.labelSelf('replica', o);
      return `streaming from ${upstream}`;
    }
    if (step === 'repoint') {
      await this.writeDynamic(host, EMPTY_SYNC);
      const reload = await this.d.supervisor.run('reload');
      void this.event('Normal', 'Following', `now streaming from ${upstream}`);
      return `following ${upstream} (${reload.message})`;
    }
    const credentials = await this.ensureCredentials(false);
    if (!credentials.ok) return credentials.reason;
    // A clone or rewind verifies the primary's certificate against the CA it finds in the TLS files.
    const tls = await this.d.tls.ensure();
    if (!tls.ok) return tls.reason;
    if (step === 'start-standby') {
      await this.writeDynamic(host, EMPTY_SYNC);
      const result = await this.command('start-standby');
      if (dataWasPrimary(o)) void this.event('Normal', 'Rejoined', `former primary rejoins as a standby of ${upstream}`);
      return result;
    }
    if (o.local.supervisor?.postgres === 'running') {
      const stop = await this.d.supervisor.run('stop', 'fast');
      if (!stop.ok) return `could not stop PostgreSQL: ${stop.message}`;
    }
    const port = String(this.d.config.postgresPort);
    if (step === 'rewind') {
      const rewind = await this.d.supervisor.run('rewind', host, port);
      if (rewind.ok) {
        void this.event('Normal', 'Rewound', `pg_rewind from ${upstream}: ${rewind.message}`);
        return `rewound from ${upstream}`;
      }
      void this.event('Warning', 'RewindFailed', `pg_rewind from ${upstream} failed (${rewind.message}); cloning instead`);
    }
    const clone = await this.d.supervisor.run('clone', host, port);
    if (clone.ok) void this.event('Normal', 'Cloned', `cloned the data from ${upstream}`);
    return clone.ok ? `cloned from ${upstream}` : `clone failed: ${clone.message}`;
  }

  // ---- shared helpers ----

  private async command(verb: 'init' | 'start-primary' | 'start-standby'): Promise<string> {
    if (verb !== 'init') {
      // With ssl = on, PostgreSQL does not start without its certificate and key in place.
      const tls = await this.d.tls.ensure();
      if (!tls.ok) return `${verb} waits: ${tls.reason}`;
    }
    const result = await this.d.supervisor.run(verb);
    return result.ok ? result.message : `${verb} failed: ${result.message}`;
  }

  private async writeDynamic(upstreamHost: string | null, sync: SyncSet): Promise<void> {
    await this.d.dynamicConf.write({
      upstreamHost,
      upstreamPort: this.d.config.postgresPort,
      applicationName: this.d.config.podName,
      passfile: `${this.d.config.runDir}/pgpass`,
      tls: this.d.tls.conninfo(),
      sync,
    });
  }

  private async ensureCredentials(bootstrapping: boolean): Promise<{ ok: true; credentials: Credentials } | { ok: false; reason: string }> {
    if (this.credentials) return { ok: true, credentials: this.credentials };
    const { config } = this.d;
    const labels = { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': config.clusterName, 'app.kubernetes.io/managed-by': 'cdk8s-postgres-ha' };
    const result =
      bootstrapping && config.authSecretManaged
        ? await ensureManagedCredentials(this.d.secrets, config.authSecret, labels)
        : await loadCredentials(this.d.secrets, config.authSecret);
    if (!result.ok) return result;
    await writePgpass(config.runDir, result.credentials);
    this.credentials = result.credentials;
    return result;
  }

  private async relabel(o: Observation, role: 'primary'): Promise<void> {
    await this.relabelOthers(o);
    await this.labelSelf(role, o);
  }

  /** Before anything else becomes primary, no other pod may keep the label the primary Service selects. */
  private async relabelOthers(o: Observation): Promise<void> {
    const others = (o.pods ?? []).filter((p) => p.name !== selfName(o) && p.role === 'primary');
    await Promise.all(others.map((p) => this.d.pods.patchLabels(p.name, { [ROLE_LABEL]: 'replica' }).catch(() => undefined)));
  }

  private async labelSelf(role: 'primary' | 'replica', o?: Observation): Promise<void> {
    const current = o?.pods?.find((p) => p.name === this.d.config.podName)?.role;
    if (o && current === role) return;
    await this.d.pods.patchLabels(this.d.config.podName, { [ROLE_LABEL]: role }).catch(() => undefined);
  }

  private async event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await this.d.events.record({ name: this.d.config.podName }, type, reason, message);
  }

  private readonly eventsSent = new Set<string>();

  private async eventOnce(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const key = `${reason}:${message}`;
    if (this.eventsSent.has(key)) return;
    this.eventsSent.add(key);
    await this.event(type, reason, message);
  }
}

function presentLease(o: Observation): PresentLease {
  if (o.lease.kind !== 'present') throw new Error(`decide() chose a lease action without a lease (${o.lease.kind})`);
  return o.lease;
}

// Composition root: reads the pod environment, wires the adapters around the decision loop, serves the
// HTTP API, and turns SIGTERM into a clean step-down. Nothing else lives here.
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startArchiving, storeOf } from './backup/archiving';
import { SupervisorBackupSource } from './backup/backup-source';
import { BaseBackups } from './backup/backups';
import { readBackupConfig } from './backup/config';
import { readRestoreConfig } from './backup/restore-config';
import { memberHost, notAMember, readConfig } from './config';
import { PodAddresses } from './peers/pod-addresses';
import { answerFailsafe } from './core/failsafe';
import { LeaseClock } from './core/lease-clock';
import { PostgresSilenceClock } from './core/postgres-silence';
import { SwitchoverClock } from './core/switchover-wait';
import { roleOf } from './core/probes';
import { agentFamilies, renderMetrics } from './http/metrics';
import { postgresFamilies } from './http/postgres-metrics';
import { PostgresScraper } from './http/postgres-scrape';
import { startHttpServer, startMemberServer, type AgentView } from './http/server';
import { KubeClient } from './kube/client';
import { Claims } from './kube/claims';
import { EventRecorder } from './kube/events';
import { LeaseStore } from './kube/lease-store';
import { Pods } from './kube/pods';
import { Secrets } from './kube/secrets';
import { StatefulSets } from './kube/stateful-sets';
import { HolderWatch } from './peers/holder-watch';
import { PeerClient } from './peers/peer-client';
import { DynamicConfFile } from './postgres/dynamic-conf';
import { LocalSql } from './postgres/local-sql';
import { readControlData } from './postgres/pg-control';
import { PostgresStatsReader } from './postgres/stats-reader';
import { SupervisorClient } from './postgres/supervisor-client';
import { SupervisorWatch } from './postgres/supervisor-watch';
import { bootTimeMs } from './postgres/boot-clock';
import { OomKillReporter } from './runtime/oom-kills';
import { PostgresExitReporter } from './runtime/postgres-exits';
import { readVolumeSpace, VolumeFullReporter } from './runtime/volume-full';
import { WalEndReader } from './postgres/wal-end';
import { Actor } from './runtime/actor';
import { jsonLogger } from './runtime/log';
import { runOutsider } from './runtime/outsider';
import { VolumeGrowth } from './runtime/volume-growth';
import { AgentLoop } from './runtime/loop';
import { StallClock } from './runtime/observer';
import { StatusDocument } from './runtime/status';
import { initialState } from './runtime/state';
import { memberTlsFromConfig, serverTlsFromEnv } from './tls/setup';

/** The longest a pod's termination may take on our side; the kubelet's grace period is 30 s by default. */
const SHUTDOWN_LIMIT_MS = 25_000;
/** How often a member looks for a base backup assigned to it on the Lease it last read. */
const BACKUP_FOLLOW_MS = 1000;
/** Peers answer from memory; anything slower than this is treated as unreachable. */
const PEER_TIMEOUT_MS = 500;

async function main(): Promise<void> {
  // The agent is its container's first process, and pid 1 ignores a signal it has no handler for: a
  // SIGTERM during start-up (a pod deleted seconds after it was created) was lost, and the kubelet waited
  // the whole grace period (30 s) before SIGKILL. One that comes now is kept, and acted on once the loop
  // runs (a clean step-down, as any later one).
  let earlySignal: string | null = null;
  const keepEarly = (signal: NodeJS.Signals) => { earlySignal ??= signal; };
  process.on('SIGTERM', keepEarly);
  process.on('SIGINT', keepEarly);
  const config = readConfig(process.env);
  const log = jsonLogger(config.podName);
  const now = () => performance.now();
  // A third of the renew deadline: a primary whose API calls hang still gets about three attempts (a
  // renewal, or the failsafe round with its peers) before it must fence.
  const kube = KubeClient.inCluster(Math.max(1000, Math.min(5000, Math.floor(config.renewDeadlineMs / 3))));
  const events = new EventRecorder(kube, config.namespace, 'cdk8s-postgres-ha-agent');
  const outsider = notAMember(config);
  if (outsider) {
    // Not a member: nothing to step down from.
    if (earlySignal) process.exit(0);
    await runOutsider(config, outsider, events, (reason) => log.info('not-a-member', { reason }));
    return;
  }
  const restore = readRestoreConfig(process.env);
  const state = initialState(restore !== null);
  const leaseClock = new LeaseClock(now());
  const supervisor = new SupervisorClient(config.runDir);
  const sql = new LocalSql(join(config.runDir, 'socket'), config.postgresPort);
  const dynamicConf = new DynamicConfFile(config.runDir);
  const walEnd = new WalEndReader(join(config.pgdata, 'pg_wal'));
  const addresses = new PodAddresses((m) => memberHost(config, m));
  const memberTls = memberTlsFromConfig(config, kube);
  const peers = new PeerClient(
    { host: (m) => addresses.host(m), memberPort: config.memberPort, postgresPort: config.postgresPort },
    PEER_TIMEOUT_MS,
    memberTls,
  );
  const leases = new LeaseStore(kube, config.namespace, config.leaseName);
  const pods = new Pods(kube, config.namespace);
  const tls = serverTlsFromEnv(process.env, config, kube);
  const secrets = new Secrets(kube, config.namespace);
  const backup = readBackupConfig(process.env);
  const restoreStore = restore ? storeOf(restore, secrets) : null;
  // Before the loop starts PostgreSQL: its first archive_command (or restore_command) finds someone to answer it.
  const archive =
    backup || restore
      ? await startArchiving(config, backup, { secrets, events, log }, restore && restoreStore ? { store: restoreStore, prefix: restore.prefix, cluster: restore.cluster } : null)
      : null;
  const backups =
    backup && archive
      ? new BaseBackups({
          member: config.podName,
          cluster: config.clusterName,
          pgdata: config.pgdata,
          schedule: backup.schedule,
          preferStandby: backup.preferStandby,
          retention: backup.retention,
          compression: backup.compression,
          store: archive.store,
          source: new SupervisorBackupSource(supervisor, config.runDir),
          archiveRoot: archive.archiveRoot,
          events,
          log,
          switchWal: async () => {
            await sql.query('SELECT pg_switch_wal()');
          },
        })
      : null;
  const actor = new Actor({
    config,
    now,
    wallNow: () => Date.now(),
    bootNow: () => bootTimeMs(),
    leases,
    pods,
    events,
    secrets,
    supervisor,
    sql,
    dynamicConf,
    walEnd,
    peers,
    state,
    tls,
    backups,
    restore:
      restore && restoreStore
        ? {
            source: { store: restoreStore, prefix: restore.prefix, cluster: restore.cluster, systemIdentifier: restore.systemIdentifier, bucket: restore.location.bucket },
            target: restore.target,
            // wal.sh in the postgres container's config folder (lib/config-maps.ts renders it with `restore`).
            restoreCommand: '/bin/bash /etc/pgha/wal.sh restore %p %f',
          }
        : null,
  });
  let exiting = false;
  const exit = () => {
    if (exiting) return;
    exiting = true;
    log.info('exit', { reason: 'stepped down after SIGTERM' });
    void sql.close().finally(() => process.exit(0));
  };
  const holderWatch = new HolderWatch(
    (m) => addresses.host(m),
    config.memberPort,
    config.retryPeriodMs,
    () => loop.wake(),
    memberTls,
    (holder, renewTime) => leaseClock.observe(holder, renewTime, now()),
  );
  const loop: AgentLoop = new AgentLoop({
    observer: { config, now, leases, pods, statefulSets: new StatefulSets(kube, config.namespace, config.clusterName), supervisor, sql, dynamicConf, walEnd, peers, addresses, leaseClock, stall: new StallClock(), silence: new PostgresSilenceClock(), switchover: new SwitchoverClock() },
    actor,
    state,
    log,
    holderWatch,
    onExit: exit,
  });
  const status = new StatusDocument(config.podName, config.pgdata, walEnd, archive?.status ?? null, backups ? () => backups.status() : null);
  if (backups) setInterval(() => backups.follow(loop.observation), BACKUP_FOLLOW_MS).unref();
  const startedAt = now();
  const scraper = new PostgresScraper({
    now,
    standbyMode: config.standbyMode,
    supervisor: async () => {
      const s = await supervisor.readState();
      return s && { postgres: s.postgres.status, mode: s.postgres.mode };
    },
    controlState: async () => (await readControlData(config.pgdata))?.state ?? null,
    observation: () => loop.observation,
    stats: new PostgresStatsReader(join(config.runDir, 'socket'), config.postgresPort),
    log,
  });

  const view: AgentView = {
      observation: () => loop.observation,
      statusDocument: () => status.build(loop.observation),
      health: () => ({
        now: now(),
        lastTickAt: loop.lastTickAt,
        startedAt,
        actionStartedAt: loop.actionStartedAt,
        actionLimitMs: loop.actionLimitMs,
        stallLimitMs: Math.max(30_000, config.retryPeriodMs * 10),
      }),
      metrics: async () => {
        const o = loop.observation;
        const wal = o?.local.wal;
        const primaryLsn = o?.lease.kind === 'present' ? o.lease.primaryLsn : null;
        const role = o ? roleOf(o) : 'none';
        const own = agentFamilies({
          role,
          lagBytes: role === 'replica' && wal && primaryLsn !== null ? Math.max(0, Number(primaryLsn - wal.lsn)) : null,
          promotions: state.metrics.promotions,
          fencings: state.metrics.fencings,
          renewals: state.metrics.renewals,
          renewFailures: state.metrics.renewFailures,
          lastRenewLatencySeconds: state.metrics.lastRenewLatencyMs === null ? null : state.metrics.lastRenewLatencyMs / 1000,
          apiReachable: o !== null && o.lease.kind !== 'unreachable',
          decisions: state.metrics.decisions,
        });
        return renderMetrics(config.podName, [...own, ...postgresFamilies(await scraper.scrape())]);
      },
      wake: () => loop.wake(),
      onRenewal: (listener) => state.renewalListeners.add(listener),
      failsafe: (from) => {
        const answer = answerFailsafe(loop.observation, from, leaseClock.knownHolder, kube.stalledForMs());
        if (answer.confirm) leaseClock.noteHolderAlive(from, now());
        return answer;
      },
  };
  await startHttpServer(view, config.apiPort, config.memberPort);
  await memberTls.startRefresh(log);
  await startMemberServer(view, config.memberPort, memberTls);

  const onSignal = (signal: string) => {
    if (state.memory.shuttingDown) return;
    log.info('signal', { signal });
    state.memory = { ...state.memory, shuttingDown: true };
    setTimeout(exit, SHUTDOWN_LIMIT_MS).unref();
    loop.wake();
  };
  process.off('SIGTERM', keepEarly);
  process.off('SIGINT', keepEarly);
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  log.info('start', { members: config.members, lease: config.leaseName, standbyMode: config.standbyMode, replicationMode: config.replicationMode });
  tls.startRefresh(log);
  new VolumeGrowth(new Claims(kube, config.namespace), events, config.podName, config.storageSize, log).start();
  loop.start();
  if (earlySignal) onSignal(earlySignal);
  new SupervisorWatch(config.runDir, supervisor, () => loop.wake()).start();
  new OomKillReporter(() => supervisor.readState(), events, config.podName, log).start(config.retryPeriodMs);
  new PostgresExitReporter(() => supervisor.readState(), events, config.podName, log).start(config.retryPeriodMs);
  new VolumeFullReporter(() => readVolumeSpace(dirname(config.pgdata)), events, config.podName, log).start(config.retryPeriodMs);
}

main().catch((error: Error) => {
  process.stderr.write(`agent failed to start: ${error.message}\n`);
  process.exit(1);
});

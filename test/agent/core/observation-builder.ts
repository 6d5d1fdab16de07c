// Builds observations for the decision-table tests: a healthy three-member cluster seen from member -1
// (a streaming standby of -0), which each test changes in the one respect it is about.
import type { AgentConfig } from '../../../agent/config';
import { ANNOTATIONS, formatSyncSet } from '../../../agent/core/annotations';
import type { Lease } from '../../../agent/kube/lease-store';
import type { MemberStatus, Observation, PeerView, PresentLease, SyncSet } from '../../../agent/core/types';
import { formatLsn } from '../../../agent/postgres/lsn';

export const SYSID = '7712291065560770747';
const NOW = 1_000_000;

export function config(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    podName: 'pg-1',
    namespace: 'demo',
    clusterName: 'pg',
    members: ['pg-0', 'pg-1', 'pg-2'],
    podsService: 'pg-pods',
    clusterDomain: 'cluster.local',
    postgresPort: 5432,
    apiPort: 8008,
    memberPort: 8009,
    memberCaSecret: 'pg-ca',
    leaseName: 'pg-leader',
    leaseDurationMs: 10_000,
    renewDeadlineMs: 6_000,
    retryPeriodMs: 1_000,
    standbyMode: 'warm',
    replicationMode: 'async',
    synchronousReplicas: 1,
    synchronousStrict: false,
    maxLagOnFailoverBytes: 16n * 1024n * 1024n,
    authSecret: 'pg-auth',
    authSecretManaged: true,
    pgdata: '/var/lib/postgresql/data/pgdata',
    runDir: '/run/pgha',
    storageSize: { text: '1Gi', bytes: 1024n ** 3n },
    ...overrides,
  };
}

export interface LeaseOptions {
  holder?: string | null;
  silentForMs?: number;
  systemIdentifier?: string | null;
  primaryLsn?: bigint | null;
  syncStandbys?: SyncSet | null;
  switchoverTo?: string | null;
  previousHolder?: string | null;
}

export function lease(options: LeaseOptions = {}): PresentLease {
  const holder = options.holder === undefined ? 'pg-0' : options.holder;
  const systemIdentifier = options.systemIdentifier === undefined ? SYSID : options.systemIdentifier;
  const annotations: Record<string, string> = {};
  if (systemIdentifier) annotations[ANNOTATIONS.systemIdentifier] = systemIdentifier;
  if (options.syncStandbys) annotations[ANNOTATIONS.syncStandbys] = formatSyncSet(options.syncStandbys);
  const record: Lease = {
    resourceVersion: '42',
    uid: 'lease-uid-1',
    holder,
    leaseDurationSeconds: 10,
    acquireTime: '2026-11-26T00:00:00.000000Z',
    renewTime: '2026-11-26T00:00:01.000000Z',
    transitions: 0,
    annotations,
  };
  return {
    kind: 'present',
    record,
    holder,
    silentForMs: options.silentForMs ?? 500,
    durationMs: 10_000,
    systemIdentifier,
    primaryLsn: options.primaryLsn === undefined ? 0x3000060n : options.primaryLsn,
    syncStandbys: options.syncStandbys ?? null,
    switchoverTo: options.switchoverTo ?? null,
    previousHolder: options.previousHolder ?? null,
  };
}

export function status(name: string, overrides: Partial<MemberStatus> & { lsn?: bigint } = {}): MemberStatus {
  const { lsn, ...rest } = overrides;
  const role = rest.role ?? (name === 'pg-0' ? 'primary' : 'replica');
  return {
    name,
    role,
    ready: true,
    reason: role === 'primary' ? 'primary' : 'standby',
    postgres: 'running',
    systemIdentifier: SYSID,
    wal: { timeline: 1, lsn: formatLsn(lsn ?? 0x3000060n) },
    timeline: role === 'primary' ? 1 : null,
    history: [],
    leaseHolder: 'pg-0',
    apiReachable: true,
    streaming: role === 'primary' ? ['pg-1', 'pg-2'] : [],
    rollout: null,
    ...rest,
  };
}

export function peerOk(name: string, overrides: Partial<MemberStatus> & { lsn?: bigint } = {}): PeerView {
  return { name, agent: 'ok', postgres: 'unknown', status: status(name, overrides) };
}

export function peerDown(name: string, how: 'refused' | 'unreachable', postgres: PeerView['postgres'] = 'unknown'): PeerView {
  return { name, agent: how, postgres, status: null };
}

type Patch = {
  [K in keyof Observation]?: Observation[K] extends object ? Partial<Observation[K]> | Observation[K] : Observation[K];
};

/** A streaming warm standby pg-1 of pg-0, with pg-2 another standby; `patch` replaces whole fields of each part. */
export function observation(patch: Patch = {}): Observation {
  const base: Observation = {
    now: NOW,
    config: config(),
    lease: lease(),
    local: {
      supervisor: { postgres: 'running', mode: 'standby' },
      data: { kind: 'present', systemIdentifier: SYSID, state: 'in archive recovery', standbySignal: true },
      wal: { timeline: 1, lsn: 0x3000060n },
      history: [],
      sql: null,
      upstream: 'pg-0.pg-pods.demo.svc.cluster.local',
      appliedSync: { k: 0, members: [] },
      majors: { binaries: '17', data: '17' },
      volume: { availableBytes: 1024 * 1024 * 1024, sizeBytes: 2 * 1024 * 1024 * 1024 },
    },
    peers: [peerOk('pg-0'), peerOk('pg-2')],
    pods: [
      { name: 'pg-0', role: 'primary', ready: true, deleting: false, revision: 'pg-1' },
      { name: 'pg-1', role: 'replica', ready: true, deleting: false, revision: 'pg-1' },
      { name: 'pg-2', role: 'replica', ready: true, deleting: false, revision: 'pg-1' },
    ],
    statefulSet: null,
    memory: { lastRenewSentAt: null, failsafeConfirmedAt: null, shuttingDown: false, pendingSync: null, restore: null },
    standbyStalledForMs: null,
    postgresSilence: null,
    switchoverWaitedMs: null,
  };
  return {
    ...base,
    ...(patch as Partial<Observation>),
    config: { ...base.config, ...(patch.config as Partial<AgentConfig>) },
    local: { ...base.local, ...(patch.local as Partial<Observation['local']>) },
    memory: { ...base.memory, ...(patch.memory as Partial<Observation['memory']>) },
  };
}

/** pg-1 as the lease holder running a primary. */
export function asPrimary(patch: Patch = {}): Observation {
  return observation({
    lease: lease({ holder: 'pg-1' }),
    peers: [peerOk('pg-0', { role: 'replica' }), peerOk('pg-2')],
    memory: { lastRenewSentAt: NOW - 1000 },
    ...patch,
    local: {
      supervisor: { postgres: 'running', mode: 'primary' },
      data: { kind: 'present', systemIdentifier: SYSID, state: 'in production', standbySignal: false },
      sql: { inRecovery: false, timeline: 1, lsn: 0x3000060n, replication: [], slots: [] },
      upstream: null,
      ...(patch.local as object),
    },
  });
}

export { NOW };

// The agent's configuration: everything comes from the pod environment the construct renders
// (agent/README.md, "Environment"). Invalid values stop the agent at start-up with the variable's name:
// a member that guessed a timing would break the lease arithmetic every other member relies on.

import { parseQuantity } from './core/volume';

export type StandbyMode = 'warm' | 'hot';
export type ReplicationMode = 'async' | 'sync';

export interface AgentConfig {
  readonly podName: string;
  readonly namespace: string;
  readonly clusterName: string;
  /** Every member's pod name, `<cluster>-0` … `<cluster>-(N-1)`, in ordinal order. */
  readonly members: readonly string[];
  readonly podsService: string;
  readonly clusterDomain: string;
  readonly postgresPort: number;
  readonly apiPort: number;
  /** The member API's port: mutual TLS, the members only (agent/README.md, "HTTP API"). */
  readonly memberPort: number;
  /** The Secret with the CA that signs the members' certificates (`ca.crt`, `ca.key`); created when missing. */
  readonly memberCaSecret: string;
  readonly leaseName: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly standbyMode: StandbyMode;
  readonly replicationMode: ReplicationMode;
  readonly synchronousReplicas: number;
  /** Commits wait rather than go on with fewer than synchronousReplicas standbys (core/sync-standbys.ts). */
  readonly synchronousStrict: boolean;
  readonly maxLagOnFailoverBytes: bigint;
  readonly authSecret: string;
  readonly authSecretManaged: boolean;
  readonly pgdata: string;
  readonly runDir: string;
  /** storageSize: the size every member's claim should have (a Kubernetes quantity, and in bytes). */
  readonly storageSize: { readonly text: string; readonly bytes: bigint };
}

type Env = Record<string, string | undefined>;

export function readConfig(env: Env): AgentConfig {
  const text = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`environment variable ${name} is required`);
    return value;
  };
  const integer = (name: string, min: number, max: number): number => {
    const raw = text(name);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new Error(`environment variable ${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const raw = text(name);
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new Error(`environment variable ${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
    }
    return raw as T;
  };

  const clusterName = text('PGHA_CLUSTER_NAME');
  const replicas = integer('PGHA_REPLICAS', 1, 64);
  const members = Array.from({ length: replicas }, (_, ordinal) => `${clusterName}-${ordinal}`);
  const podName = text('POD_NAME');
  const leaseDurationMs = integer('PGHA_LEASE_DURATION_MS', 1000, 3_600_000);
  const renewDeadlineMs = integer('PGHA_RENEW_DEADLINE_MS', 1, 3_600_000);
  const retryPeriodMs = integer('PGHA_RETRY_PERIOD_MS', 1, 3_600_000);
  // The lease arithmetic: a primary fences itself at its renew deadline, strictly before any other member
  // may consider the lease expired, and it gets at least one retry in between.
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > 1.2 * retryPeriodMs)) {
    throw new Error(
      `timings must satisfy lease duration > renew deadline > 1.2 × retry period, got ${leaseDurationMs} ms, ${renewDeadlineMs} ms, ${retryPeriodMs} ms`,
    );
  }
  const replicationMode = oneOf('PGHA_REPLICATION_MODE', ['async', 'sync'] as const);
  const synchronousReplicas = integer('PGHA_SYNCHRONOUS_REPLICAS', 1, 63);
  // Rendered only when set (lib/stateful-set.ts), so absent means the default.
  const synchronousStrict = env.PGHA_SYNCHRONOUS_STRICT === undefined ? false : oneOf('PGHA_SYNCHRONOUS_STRICT', ['true', 'false'] as const) === 'true';
  const maxLag = text('PGHA_MAX_LAG_ON_FAILOVER_BYTES');
  if (!/^\d+$/.test(maxLag)) {
    throw new Error(`environment variable PGHA_MAX_LAG_ON_FAILOVER_BYTES must be a whole number of bytes, got '${maxLag}'`);
  }

  const storageText = text('PGHA_STORAGE_SIZE');
  const storageBytes = parseQuantity(storageText);
  if (storageBytes === null) throw new Error(`environment variable PGHA_STORAGE_SIZE must be a storage quantity like 20Gi, got '${storageText}'`);

  return {
    podName,
    namespace: text('POD_NAMESPACE'),
    clusterName,
    members,
    podsService: text('PGHA_PODS_SERVICE'),
    clusterDomain: text('PGHA_CLUSTER_DOMAIN'),
    postgresPort: integer('PGHA_POSTGRES_PORT', 1, 65535),
    apiPort: integer('PGHA_API_PORT', 1, 65535),
    memberPort: integer('PGHA_MEMBER_PORT', 1, 65535),
    memberCaSecret: text('PGHA_MEMBER_CA_SECRET'),
    leaseName: text('PGHA_LEASE_NAME'),
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    standbyMode: oneOf('PGHA_STANDBY_MODE', ['warm', 'hot'] as const),
    replicationMode,
    synchronousReplicas,
    synchronousStrict,
    maxLagOnFailoverBytes: BigInt(maxLag),
    authSecret: text('PGHA_AUTH_SECRET'),
    authSecretManaged: oneOf('PGHA_AUTH_SECRET_MANAGED', ['true', 'false'] as const) === 'true',
    pgdata: text('PGDATA'),
    runDir: text('PGHA_RUN_DIR'),
    storageSize: { text: storageText, bytes: storageBytes },
  };
}

/**
 * Why this pod must stay out of the cluster: it is not one of the rendered members (a `kubectl scale` or
 * an edit of the StatefulSet made it; the Role names the rendered pods only, so it could not even label
 * itself). null for a member.
 */
export function notAMember(config: AgentConfig): string | null {
  const { podName, members, clusterName } = config;
  if (members.includes(podName)) return null;
  const range = members.length === 1 ? members[0] : `${members[0]} … ${members[members.length - 1]}`;
  return `${podName} is not a member of ${clusterName}: the rendered replicas is ${members.length} (${range}). `
    + 'A pod beyond them comes from `kubectl scale` or an edit of the StatefulSet, which a GitOps tool reverts; '
    + 'it stays idle (no PostgreSQL, no clone) until it is removed. To add members, change `replicas` and render again.';
}

/** The DNS name other members reach a member's pod by (through the headless Service). */
export function memberHost(config: AgentConfig, member: string): string {
  return `${member}.${config.podsService}.${config.namespace}.svc.${config.clusterDomain}`;
}

export function ordinalOf(member: string): number {
  return Number(member.slice(member.lastIndexOf('-') + 1));
}

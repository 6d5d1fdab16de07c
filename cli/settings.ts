// What the StatefulSet says about the cluster: the agents' settings, read from the agent container's
// environment (agent/README.md, "Environment"), so the CLI judges the cluster by the values its agents
// run with rather than by defaults of its own.
import type { Container, StatefulSetJson } from './kube-types';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'cdk8s-postgres-ha';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
/** The Events the agents write carry this source component (agent/main.ts). */
export const AGENT_EVENT_SOURCE = 'cdk8s-postgres-ha-agent';
/** The agent container's port name (lib/stateful-set.ts); its number is read from the pod spec. */
export const AGENT_PORT_NAME = 'agent-api';

export interface ClusterSettings {
  readonly replicas: number;
  /** `<name>-0` … `<name>-(replicas-1)`: the agents accept no other member (RBAC names them too). */
  readonly members: readonly string[];
  readonly leaseName: string;
  readonly standbyMode: string | null;
  readonly replicationMode: string | null;
  readonly synchronousReplicas: number | null;
  /** `synchronousStrict`: the primary never commits alone (PGHA_SYNCHRONOUS_STRICT, rendered only when true). */
  readonly synchronousStrict: boolean;
  readonly maximumLagOnFailoverBytes: number | null;
  readonly leaseDurationSeconds: number | null;
}

export function agentContainer(containers: readonly Container[]): Container | undefined {
  return containers.find((c) => c.name === 'agent');
}

export function clusterSettings(name: string, sts: StatefulSetJson): ClusterSettings {
  const env = new Map((agentContainer(sts.spec.template.spec.containers)?.env ?? []).map((e) => [e.name, e.value]));
  const number = (key: string) => {
    const value = Number(env.get(key));
    return env.get(key) === undefined || !Number.isFinite(value) ? null : value;
  };
  const replicas = number('PGHA_REPLICAS') ?? sts.spec.replicas ?? 0;
  const leaseMs = number('PGHA_LEASE_DURATION_MS');
  return {
    replicas,
    members: Array.from({ length: replicas }, (_, i) => `${name}-${i}`),
    leaseName: env.get('PGHA_LEASE_NAME') ?? `${name}-leader`,
    standbyMode: env.get('PGHA_STANDBY_MODE') ?? null,
    replicationMode: env.get('PGHA_REPLICATION_MODE') ?? null,
    synchronousReplicas: number('PGHA_SYNCHRONOUS_REPLICAS'),
    synchronousStrict: env.get('PGHA_SYNCHRONOUS_STRICT') === 'true',
    maximumLagOnFailoverBytes: number('PGHA_MAX_LAG_ON_FAILOVER_BYTES'),
    leaseDurationSeconds: leaseMs === null ? null : leaseMs / 1000,
  };
}

/** The agent API's port number on a pod: the pod proxy needs a number (a port name is not resolved there). */
export function agentPort(containers: readonly Container[]): number | null {
  return agentContainer(containers)?.ports?.find((p) => p.name === AGENT_PORT_NAME)?.containerPort ?? null;
}

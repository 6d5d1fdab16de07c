// GET /metrics: the agent's own counters and gauges (pgha_*), then PostgreSQL's (pg_*, postgres-metrics.ts),
// every sample labelled with the member. The names are contract: agent/http/metric-names.ts.
import { renderExposition, type MetricFamily, type Sample } from './exposition';

export interface MetricsInput {
  readonly role: 'primary' | 'replica' | 'none';
  readonly lagBytes: number | null;
  readonly promotions: number;
  readonly fencings: number;
  readonly renewals: number;
  readonly renewFailures: number;
  readonly lastRenewLatencySeconds: number | null;
  readonly apiReachable: boolean;
  readonly decisions: ReadonlyMap<string, number>;
}

const one = (value: number | null): Sample[] => (value === null ? [] : [{ labels: {}, value }]);

export function agentFamilies(m: MetricsInput): MetricFamily[] {
  return [
    { name: 'pgha_role', type: 'gauge', help: 'Role of this member: 1 for the current role.', samples: (['primary', 'replica', 'none'] as const).map((role) => ({ labels: { role }, value: m.role === role ? 1 : 0 })) },
    { name: 'pgha_replication_lag_bytes', type: 'gauge', help: "Bytes this standby is behind the primary's last published position.", samples: one(m.lagBytes) },
    { name: 'pgha_promotions_total', type: 'counter', help: 'Promotions of this member to primary.', samples: one(m.promotions) },
    { name: 'pgha_fencings_total', type: 'counter', help: 'Times this member stopped its primary because it could not prove its lease.', samples: one(m.fencings) },
    { name: 'pgha_lease_renewals_total', type: 'counter', help: 'Successful lease renewals.', samples: one(m.renewals) },
    { name: 'pgha_lease_renew_failures_total', type: 'counter', help: 'Failed lease renewals.', samples: one(m.renewFailures) },
    { name: 'pgha_lease_renew_latency_seconds', type: 'gauge', help: 'Duration of the last successful lease renewal.', samples: one(m.lastRenewLatencySeconds) },
    { name: 'pgha_kubernetes_api_reachable', type: 'gauge', help: 'Whether the last call to the Kubernetes API succeeded.', samples: one(m.apiReachable ? 1 : 0) },
    { name: 'pgha_decisions_total', type: 'counter', help: 'Decisions taken, by action.', samples: [...m.decisions.entries()].sort().map(([action, value]) => ({ labels: { action }, value })) },
  ];
}

/** The whole /metrics body. */
export function renderMetrics(member: string, families: readonly MetricFamily[]): string {
  return renderExposition(families, { member });
}

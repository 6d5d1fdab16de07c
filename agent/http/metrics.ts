// Prometheus text exposition of the agent's own counters and gauges.
export interface MetricsInput {
  readonly member: string;
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

export function renderMetrics(m: MetricsInput): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const all = { member: m.member, ...labels };
      const text = Object.entries(all).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
      lines.push(`${name}{${text}} ${value}`);
    }
  };
  metric('pgha_role', 'gauge', 'Role of this member: 1 for the current role.', (['primary', 'replica', 'none'] as const).map((r) => [{ role: r }, m.role === r ? 1 : 0]));
  if (m.lagBytes !== null) metric('pgha_replication_lag_bytes', 'gauge', "Bytes this standby is behind the primary's last published position.", [[{}, m.lagBytes]]);
  metric('pgha_promotions_total', 'counter', 'Promotions of this member to primary.', [[{}, m.promotions]]);
  metric('pgha_fencings_total', 'counter', 'Times this member stopped its primary because it could not prove its lease.', [[{}, m.fencings]]);
  metric('pgha_lease_renewals_total', 'counter', 'Successful lease renewals.', [[{}, m.renewals]]);
  metric('pgha_lease_renew_failures_total', 'counter', 'Failed lease renewals.', [[{}, m.renewFailures]]);
  if (m.lastRenewLatencySeconds !== null) {
    metric('pgha_lease_renew_latency_seconds', 'gauge', 'Duration of the last successful lease renewal.', [[{}, m.lastRenewLatencySeconds]]);
  }
  metric('pgha_kubernetes_api_reachable', 'gauge', 'Whether the last call to the Kubernetes API succeeded.', [[{}, m.apiReachable ? 1 : 0]]);
  metric('pgha_decisions_total', 'counter', 'Decisions taken, by action.', [...m.decisions.entries()].sort().map(([action, n]) => [{ action }, n]));
  return `${lines.join('\n')}\n`;
}

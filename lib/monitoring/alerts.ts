/**
 * The alerts of one cluster, as the rule groups of its `PrometheusRule`. Every expression is scoped to
 * this cluster by the labels its scrape gives every series (`namespace` and `pgha_cluster`, see
 * pod-monitor.ts), and reads only the series listed in agent/http/metric-names.ts (a test checks it),
 * plus Prometheus's own `up`. README.md ("Alerts") explains each and what to do when it fires; the
 * headings there are the runbook anchors.
 */
import { CLUSTER_LABEL } from './pod-monitor';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

export interface AlertInputs {
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly maximumLagOnFailoverBytes: number;
  readonly pendingSeconds: number;
  readonly runbookUrl: string;
}

/** How far back a counter's increase counts as "just happened": a fencing stays visible this long. */
const EVENT_WINDOW = '10m';
/** Lease renewal failures in this window (the agent renews every retry period). */
const RENEW_WINDOW = '5m';
/** A primary that wrote this much WAL in an hour yet archived nothing for an hour has a backlog. */
const ARCHIVE_STALE_SECONDS = 3600;
const ARCHIVE_WAL_BYTES = 16 * 1024 * 1024;
/**
 * `.ready` segments waiting for the archiver: one or two while it works, more only when it cannot keep up
 * or fails; 64 segments are 1 GiB of pg_wal that cannot be recycled (at the default 16 MiB).
 */
const ARCHIVE_BACKLOG_FILES = 64;
/**
 * Transactions left before PostgreSQL stops assigning ids (about 2^31 from the oldest unfrozen one).
 * Autovacuum freezes at 200 million of age by default, so under a billion left means it has fallen
 * far behind; under 100 million leaves days at a busy site (PostgreSQL itself warns at 40 million).
 */
const WRAPAROUND_WARNING = 1_000_000_000;
const WRAPAROUND_CRITICAL = 100_000_000;

export function alertGroups(c: AlertInputs): RuleGroup[] {
  const scope = `namespace="${c.namespace}",${CLUSTER_LABEL}="${c.name}"`;
  const by = `namespace, ${CLUSTER_LABEL}, member`;
  const primaries = `sum(pgha_role{${scope},role="primary"})`;
  const who = `${c.namespace}/${c.name}`;
  const pending = `${c.pendingSeconds}s`;
  const rule = (alert: string, severity: string, expr: string, forPeriod: string | undefined, summary: string, description: string): AlertRule => ({
    alert,
    expr,
    ...(forPeriod ? { for: forPeriod } : {}),
    // Static labels: the expressions that fall back to vector(0) carry no labels of their own.
    labels: { severity, namespace: c.namespace, [CLUSTER_LABEL]: c.name },
    annotations: { summary, description, runbook_url: `${c.runbookUrl}#${alert.toLowerCase()}` },
  });

  const rules: AlertRule[] = [
    rule('PostgresHANoPrimary', 'critical',
      `(${primaries} or vector(0)) < 1`, pending,
      `PostgreSQL cluster ${who} has no primary`,
      `No member of ${who} reports itself primary (or none can be scraped): writes through Service ${c.name} fail. `
      + 'Look at the pods, their agents\' logs and the Events.'),
    rule('PostgresHAMultiplePrimaries', 'critical',
      `${primaries} > 1`, pending,
      `PostgreSQL cluster ${who} has {{ $value }} primaries`,
      `{{ $value }} members of ${who} report themselves primary at once.`),
    rule('PostgresHAMemberDown', 'warning',
      `up{${scope}} == 0`, pending,
      `Member {{ $labels.pod }} of ${who} cannot be scraped`,
      `Prometheus cannot scrape the agent of {{ $labels.pod }} (${who}): the pod or its agent is down, or the network does not let Prometheus in.`),
    rule('PostgresHAStandbyNotStreaming', 'warning',
      `(max by (${by}) (pgha_role{${scope},role="primary"} == 0)`
      + ` unless on (${by}) (pg_standby_streaming{${scope}} == 1))`
      + ` and on (namespace, ${CLUSTER_LABEL}) (sum by (namespace, ${CLUSTER_LABEL}) (pgha_role{${scope},role="primary"}) == 1)`, pending,
      `Standby {{ $labels.member }} of ${who} is not streaming`,
      `{{ $labels.member }} is not the primary and receives no WAL from it: it falls behind, and cannot be promoted by a failover while it does.`),
    ...(c.replicas > 1 ? [rule('PostgresHAStandbysMissing', 'warning',
      `(count(pg_replication_standby_streaming{${scope},state="streaming"} == 1) or vector(0)) < ${c.replicas - 1}`
      + ` and on () ${primaries} == 1`, pending,
      `The primary of ${who} streams to {{ $value }} of ${c.replicas - 1} standbys`,
      `The primary of ${who} sees {{ $value }} streaming standbys, not ${c.replicas - 1}: some members are missing, starting, or not replicating.`)] : []),
    rule('PostgresHAReplicationLagHigh', 'warning',
      `max by (${by}) (pgha_replication_lag_bytes{${scope}}) > ${c.maximumLagOnFailoverBytes}`, pending,
      `Standby {{ $labels.member }} of ${who} lags {{ $value | humanize1024 }}B behind`,
      `{{ $labels.member }} is further behind the primary's published WAL position than maximumLagOnFailover (${c.maximumLagOnFailoverBytes} bytes): `
      + 'an unplanned failover will not promote it.'),
    rule('PostgresHAFenced', 'warning',
      `max by (${by}) (increase(pgha_fencings_total{${scope}}[${EVENT_WINDOW}])) > 0`, undefined,
      `Primary {{ $labels.member }} of ${who} fenced itself`,
      `{{ $labels.member }} stopped its PostgreSQL in the last ${EVENT_WINDOW} because it could not renew the leader Lease in time.`),
    rule('PostgresHALeaseRenewalsFailing', 'warning',
      `max by (${by}) (increase(pgha_lease_renew_failures_total{${scope}}[${RENEW_WINDOW}])) > 0`, pending,
      `Primary {{ $labels.member }} of ${who} fails to renew its Lease`,
      `{{ $labels.member }} failed to renew the leader Lease in the last ${RENEW_WINDOW}: if it cannot renew within the renew deadline it fences itself.`),
    rule('PostgresHAArchivingFailing', 'warning',
      `max by (${by}) (increase(pg_archiver_failed_total{${scope}}[${EVENT_WINDOW}])) > 0`, pending,
      `WAL archiving fails on {{ $labels.member }} of ${who}`,
      `archive_command failed on {{ $labels.member }} in the last ${EVENT_WINDOW}: WAL piles up in pg_wal until it succeeds.`),
    rule('PostgresHAArchiveBacklog', 'warning',
      `max by (${by}) (pg_archiver_pending_wal_files{${scope}}) > ${ARCHIVE_BACKLOG_FILES}`, pending,
      `{{ $labels.member }} of ${who} has {{ $value }} WAL files waiting to be archived`,
      `More than ${ARCHIVE_BACKLOG_FILES} WAL segments wait for archive_command on {{ $labels.member }}: they stay in pg_wal and fill the volume until the archive catches up.`),
    rule('PostgresHAArchiveStale', 'warning',
      `max by (${by}) (pg_archiver_last_archive_age_seconds{${scope}}) > ${ARCHIVE_STALE_SECONDS}`
      + ` and on (${by}) max by (${by}) (increase(pg_wal_bytes_total{${scope}}[1h])) > ${ARCHIVE_WAL_BYTES}`, pending,
      `{{ $labels.member }} of ${who} archived nothing for {{ $value | humanizeDuration }}`,
      `{{ $labels.member }} wrote WAL in the last hour but archived no segment for more than an hour: the archive falls behind.`),
    rule('PostgresHAWraparoundNear', 'warning',
      `min by (${by}) (pg_xid_wraparound_remaining{${scope}}) < ${WRAPAROUND_WARNING}`, pending,
      `{{ $labels.member }} of ${who} has {{ $value | humanize }} transaction ids left`,
      `The oldest database of ${who} is {{ $value | humanize }} transactions from the wraparound stop: autovacuum is not freezing fast enough.`),
    rule('PostgresHAWraparoundNear', 'critical',
      `min by (${by}) (pg_xid_wraparound_remaining{${scope}}) < ${WRAPAROUND_CRITICAL}`, pending,
      `{{ $labels.member }} of ${who} has {{ $value | humanize }} transaction ids left`,
      `The oldest database of ${who} is {{ $value | humanize }} transactions from the wraparound stop, where PostgreSQL refuses writes.`),
  ];
  return [{ name: `cdk8s-postgres-ha.${c.namespace}.${c.name}`, rules }];
}

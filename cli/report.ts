// The pure heart of `status`: what was read (ClusterFacts) → what an operator needs to know
// (StatusReport). No I/O and no clock of its own (the time of the reads is in the facts), so it is tested
// on output recorded from a real cluster. The report is also the `-o json` document: its shape is
// contract for scripts (README, "Status and switchover from the command line").
import { ANNOTATIONS, ROLE_LABEL } from '../agent/core/annotations';
import { parseLsn } from '../agent/postgres/lsn';
import type { AgentAnswer, ClusterFacts } from './cluster-reads';
import type { EventJson, LeaseJson, PodJson } from './kube-types';
import { clusterSettings, type ClusterSettings } from './settings';

export const SCHEMA_VERSION = 1;

export interface StatusReport {
  readonly schemaVersion: number;
  readonly cluster: string;
  readonly namespace: string;
  /** When the command read the cluster, on this machine's clock. */
  readonly observedAt: string;
  readonly settings: ClusterSettings;
  /** The Lease holder: the member the agents agree is the primary. */
  readonly primary: string | null;
  readonly lease: LeaseReport | null;
  readonly members: readonly MemberReport[];
  /** What WAL lag is measured against. */
  readonly lagReference: string | null;
  /** The last time the primary role moved (Failover, Switchover, StepDown), from the agents' Events. */
  readonly lastChange: EventReport | null;
  /** The agents' latest Events about this cluster's members, oldest first. */
  readonly events: readonly EventReport[];
  readonly eventsError: string | null;
  /** Everything that is not as it should be, one sentence each; empty when the cluster is healthy. */
  readonly problems: readonly string[];
}

export interface LeaseReport {
  readonly name: string;
  readonly holder: string | null;
  readonly renewTime: string | null;
  /** This machine's clock minus the holder's renewTime: skew between the two clocks adds to it. */
  readonly renewedSecondsAgo: number | null;
  readonly leaseDurationSeconds: number | null;
  readonly acquireTime: string | null;
  readonly transitions: number | null;
  readonly previousHolder: string | null;
  readonly switchoverTo: string | null;
  readonly primaryLsn: string | null;
  readonly primaryTimeline: number | null;
  readonly systemIdentifier: string | null;
  readonly syncStandbys: { readonly k: number; readonly members: readonly string[] } | null;
}

export interface MemberReport {
  readonly pod: string;
  readonly node: string | null;
  readonly ip: string | null;
  readonly phase: string | null;
  readonly roleLabel: string | null;
  /** The pod's Ready condition: what the Services route by. */
  readonly ready: boolean;
  readonly deleting: boolean;
  readonly restarts: number;
  readonly agent: AgentReport;
  readonly timeline: number | null;
  readonly lsn: string | null;
  /** WAL bytes this member lacks against lagReference; null for the primary or when unknown. */
  readonly lagBytes: number | null;
  /** Whether the primary's agent lists it among its streaming standbys; null for the primary or when unknown. */
  readonly streaming: boolean | null;
  /** `quorum`, `not in quorum` (synchronous mode, from the Lease), `async`; null for the primary. */
  readonly sync: string | null;
}

/** What the member's agent says about itself (GET /status), or why it said nothing. */
export interface AgentReport {
  readonly answered: boolean;
  readonly error: string | null;
  readonly role: string | null;
  readonly ready: boolean | null;
  readonly reason: string | null;
  readonly postgres: string | null;
  readonly leaseHolder: string | null;
  readonly apiReachable: boolean | null;
  readonly systemIdentifier: string | null;
}

export interface EventReport {
  readonly time: string | null;
  readonly secondsAgo: number | null;
  readonly pod: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

/** The reasons of the agents' Events that mean the primary role moved (agent/runtime). */
const ROLE_CHANGES = new Set(['Failover', 'Switchover', 'StepDown']);
const RECENT_EVENTS = 10;

export function buildReport(facts: ClusterFacts): StatusReport {
  const settings = clusterSettings(facts.name, facts.statefulSet);
  const lease = facts.lease ? leaseReport(facts.lease, facts.observedAt) : null;
  const primary = lease?.holder ?? null;
  const reference = lagReference(facts, lease);
  const pods = [...facts.pods].sort((a, b) => memberOrder(a.metadata.name) - memberOrder(b.metadata.name) || a.metadata.name.localeCompare(b.metadata.name));
  const primaryStatus = primary ? facts.agents[primary]?.status : undefined;
  const members = pods.map((pod) => memberReport(pod, facts.agents[pod.metadata.name], { primary, lease, settings, reference: reference?.lsn ?? null, primaryStreaming: primaryStatus?.streaming ?? null }));
  const events = clusterEvents(facts.events.items ?? [], facts.name, facts.observedAt);
  const lastChange = [...events].reverse().find((e) => ROLE_CHANGES.has(e.reason)) ?? null;
  const report = {
    schemaVersion: SCHEMA_VERSION,
    cluster: facts.name,
    namespace: facts.namespace,
    observedAt: new Date(facts.observedAt).toISOString(),
    settings,
    primary,
    lease,
    members,
    lagReference: reference?.description ?? null,
    lastChange,
    events: events.slice(-RECENT_EVENTS),
    eventsError: facts.events.error ?? null,
    problems: [] as string[],
  };
  report.problems.push(...problems(report));
  return report;
}

function leaseReport(lease: LeaseJson, observedAt: number): LeaseReport {
  const a = lease.metadata.annotations ?? {};
  const renewTime = lease.spec.renewTime ?? null;
  const renewed = renewTime === null ? NaN : Date.parse(renewTime);
  const timeline = Number(a[ANNOTATIONS.primaryTimeline]);
  return {
    name: lease.metadata.name,
    holder: lease.spec.holderIdentity || null,
    renewTime,
    renewedSecondsAgo: Number.isNaN(renewed) ? null : round((observedAt - renewed) / 1000, 1),
    leaseDurationSeconds: lease.spec.leaseDurationSeconds ?? null,
    acquireTime: lease.spec.acquireTime ?? null,
    transitions: lease.spec.leaseTransitions ?? null,
    previousHolder: a[ANNOTATIONS.previousHolder] || null,
    switchoverTo: a[ANNOTATIONS.switchoverTo] || null,
    primaryLsn: a[ANNOTATIONS.primaryLsn] || null,
    primaryTimeline: a[ANNOTATIONS.primaryTimeline] && Number.isInteger(timeline) ? timeline : null,
    systemIdentifier: a[ANNOTATIONS.systemIdentifier] || null,
    syncStandbys: parseSyncStandbys(a[ANNOTATIONS.syncStandbys]),
  };
}

function parseSyncStandbys(text: string | undefined): LeaseReport['syncStandbys'] {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as { k?: unknown; members?: unknown };
    if (typeof parsed.k !== 'number' || !Array.isArray(parsed.members)) return null;
    return { k: parsed.k, members: parsed.members.filter((m): m is string => typeof m === 'string') };
  } catch {
    return null;
  }
}

/** The primary's WAL end as its agent reports it now; failing that, what it last published on the Lease. */
function lagReference(facts: ClusterFacts, lease: LeaseReport | null): { lsn: bigint; description: string } | null {
  const holder = lease?.holder;
  const lsn = holder ? facts.agents[holder]?.status?.wal?.lsn : undefined;
  if (holder && lsn) return { lsn: parseLsn(lsn), description: `${holder}'s WAL end (its agent's status)` };
  if (lease?.primaryLsn) return { lsn: parseLsn(lease.primaryLsn), description: `the Lease's primary-lsn (the primary's last renewal; its agent did not answer)` };
  return null;
}

interface MemberContext {
  readonly primary: string | null;
  readonly lease: LeaseReport | null;
  readonly settings: ClusterSettings;
  readonly reference: bigint | null;
  readonly primaryStreaming: readonly string[] | null;
}

function memberReport(pod: PodJson, answer: AgentAnswer | undefined, c: MemberContext): MemberReport {
  const name = pod.metadata.name;
  const status = answer?.status;
  const isPrimary = name === c.primary;
  const lsn = status?.wal?.lsn ?? null;
  const lag = !isPrimary && lsn !== null && c.reference !== null ? c.reference - parseLsn(lsn) : null;
  return {
    pod: name,
    node: pod.spec.nodeName ?? null,
    ip: pod.status.podIP || null,
    phase: pod.status.phase ?? null,
    roleLabel: pod.metadata.labels?.[ROLE_LABEL] ?? null,
    ready: (pod.status.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True'),
    deleting: pod.metadata.deletionTimestamp !== undefined,
    restarts: (pod.status.containerStatuses ?? []).reduce((sum, s) => sum + s.restartCount, 0),
    agent: {
      answered: status !== undefined,
      error: answer === undefined ? 'not asked' : answer.error === undefined ? null : shortError(answer.error),
      role: status?.role ?? null,
      ready: status?.ready ?? null,
      reason: status?.reason ?? null,
      postgres: status?.postgres ?? null,
      leaseHolder: status?.leaseHolder ?? null,
      apiReachable: status?.apiReachable ?? null,
      systemIdentifier: status?.systemIdentifier ?? null,
    },
    timeline: status?.timeline ?? status?.wal?.timeline ?? null,
    lsn,
    // A member ahead of the reference is on a forked timeline or was read a moment later: no lag to show.
    lagBytes: lag === null || lag < 0n ? null : Number(lag),
    streaming: isPrimary || c.primaryStreaming === null ? null : c.primaryStreaming.includes(name),
    sync: isPrimary ? null : syncState(name, c),
  };
}

function syncState(name: string, c: MemberContext): string | null {
  if (c.settings.replicationMode === 'async') return 'async';
  if (c.settings.replicationMode !== 'sync') return null;
  return c.lease?.syncStandbys?.members.includes(name) ? 'quorum' : 'not in quorum';
}

/** kubectl's wrapping (`Error from server (ServiceUnavailable): error trying to reach service: `) says nothing an operator needs. */
export function shortError(message: string): string {
  return message
    .replace(/^Error from server \((\w+)\): /, (_, kind: string) => (kind === 'ServiceUnavailable' ? '' : `${kind}: `))
    .replace(/^error trying to reach service: /, '');
}

function clusterEvents(items: readonly EventJson[], name: string, observedAt: number): EventReport[] {
  const member = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}-\\d+$`);
  return items
    .filter((e) => e.involvedObject.kind === 'Pod' && member.test(e.involvedObject.name ?? ''))
    .map((e) => ({ e, time: e.lastTimestamp || e.eventTime || e.firstTimestamp || null }))
    // Event times have whole seconds; the resourceVersion orders the writes within one.
    .sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || Number(a.e.metadata.resourceVersion ?? 0) - Number(b.e.metadata.resourceVersion ?? 0))
    .map(({ e, time }) => ({
      time,
      secondsAgo: time === null ? null : Math.max(0, Math.round((observedAt - Date.parse(time)) / 1000)),
      pod: e.involvedObject.name ?? '',
      type: e.type ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
    }));
}

function problems(r: Omit<StatusReport, 'problems'>): string[] {
  const found: string[] = [];
  const s = r.settings;
  const lease = r.lease;
  if (lease === null) found.push(`no Lease ${s.leaseName}: the cluster has not bootstrapped yet (the first agent creates it)`);
  else if (lease.holder === null) found.push(`the Lease ${lease.name} has no holder: no member is primary`);
  else if (lease.renewedSecondsAgo !== null && lease.leaseDurationSeconds !== null && lease.renewedSecondsAgo > lease.leaseDurationSeconds) {
    found.push(`${lease.holder} last renewed the Lease ${lease.renewedSecondsAgo}s ago (this machine's clock), longer than the lease duration of ${lease.leaseDurationSeconds}s`);
  }
  if (lease?.switchoverTo) found.push(`a switchover to ${lease.switchoverTo} is pending`);

  const labelled = r.members.filter((m) => m.roleLabel === 'primary' && !m.deleting).map((m) => m.pod);
  if (labelled.length === 0) found.push(`no pod is labelled primary: Service ${r.cluster} has no endpoint`);
  if (labelled.length > 1) found.push(`${labelled.length} pods are labelled primary: ${labelled.join(', ')}`);
  if (labelled.length === 1 && r.primary !== null && labelled[0] !== r.primary) found.push(`${labelled[0]} is labelled primary but ${r.primary} holds the Lease`);

  for (const pod of s.members) if (!r.members.some((m) => m.pod === pod)) found.push(`${pod} has no pod`);
  for (const m of r.members) {
    if (!s.members.includes(m.pod)) found.push(`${m.pod} is not a member: the cluster has ${s.replicas} (${s.members.join(', ')})`);
    if (m.deleting) found.push(`${m.pod} is being deleted`);
    if (!m.agent.answered) found.push(`${m.pod}'s agent did not answer: ${m.agent.error}`);
    else if (!m.ready && !m.deleting) found.push(`${m.pod} is not ready: ${m.agent.ready ? `its agent says ${m.agent.reason}, the kubelet's probe has not seen it yet` : m.agent.reason}`);
    if (m.agent.apiReachable === false) found.push(`${m.pod}'s agent cannot reach the Kubernetes API`);
    if (m.agent.answered && m.agent.role !== 'none' && m.roleLabel !== null && m.agent.role !== m.roleLabel) found.push(`${m.pod}'s agent says ${m.agent.role} but its label says ${m.roleLabel}`);
    if (m.agent.leaseHolder !== null && r.primary !== null && m.agent.leaseHolder !== r.primary) found.push(`${m.pod}'s agent sees ${m.agent.leaseHolder} holding the Lease, not ${r.primary}`);
    if (m.agent.systemIdentifier !== null && lease?.systemIdentifier && m.agent.systemIdentifier !== lease.systemIdentifier) {
      found.push(`${m.pod} has the data of another cluster (system identifier ${m.agent.systemIdentifier}, the cluster's is ${lease.systemIdentifier})`);
    }
    if (m.streaming === false) found.push(`${m.pod} is not streaming from ${r.primary}`);
    if (m.sync === 'not in quorum') found.push(`${m.pod} is not in the synchronous quorum: a failover may not promote it`);
    if (m.lagBytes !== null && s.maximumLagOnFailoverBytes !== null && m.lagBytes > s.maximumLagOnFailoverBytes) {
      found.push(`${m.pod} is ${m.lagBytes} bytes behind, more than maximumLagOnFailover (${s.maximumLagOnFailoverBytes}): a failover may not promote it`);
    }
  }
  return found;
}

/** Members sort by ordinal (`-10` after `-9`). */
function memberOrder(pod: string): number {
  const match = /-(\d+)$/.exec(pod);
  return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// `status` for a terminal: a few header lines, the members as an aligned table (kubectl's style: upper
// case headers, two spaces between columns, no colours), the last change of primary, the latest Events,
// and the problems found.
import type { EventReport, MemberReport, StatusReport } from './report';

export function renderTable(r: StatusReport): string {
  const s = r.settings;
  const lines: string[] = [];
  const mode = [s.standbyMode && `${s.standbyMode} standbys`, s.replicationMode && replicationText(s.replicationMode, s.synchronousReplicas, s.synchronousStrict)].filter(Boolean).join(', ');
  lines.push(`Cluster ${r.cluster} in namespace ${r.namespace}: ${s.replicas} members${mode ? `, ${mode}` : ''}`);
  lines.push(`Primary: ${primaryLine(r)}`);
  if (r.lease?.switchoverTo) lines.push(`Switchover to ${r.lease.switchoverTo} requested (annotation on the Lease)`);
  lines.push('');
  if (r.members.length === 0) lines.push(`No pods with label app.kubernetes.io/instance=${r.cluster}.`);
  else lines.push(...table([MEMBER_HEADERS, ...r.members.map(memberRow)]));
  if (r.lagReference) lines.push(`LAG is measured against ${r.lagReference}.`);
  lines.push('');
  lines.push(`Last change of primary: ${r.lastChange ? eventLine(r.lastChange) : 'none in the Events kept (the API server keeps Events for an hour by default)'}`);
  if (r.eventsError) lines.push(`Events could not be read: ${r.eventsError}`);
  else if (r.events.length > 0) {
    lines.push('Recent events (the agents\', oldest first):');
    lines.push(...table([['TIME', 'AGO', 'POD', 'TYPE', 'REASON', 'MESSAGE'], ...r.events.map((e) => [e.time ?? '-', ago(e.secondsAgo), e.pod, e.type, e.reason, e.message])]).map((l) => `  ${l}`));
  }
  lines.push('');
  if (r.problems.length === 0) lines.push('Problems: none');
  else lines.push('Problems:', ...r.problems.map((p) => `  - ${p}`));
  return `${lines.join('\n')}\n`;
}

const MEMBER_HEADERS = ['POD', 'NODE', 'IP', 'ROLE', 'READY', 'AGENT SAYS', 'POSTGRES', 'TL', 'LSN', 'LAG', 'STREAMING', 'SYNC'];

function memberRow(m: MemberReport): string[] {
  const says = m.agent.answered ? `${m.agent.ready ? '' : 'not ready: '}${m.agent.reason}` : `no answer: ${m.agent.error}`;
  return [
    m.pod,
    m.node ?? '-',
    m.ip ?? '-',
    m.roleLabel ?? '-',
    m.deleting ? 'deleting' : m.ready ? 'yes' : 'no',
    says,
    m.agent.postgres ?? '-',
    m.timeline === null ? '-' : String(m.timeline),
    m.lsn ?? '-',
    m.lagBytes === null ? '-' : bytes(m.lagBytes),
    m.streaming === null ? '-' : m.streaming ? 'yes' : 'no',
    m.sync ?? '-',
  ];
}

function primaryLine(r: StatusReport): string {
  const lease = r.lease;
  if (lease === null) return `none yet (no Lease ${r.settings.leaseName})`;
  if (lease.holder === null) return `none (Lease ${lease.name} has no holder)`;
  const renewed = lease.renewedSecondsAgo === null ? 'never renewed' : `renewed ${lease.renewedSecondsAgo}s ago by this machine's clock`;
  const details = [renewed, lease.leaseDurationSeconds !== null && `lease ${lease.leaseDurationSeconds}s`, lease.transitions !== null && `${lease.transitions} transition${lease.transitions === 1 ? '' : 's'}`].filter(Boolean);
  return `${lease.holder} (holds Lease ${lease.name}: ${details.join(', ')})`;
}

function replicationText(mode: string, k: number | null, strict: boolean): string {
  return mode === 'sync' ? `synchronous replication (ANY ${k ?? '?'}${strict ? ', strict: the primary never commits alone' : ''})` : mode === 'async' ? 'asynchronous replication' : `${mode} replication`;
}

function eventLine(e: EventReport): string {
  return `${e.reason} on ${e.pod}, ${ago(e.secondsAgo)} ago (${e.time ?? 'no time'}): ${e.message}`;
}

/** Columns padded to their widest cell, two spaces apart, the last one unpadded. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function ago(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

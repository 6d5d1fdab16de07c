/**
 * The agents' footprint at steady state, read from /proc like `ps` or a cgroup would report it: resident
 * memory (VmRSS, summed over the agent container's processes) and CPU (user + system time over a window,
 * as a percentage of one core).
 */
import { readFileSync } from 'node:fs';
import type { LocalCluster } from '../e2e/harness/cluster';
import { delay } from '../e2e/support/sleep';

export interface AgentFootprint {
  readonly pod: string;
  /** VmRSS: every resident page, the runtime's shared file-backed ones (the node binary) included. */
  readonly rssMiB: number;
  /** RssAnon: the agent's own memory (heap, stacks), which no other process shares. */
  readonly anonMiB: number;
  readonly cpuPercent: number;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

export async function measureAgents(cluster: LocalCluster, pods: readonly string[], windowMs: number): Promise<AgentFootprint[]> {
  const pidsOf = (pod: string) => cluster.kubelet.pids(pod, 'agent');
  const startTicks = new Map(pods.map((pod) => [pod, pidsOf(pod).reduce((sum, pid) => sum + cpuTicks(pid), 0)]));
  const started = Date.now();
  await delay(windowMs);
  const seconds = (Date.now() - started) / 1000;
  return pods.map((pod) => {
    const pids = pidsOf(pod);
    const ticks = pids.reduce((sum, pid) => sum + cpuTicks(pid), 0) - (startTicks.get(pod) ?? 0);
    const statuses = pids.map((pid) => readOr(`/proc/${pid}/status`));
    const rssKiB = statuses.reduce((sum, status) => sum + statusKiB(status, 'VmRSS'), 0);
    const anonKiB = statuses.reduce((sum, status) => sum + statusKiB(status, 'RssAnon'), 0);
    return { pod, rssMiB: round1(rssKiB / 1024), anonMiB: round1(anonKiB / 1024), cpuPercent: round1((ticks / CLOCK_TICKS_PER_SECOND / seconds) * 100) };
  });
}

/** A `Name:   1234 kB` line of /proc/<pid>/status, in KiB (0 when absent). */
export function statusKiB(status: string, field: 'VmRSS' | 'RssAnon'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

function cpuTicks(pid: number): number {
  return parseCpuTicks(readOr(`/proc/${pid}/stat`));
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15; the command name in parentheses may hold spaces). */
export function parseCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : 0;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

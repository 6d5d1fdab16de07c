/**
 * On a 2-core machine, anything else running (a test suite, a build) shows up in the failover times. A
 * trial therefore starts only when the processes outside this benchmark's own process tree (the
 * cluster's PostgreSQL and agents are its descendants) use little CPU, and says so when it had to start
 * anyway.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { delay } from '../e2e/support/sleep';

/** Other processes may use this share of one core: kernel housekeeping, an idle shell. */
const QUIET_PERCENT = 25;
const SAMPLE_MS = 1000;
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcessSample {
  readonly ppid: number;
  readonly ticks: number;
  readonly name: string;
}

function snapshot(): Map<number, ProcessSample> {
  const result = new Map<number, ProcessSample>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), name });
    } catch {
      // gone meanwhile
    }
  }
  return result;
}

function descendantsOf(root: number, processes: Map<number, ProcessSample>): Set<number> {
  const family = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of processes) {
      if (!family.has(pid) && family.has(p.ppid)) {
        family.add(pid);
        grew = true;
      }
    }
  }
  return family;
}

export interface ForeignLoad {
  /** % of one core used by processes outside this process's tree. */
  readonly percent: number;
  /** The busiest of them. */
  readonly busiest: string;
}

/**
 * Starts measuring the CPU of processes outside this process's tree; the returned function ends the
 * window. A process started within the window counts whole; one that ended within it is missed.
 */
export function foreignLoadWindow(): () => ForeignLoad {
  const before = snapshot();
  const started = Date.now();
  return () => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const after = snapshot();
    const ours = descendantsOf(process.pid, after);
    const usage: Array<{ name: string; percent: number }> = [];
    for (const [pid, p] of after) {
      if (ours.has(pid)) continue;
      const ticks = p.ticks - (before.get(pid)?.ticks ?? 0);
      if (ticks > 0) usage.push({ name: `${p.name} (${pid})`, percent: (ticks / CLOCK_TICKS_PER_SECOND / seconds) * 100 });
    }
    usage.sort((a, b) => b.percent - a.percent);
    return { percent: usage.reduce((sum, u) => sum + u.percent, 0), busiest: usage.slice(0, 3).map((u) => `${u.name} ${u.percent.toFixed(0)}%`).join(', ') };
  };
}

export async function foreignLoad(): Promise<ForeignLoad> {
  const end = foreignLoadWindow();
  await delay(SAMPLE_MS);
  return end();
}

/** A note for a trial during which other processes were busy, or null. */
export function busyNote(load: ForeignLoad): string | null {
  return load.percent > QUIET_PERCENT ? `machine busy during the trial: other processes used ${load.percent.toFixed(0)}% of a core (${load.busiest})` : null;
}

/** Waits until other processes are quiet; returns a note when it gave up waiting. */
export async function waitForQuietMachine(limitMs: number, print: (line: string) => void): Promise<string | null> {
  const deadline = Date.now() + limitMs;
  let told = false;
  for (;;) {
    const load = await foreignLoad();
    if (load.percent <= QUIET_PERCENT) return null;
    if (Date.now() > deadline) return `machine busy: other processes used ${load.percent.toFixed(0)}% of a core (${load.busiest})`;
    if (!told) print(`  (waiting for a quiet machine: other processes use ${load.percent.toFixed(0)}% of a core: ${load.busiest})`);
    told = true;
    await delay(4000);
  }
}

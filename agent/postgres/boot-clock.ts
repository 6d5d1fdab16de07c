// The clock the fencing heartbeat is written in: the kernel's time since boot (/proc/uptime, CLOCK_BOOTTIME).
// The pod's two containers share one kernel, so the agent and the supervisor read the same clock; and unlike
// the wall clock it never steps. On the wall clock a node whose time was stepped back (NTP, a person with
// `date -s`) while the agent hung would have delayed the supervisor's fence by the size of the step, long
// enough for a standby to take the expired Lease while the old primary still accepted writes.
import { readFileSync } from 'node:fs';

/** Milliseconds since the kernel booted, to the 10 ms /proc/uptime gives. */
export function bootTimeMs(uptimeFile = '/proc/uptime'): number {
  const [seconds] = readFileSync(uptimeFile, 'utf8').split(' ');
  const ms = Math.round(Number(seconds) * 1000);
  if (!Number.isFinite(ms)) throw new Error(`${uptimeFile} does not start with a number of seconds: ${seconds}`);
  return ms;
}

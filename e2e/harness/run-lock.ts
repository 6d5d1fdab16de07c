/**
 * One harness per machine (the bridge, addresses and namespace names are fixed). The lock tells a
 * crashed run's leftovers, which the next run removes, from a run still in progress, which it must not
 * touch. A second run (a benchmark started during `npm run e2e`, a test suite beside a scenario) waits
 * for the first to finish rather than failing.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface RunLockOptions {
  /** How long to wait for another run to finish. @default 30 minutes */
  readonly waitMs?: number;
  /** Said once when the lock is held by another live process. */
  readonly onWait?: (holder: number) => void;
}

const POLL_MS = 500;
const DEFAULT_WAIT_MS = 30 * 60_000;

export async function acquireRunLock(file: string, options: RunLockOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  mkdirSync(dirname(file), { recursive: true });
  let told = false;
  let unreadable = false;
  for (;;) {
    try {
      // Exclusive create: of two runs that both saw the lock free, one wins.
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(file);
    if (holder === process.pid) return;
    if (holder === undefined && !unreadable) {
      // Created an instant ago and not written yet, or garbage: look again before removing it.
      unreadable = true;
      await delay(POLL_MS);
      continue;
    }
    if (holder === undefined || !isAlive(holder)) {
      // A crashed run's lock.
      rmSync(file, { force: true });
      unreadable = false;
      continue;
    }
    if (Date.now() >= deadline) throw new Error(`another e2e harness (pid ${holder}) is still running on this machine; wait for it or stop it`);
    if (!told) options.onWait?.(holder);
    told = true;
    await delay(POLL_MS);
  }
}

export function releaseRunLock(file: string): void {
  if (lockHolder(file) === process.pid) rmSync(file, { force: true });
}

function lockHolder(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

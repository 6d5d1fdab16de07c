/**
 * One harness per machine (the bridge, addresses and namespace names are fixed). The lock tells a
 * crashed run's leftovers, which the next run removes, from a run still in progress, which it must not
 * touch.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function acquireRunLock(file: string): void {
  const holder = lockHolder(file);
  if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
    throw new Error(`another e2e harness (pid ${holder}) is running on this machine; wait for it or stop it`);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, String(process.pid));
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

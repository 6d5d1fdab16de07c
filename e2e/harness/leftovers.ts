/**
 * Removes what a crashed or killed earlier run left behind: processes in the harness's network
 * namespaces, the namespaces, veths and bridge, the hosts files, the mount points the kubelet
 * created, and the cluster work folder. Idempotent: with nothing left over it changes nothing.
 */
import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BRIDGE, HOST_VETH_PREFIX, NETNS_PREFIX } from './addresses';
import { tryKill } from './container-process';
import { run, runIgnoringFailure } from '../support/exec';
import { MountPoints } from './mount-points';
import { NETNS_CONFIG_DIR } from './network';
import { delay } from '../support/sleep';
import type { WorkDirs } from './work-dirs';

const IP = '/usr/sbin/ip';
const KILL_WAIT_MS = 5000;

/**
 * @param options.keepFiles leave the cluster work folder (a stopped cluster kept for inspection)
 * @returns a description of each thing removed, for the runner to report
 */
export async function removeLeftovers(dirs: WorkDirs, options: { keepFiles?: boolean } = {}): Promise<string[]> {
  const removed: string[] = [];
  const namespaces = (await run(IP, ['netns', 'list'])).stdout
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith(NETNS_PREFIX));
  for (const netns of namespaces) {
    await killEverythingIn(netns);
    await runIgnoringFailure(IP, ['netns', 'del', netns]);
    removed.push(`network namespace ${netns}`);
  }
  const links = (await run(IP, ['-o', 'link', 'show'])).stdout
    .split('\n')
    .map((line) => line.split(':')[1]?.trim().split('@')[0])
    .filter((name): name is string => name !== undefined && (name === BRIDGE || name.startsWith(HOST_VETH_PREFIX)));
  for (const link of links) {
    await runIgnoringFailure(IP, ['link', 'del', link]);
    removed.push(`link ${link}`);
  }
  for (const entry of safeReaddir(NETNS_CONFIG_DIR).filter((name) => name.startsWith(NETNS_PREFIX))) {
    rmSync(join(NETNS_CONFIG_DIR, entry), { recursive: true, force: true });
    removed.push(`${NETNS_CONFIG_DIR}/${entry}`);
  }
  removeIfEmpty(NETNS_CONFIG_DIR);
  new MountPoints(dirs.mountPointRecord).removeCreated();
  if (!options.keepFiles) rmSync(dirs.cluster, { recursive: true, force: true });
  return removed;
}

async function killEverythingIn(netns: string): Promise<void> {
  const deadline = Date.now() + KILL_WAIT_MS;
  for (;;) {
    const pids = ((await runIgnoringFailure(IP, ['netns', 'pids', netns]))?.stdout ?? '').split('\n').filter(Boolean).map(Number);
    if (pids.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes ${pids.join(', ')} in ${netns} survive SIGKILL`);
    for (const pid of pids) tryKill(pid, 'SIGKILL');
    await delay(50);
  }
}

/** The network code creates /etc/netns when the machine has none; an empty one is ours to remove. */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty, or not there.
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

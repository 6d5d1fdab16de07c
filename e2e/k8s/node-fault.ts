/**
 * A whole node lost, as a power cut ends one: its kubelet and containerd, the containerd shims and every
 * process of its pods SIGKILLed, and every packet to or from its pods' /24 dropped on the host, so its
 * peers see silence (timeouts), not refusals. Nothing tells the API server: the node's pods stay Running
 * and Ready there until the node controller notices the kubelet's silence, as on a real cluster.
 *
 * Brought back, the node starts containerd and the kubelet again, as after a reboot: the kubelet finds
 * its pods' containers gone and starts them anew (a new sandbox, a new address).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBuilt } from '../cluster/artifacts';
import { nodePaths } from '../cluster/configs';
import { killDaemon } from '../cluster/daemons';
import { hostAddress } from '../cluster/host';
import { containerdName, kubeletName, startContainerd, startKubelet } from '../cluster/node';
import { nodePlan, STATE, type NodePlan } from '../cluster/plan';
import { Pki } from '../cluster/pki';

const exec = promisify(execFile);

/** The node named `node-<i>` in the cluster's plan. */
export function planOf(nodeName: string): NodePlan {
  const index = Number(/^node-(\d+)$/.exec(nodeName)?.[1]);
  if (!Number.isInteger(index) || index < 1) throw new Error(`${nodeName} is not a node of the e2e cluster (node-1, node-2, node-3)`);
  return nodePlan(index);
}

/** The host's rules that make the node's pod network silent: inserted first, removed on the way back. */
function silenceRules(node: NodePlan): string[][] {
  return [
    ['FORWARD', '-s', node.podSubnet, '-j', 'DROP'],
    ['FORWARD', '-d', node.podSubnet, '-j', 'DROP'],
    ['OUTPUT', '-d', node.podSubnet, '-j', 'DROP'],
    ['INPUT', '-s', node.podSubnet, '-j', 'DROP'],
  ];
}

/** Every pid under a cgroup folder (the node's root in the pids hierarchy), its sub-groups included. */
function cgroupPids(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const own = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  const children = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => cgroupPids(join(dir, e.name)));
  return [...own, ...children];
}

/** The containerd shims serving this node's containerd (they name its socket on their command line). */
function shimPids(node: NodePlan): number[] {
  const socket = nodePaths(node).containerdSocket;
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0].endsWith('containerd-shim-runc-v2') && argv.includes(socket);
    } catch {
      return false;
    }
  });
}

function killAll(pids: readonly number[]): number {
  let killed = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // Already gone.
    }
  }
  return killed;
}

/** Ends the node as a power cut would; returns how many of its pods' processes were killed. */
export async function loseNode(nodeName: string): Promise<number> {
  const node = planOf(nodeName);
  for (const rule of silenceRules(node)) await exec('iptables', ['-w', '-I', ...rule]);
  killDaemon(kubeletName(node));
  killDaemon(containerdName(node));
  killAll(shimPids(node));
  // A process may fork while its siblings die: repeat until the node's cgroups are empty.
  const root = join('/sys/fs/cgroup/pids', node.cgroupRoot);
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    const pids = cgroupPids(root);
    if (pids.length === 0) return killed;
    killed += killAll(pids);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`processes of ${nodeName} survived 20 rounds of SIGKILL: ${cgroupPids(root).join(' ')}`);
}

/** The node back, as after a reboot: its network answers again, containerd and the kubelet start. */
export async function bringNodeBack(nodeName: string, say: (line: string) => void): Promise<void> {
  const node = planOf(nodeName);
  for (const rule of silenceRules(node)) await exec('iptables', ['-w', '-D', ...rule]).catch(() => undefined);
  const built = await ensureBuilt([]);
  const paths = await startContainerd(node, say);
  await startKubelet(node, paths, built.kubeBin, new Pki(STATE.pki, join(STATE.logs, 'certificates.log')), hostAddress(), say);
}

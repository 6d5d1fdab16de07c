/**
 * The pod network: one bridge on the host, one network namespace per pod with a veth into it, the
 * Service addresses on the host, and each namespace's hosts file and resolv.conf (which
 * `ip netns exec` bind-mounts over /etc/hosts and /etc/resolv.conf).
 *
 * Neighbour (ARP) entries are static on every side, so a pod that is cut off or gone is silent —
 * its peers see timeouts, never "no route to host" — like a node that vanished from a real network.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AddressBook, BRIDGE, BRIDGE_ADDRESS, HOST_VETH_PREFIX, macFor, NETNS_PREFIX, POD_PREFIX_LENGTH } from './addresses';
import { run } from '../support/exec';

const IP = '/usr/sbin/ip';
export const NETNS_CONFIG_DIR = '/etc/netns';

export interface PodInterface {
  readonly netns: string;
  readonly address: string;
  readonly hostVeth: string;
}

export function netnsName(pod: string): string {
  return `${NETNS_PREFIX}${pod}`;
}

export class PodNetwork {
  readonly addresses = new AddressBook();
  private readonly pods = new Map<string, PodInterface>();
  /** The hosts file last written for each pod. */
  private readonly hosts = new Map<string, string>();
  /** Pods are added one at a time: each new one must see every other's neighbour entry and vice versa. */
  private additions: Promise<unknown> = Promise.resolve();

  static async create(): Promise<PodNetwork> {
    await run(IP, ['-batch', '-'], [
      `link add ${BRIDGE} address ${macFor(BRIDGE_ADDRESS)} type bridge`,
      `addr add ${BRIDGE_ADDRESS}/${POD_PREFIX_LENGTH} dev ${BRIDGE}`,
      `link set ${BRIDGE} up`,
    ].join('\n'));
    return new PodNetwork();
  }

  /** Gives the host an address in the Service range, where a proxy (or the API server) listens. */
  async addHostAddress(address: string): Promise<void> {
    await run(IP, ['addr', 'add', `${address}/32`, 'dev', BRIDGE]);
  }

  /**
   * Creates the pod's namespace with its address and configuration files. Pod names are unique per
   * namespace only, but the harness runs one Kubernetes namespace's workloads at a time per name.
   */
  addPod(namespace: string, pod: string, files: { hosts: string; resolvConf: string }): Promise<PodInterface> {
    const added = this.additions.then(() => this.createPod(namespace, pod, files));
    this.additions = added.catch(() => undefined);
    return added;
  }

  private async createPod(namespace: string, pod: string, files: { hosts: string; resolvConf: string }): Promise<PodInterface> {
    const { address, index } = this.addresses.podSlot(namespace, pod);
    const netns = netnsName(pod);
    const hostVeth = `${HOST_VETH_PREFIX}${index}`;
    const mac = macFor(address);
    const config = join(NETNS_CONFIG_DIR, netns);
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'hosts'), files.hosts);
    this.hosts.set(pod, files.hosts);
    writeFileSync(join(config, 'resolv.conf'), files.resolvConf);
    await run(IP, ['netns', 'add', netns]);
    await run(IP, ['-batch', '-'], [
      `link add ${hostVeth} type veth peer name eth0 address ${mac} netns ${netns}`,
      `link set ${hostVeth} master ${BRIDGE} up`,
      `neigh replace ${address} lladdr ${mac} dev ${BRIDGE} nud permanent`,
    ].join('\n'));
    for (const other of this.pods.values()) {
      await run(IP, ['-n', other.netns, 'neigh', 'replace', address, 'lladdr', mac, 'dev', 'eth0', 'nud', 'permanent']);
    }
    await run(IP, ['-n', netns, '-batch', '-'], [
      'link set lo up',
      `addr add ${address}/${POD_PREFIX_LENGTH} dev eth0`,
      'link set eth0 up',
      `route add default via ${BRIDGE_ADDRESS}`,
      `neigh replace ${BRIDGE_ADDRESS} lladdr ${macFor(BRIDGE_ADDRESS)} dev eth0 nud permanent`,
      ...[...this.pods.values()].map((other) => `neigh replace ${other.address} lladdr ${macFor(other.address)} dev eth0 nud permanent`),
    ].join('\n'));
    const created = { netns, address, hostVeth };
    this.pods.set(pod, created);
    return created;
  }

  /**
   * Rewrites the hosts file when its records changed. In place, because `ip netns exec` bind-mounted
   * this very inode into running containers; overwritten before truncation, so a concurrent lookup
   * never finds the file empty.
   */
  updateHostsFile(pod: string, hosts: string): void {
    const created = this.pods.get(pod);
    if (!created || this.hosts.get(pod) === hosts) return;
    const fd = openSync(join(NETNS_CONFIG_DIR, created.netns, 'hosts'), 'r+');
    try {
      const bytes = Buffer.from(hosts);
      writeSync(fd, bytes, 0, bytes.length, 0);
      ftruncateSync(fd, bytes.length);
    } finally {
      closeSync(fd);
    }
    this.hosts.set(pod, hosts);
  }

  /** Call after every process of the pod is gone. */
  async removePod(pod: string): Promise<void> {
    const created = this.pods.get(pod);
    if (!created) return;
    this.pods.delete(pod);
    this.hosts.delete(pod);
    // Deleting the veth now, not when the kernel gets round to destroying the namespace, frees its
    // name for the pod's next incarnation.
    await run(IP, ['link', 'del', created.hostVeth]);
    await run(IP, ['netns', 'del', created.netns]);
    rmSync(join(NETNS_CONFIG_DIR, created.netns), { recursive: true, force: true });
  }

  /** Cuts the pod off the network: packets to and from it are dropped, so everyone sees timeouts. */
  async isolate(pod: string): Promise<void> {
    await run(IP, ['link', 'set', this.podInterface(pod).hostVeth, 'down']);
  }

  async heal(pod: string): Promise<void> {
    await run(IP, ['link', 'set', this.podInterface(pod).hostVeth, 'up']);
  }

  podInterface(pod: string): PodInterface {
    const created = this.pods.get(pod);
    if (!created) throw new Error(`pod ${pod} has no network namespace`);
    return created;
  }

  livePods(): string[] {
    return [...this.pods.keys()];
  }

  async destroy(): Promise<void> {
    for (const pod of this.livePods()) await this.removePod(pod);
    await run(IP, ['link', 'del', BRIDGE]);
  }
}

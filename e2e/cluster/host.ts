/** What the machine must have and be set to before a node can run pods. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

const COMMANDS = ['containerd', 'runc', 'ctr', 'iptables', 'conntrack', 'openssl', 'debootstrap', 'gcc', 'go', 'curl', 'ip'];
const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];

/** What is missing, in words a person can act on; empty when the machine is ready. */
export function missingOnHost(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (the kubelet, containerd and the network need it)');
  for (const command of COMMANDS) {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    } catch {
      missing.push(`the command ${command}`);
    }
  }
  for (const plugin of CNI_PLUGINS) {
    try {
      execFileSync('test', ['-x', `/usr/lib/cni/${plugin}`]);
    } catch {
      missing.push(`the CNI plugin /usr/lib/cni/${plugin} (Debian: containernetworking-plugins)`);
    }
  }
  return missing;
}

/** Kernel settings a node needs: forwarding, bridged traffic through iptables (kube-proxy), overlayfs. */
export function prepareKernel(): void {
  for (const module of ['br_netfilter', 'overlay']) {
    try {
      execFileSync('modprobe', [module], { stdio: 'ignore' });
    } catch {
      // Built in, or already loaded: the sysctls below fail loudly if bridging is really missing.
    }
  }
  writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  writeFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', '1');
}

/** The machine's own address (the one its default route leaves from): the nodes' and API server's. */
export function hostAddress(): string {
  const route = execFileSync('ip', ['-4', 'route', 'get', '1.1.1.1'], { encoding: 'utf8' });
  const match = / src (\d+\.\d+\.\d+\.\d+)/.exec(route);
  if (match) return match[1];
  const any = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
  if (!any) throw new Error('this machine has no IPv4 address besides loopback');
  return any.address;
}

/** Lazily unmounts everything mounted at or under `path`, deepest first (before removing a folder). */
export function unmountUnder(path: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((p) => p && (p === path || p.startsWith(`${path}/`)));
  for (const mount of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
}

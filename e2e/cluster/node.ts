/**
 * A node: Debian's containerd (its own root, state and socket), the images imported into it under the
 * names the rendered YAML uses, the node's CNI network, and the kubelet.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { containerdConfig, cniConfig, kubeconfig, kubeletConfig, nodePaths, type NodePaths } from './configs';
import { type Daemon, start, waitReady } from './daemons';
import { NETWORK, type NodePlan } from './plan';
import type { Pki } from './pki';
import { run } from './progress';

const exec = promisify(execFile);

export const containerdName = (node: NodePlan) => `containerd-${node.name}`;
export const kubeletName = (node: NodePlan) => `kubelet-${node.name}`;

export function ctr(paths: NodePaths, args: readonly string[]): Promise<{ stdout: string }> {
  return exec('ctr', ['--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args], { maxBuffer: 16 * 1024 * 1024 });
}

export async function startContainerd(node: NodePlan, say: (line: string) => void): Promise<NodePaths> {
  const paths = nodePaths(node);
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(paths.containerdConfig, containerdConfig(paths));
  writeFileSync(join(paths.cniConfDir, '10-pgha-e2e.conflist'), cniConfig(node));
  const daemon: Daemon = { name: containerdName(node), argv: ['containerd', '--config', paths.containerdConfig] };
  say(`${node.name}: starting containerd`);
  start(daemon);
  await waitReady(daemon, 'serving its socket', async () => existsSync(paths.containerdSocket) && (await ctr(paths, ['version'])).stdout.includes('Server'), 30_000);
  return paths;
}

/** Imports each docker-archive whose image name the node's containerd does not have yet. */
export async function importImages(node: NodePlan, paths: NodePaths, archives: readonly string[], log: string, say: (line: string) => void): Promise<void> {
  const have = new Set((await ctr(paths, ['images', 'ls', '-q'])).stdout.split('\n'));
  for (const archive of archives) {
    // The archive's folder is named for what it holds and the digest of its inputs (artifacts.ts):
    // the stamp says this very build was imported, the name that containerd still has it.
    const stamp = join(paths.root, 'imported', basename(dirname(archive)));
    const { stdout } = await exec('tar', ['-xOf', archive, 'manifest.json']);
    const name: string = JSON.parse(stdout)[0].RepoTags[0];
    if (existsSync(stamp) && have.has(name)) continue;
    say(`${node.name}: importing ${name}`);
    await run(`${node.name} image import`, ['ctr', '--address', paths.containerdSocket, '--namespace', 'k8s.io', 'images', 'import', archive], { log });
    mkdirSync(dirname(stamp), { recursive: true });
    writeFileSync(stamp, '');
  }
}

/**
 * The node's cgroup root in every v1 hierarchy (the kubelet refuses a root that is missing in any).
 * Each node has its own, so kubelets sharing the machine never manage each other's pods.
 */
function createCgroupRoot(node: NodePlan): void {
  const base = '/sys/fs/cgroup';
  for (const hierarchy of readdirSync(base)) {
    if (hierarchy === 'unified' || !existsSync(join(base, hierarchy, 'cgroup.procs'))) continue;
    const dir = join(base, hierarchy, node.cgroupRoot);
    mkdirSync(dir, { recursive: true });
    // A new v1 cpuset has no CPUs or memory nodes until given its parent's.
    if (hierarchy === 'cpuset') {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(dir, file), readFileSync(join(base, hierarchy, file)));
    }
  }
}

export async function startKubelet(node: NodePlan, paths: NodePaths, kubeBin: string, pki: Pki, hostAddress: string, say: (line: string) => void): Promise<void> {
  createCgroupRoot(node);
  mkdirSync(paths.kubeletRoot, { recursive: true });
  writeFileSync(paths.kubeletConfig, kubeletConfig(node, paths, pki));
  writeFileSync(paths.kubeconfig, kubeconfig(pki, `kubelet-${node.name}`, `https://${hostAddress}:${NETWORK.apiPort}`, `system:node:${node.name}`));
  // The pods' search path comes from the cluster DNS settings; nothing upstream to resolve here.
  writeFileSync(paths.resolvConf, 'nameserver 127.0.0.1\n');
  const daemon: Daemon = {
    name: kubeletName(node),
    argv: [
      join(kubeBin, 'kubelet'),
      `--config=${paths.kubeletConfig}`,
      `--kubeconfig=${paths.kubeconfig}`,
      `--hostname-override=${node.name}`,
      `--node-ip=${hostAddress}`,
      `--root-dir=${paths.kubeletRoot}`,
      '--v=1',
    ],
  };
  say(`${node.name}: starting the kubelet`);
  start(daemon);
  await waitReady(daemon, 'healthy', async () => {
    const { stdout } = await exec('curl', ['-fsS', `http://127.0.0.1:${node.kubeletHealthzPort}/healthz`]);
    return stdout.trim() === 'ok';
  }, 60_000);
}

/**
 * `npm run cluster:down`: stops the cluster and leaves the machine as it was, but for the images
 * already imported into each node's containerd (kept so the next `cluster:up` does not import them
 * again; `-- --purge` removes them too). Safe to run when nothing is up.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nodePaths } from './configs';
import { isRunning, stopAll } from './daemons';
import { unmountUnder } from './host';
import { ctr } from './node';
import { nodePlan, PATHS } from './plan';
import { say } from './progress';

const CGROUP_ROOT = '/sys/fs/cgroup';
const MAX_NODES = 3;

function quiet(argv: readonly string[]): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** Every container's task killed and the container removed, while that node's containerd still runs. */
async function removeContainers(): Promise<void> {
  for (let i = 1; i <= MAX_NODES; i++) {
    const node = nodePlan(i);
    if (!isRunning(`containerd-${node.name}`)) continue;
    const paths = nodePaths(node);
    const ids = (await ctr(paths, ['containers', 'ls', '-q']).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
    for (const id of ids) {
      await ctr(paths, ['tasks', 'kill', '--signal', 'SIGKILL', id]).catch(() => undefined);
      await ctr(paths, ['tasks', 'delete', '--force', id]).catch(() => undefined);
      await ctr(paths, ['containers', 'rm', id]).catch(() => undefined);
    }
  }
}

/** Any process left in a node's cgroups (a container whose shim died with containerd) gets SIGKILL. */
function killCgroupStragglers(): void {
  for (const controller of existsSync(CGROUP_ROOT) ? readdirSync(CGROUP_ROOT) : []) {
    for (let i = 1; i <= MAX_NODES; i++) {
      const root = join(CGROUP_ROOT, controller, nodePlan(i).cgroupRoot);
      for (const dir of walk(root).reverse()) {
        for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) quiet(['kill', '-9', pid]);
        try {
          rmdirSync(dir);
        } catch {
          // Busy for a moment after its last process died; a later `down` removes it.
        }
      }
    }
  }
}

function walk(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return [dir, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => walk(join(dir, e.name)))];
}

function removeNetwork(): void {
  for (const ns of existsSync('/var/run/netns') ? readdirSync('/var/run/netns') : []) if (ns.startsWith('cni-')) quiet(['ip', 'netns', 'delete', ns]);
  for (let i = 1; i <= MAX_NODES; i++) quiet(['ip', 'link', 'delete', nodePlan(i).bridge]);
  // kube-proxy's and the CNI plugins' iptables rules (chains KUBE-*, CNI-*), nothing else.
  for (const table of ['nat', 'filter', 'mangle']) {
    const saved = quiet(['iptables-save', '-t', table]);
    if (!/KUBE-|CNI-/.test(saved)) continue;
    const kept = saved.split('\n').filter((line) => !/KUBE-|CNI-/.test(line)).join('\n');
    execFileSync('iptables-restore', ['-T', table], { input: `${kept}\n` });
  }
}

export async function clusterDown(purge: boolean, quietly = false): Promise<void> {
  const stopped = await stopAll(['kube-proxy', ...Array.from({ length: MAX_NODES }, (_, i) => `kubelet-node-${i + 1}`)]);
  await removeContainers();
  stopped.push(...await stopAll(['kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd']));
  quiet(['pkill', '-9', '-f', `containerd-shim-runc-v2 .*-address ${PATHS.state}/`]);
  killCgroupStragglers();
  // What the kubelet and containerd mounted under the state folder.
  unmountUnder(PATHS.state);
  removeNetwork();
  for (const entry of existsSync(PATHS.state) ? readdirSync(PATHS.state) : []) {
    if (entry === 'nodes' && !purge) continue;
    rmSync(join(PATHS.state, entry), { recursive: true, force: true });
  }
  for (let i = 1; i <= MAX_NODES && !purge; i++) {
    const root = nodePaths(nodePlan(i)).root;
    for (const entry of existsSync(root) ? readdirSync(root) : []) if (entry !== 'containerd' && entry !== 'imported') rmSync(join(root, entry), { recursive: true, force: true });
    for (const entry of existsSync(join(root, 'containerd')) ? readdirSync(join(root, 'containerd')) : []) if (entry !== 'root') rmSync(join(root, 'containerd', entry), { recursive: true, force: true });
  }
  rmSync(PATHS.kubeconfig, { force: true });
  if (!quietly) say(stopped.length > 0 ? `down: stopped ${stopped.join(', ')}` : 'down: nothing was running');
}

if (require.main === module) {
  clusterDown(process.argv.includes('--purge')).then(
    () => process.exit(0),
    (error: Error) => {
      console.error(`cluster:down failed: ${error.message}`);
      process.exit(1);
    },
  );
}

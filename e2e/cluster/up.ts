/**
 * `npm run cluster:up`: builds what is missing (cached), then starts a real single-machine Kubernetes:
 * etcd, kube-apiserver, kube-controller-manager, kube-scheduler, for each node containerd + kubelet,
 * kube-proxy (iptables), CoreDNS, the `standard` StorageClass with local volumes. Leaves it running
 * for `kubectl --kubeconfig e2e/.work/kubeconfig`; `npm run cluster:down` stops it.
 *
 *   PGHA_E2E_NODES=1|2|3 (default 3: the members spread, and a node can be lost or drained)   PGHA_E2E_MAJORS=15,17,18 (default: all three)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { coreDnsManifest, storageClassManifest } from './addons';
import { ensureBuilt } from './artifacts';
import { kubeconfig, nodePaths } from './configs';
import { clusterDown } from './down';
import { startControlPlane } from './control-plane';
import { isRunning, start, waitReady } from './daemons';
import { hostAddress, missingOnHost, prepareKernel } from './host';
import { Kubectl } from './kubectl';
import { recycleLocalVolumes } from './local-volumes';
import { importImages, startContainerd, startKubelet } from './node';
import { NETWORK, nodePlan, PATHS, POSTGRES_IMAGES, STATE } from './plan';
import { clusterIdentities, Pki } from './pki';
import { kubeProxyConfig } from './configs';
import { say } from './progress';
import { until } from './wait';

export interface UpOptions {
  readonly nodes: number;
  readonly majors: readonly string[];
}

export function upOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): UpOptions {
  const nodes = Number(env.PGHA_E2E_NODES ?? '3');
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 3) throw new Error(`PGHA_E2E_NODES must be 1, 2 or 3, got ${env.PGHA_E2E_NODES}`);
  const majors = (env.PGHA_E2E_MAJORS ?? Object.keys(POSTGRES_IMAGES).join(',')).split(',').filter(Boolean);
  const unknown = majors.filter((m) => !(m in POSTGRES_IMAGES));
  if (unknown.length > 0) throw new Error(`PGHA_E2E_MAJORS may name ${Object.keys(POSTGRES_IMAGES).join(', ')}; got ${unknown.join(', ')}`);
  return { nodes, majors };
}

/** The control plane's daemons: a cluster missing one is started anew. */
const CONTROL_PLANE = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'];

/** Starts the cluster unless it is already up; returns kubectl for it. */
export async function clusterUp(options: UpOptions): Promise<Kubectl> {
  const missing = missingOnHost();
  if (missing.length > 0) throw new Error(`this machine lacks: ${missing.join('; ')}`);
  const built = await ensureBuilt(options.majors);
  const kubectl = new Kubectl(built.kubeBin);
  const nodes = Array.from({ length: options.nodes }, (_, i) => nodePlan(i + 1));
  if (CONTROL_PLANE.every(isRunning) && nodes.every((n) => isRunning(`kubelet-${n.name}`))) {
    // Images built since it started (a changed image script, another major) still reach every node.
    for (const node of nodes) await importImages(node, nodePaths(node), built.images, join(STATE.logs, `images-${node.name}.log`), say);
    // Another checkout may have started it: this one's kubeconfig is written anew every time, since one
    // left from an earlier cluster names a CA that no longer exists (state is wiped by cluster:down).
    const pki = new Pki(STATE.pki, join(STATE.logs, 'certificates.log'));
    mkdirSync(dirname(PATHS.kubeconfig), { recursive: true });
    writeFileSync(PATHS.kubeconfig, kubeconfig(pki, 'admin', `https://${hostAddress()}:${NETWORK.apiPort}`, 'kubernetes-admin'), { mode: 0o600 });
    say('the cluster is already up');
    return kubectl;
  }
  // Whatever an interrupted run left (mounts, network namespaces, rules, old etcd data) goes first.
  await clusterDown(false, true);
  prepareKernel();
  const address = hostAddress();
  const pki = new Pki(STATE.pki, join(STATE.logs, 'certificates.log'));
  say('certificates');
  await pki.ensureAuthority();
  for (const identity of clusterIdentities(address, nodes.map((n) => n.name))) await pki.ensure(identity);

  mkdirSync(STATE.config, { recursive: true });
  const server = `https://${address}:${NETWORK.apiPort}`;
  const write = (file: string, text: string) => { mkdirSync(dirname(file), { recursive: true }); writeFileSync(file, text, { mode: 0o600 }); return file; };
  const kubeconfigs = {
    controllerManager: write(join(STATE.config, 'controller-manager.kubeconfig'), kubeconfig(pki, 'controller-manager', server, 'system:kube-controller-manager')),
    scheduler: write(join(STATE.config, 'scheduler.kubeconfig'), kubeconfig(pki, 'scheduler', server, 'system:kube-scheduler')),
    proxy: write(join(STATE.config, 'kube-proxy.kubeconfig'), kubeconfig(pki, 'kube-proxy', server, 'system:kube-proxy')),
  };
  write(PATHS.kubeconfig, kubeconfig(pki, 'admin', server, 'kubernetes-admin'));

  await startControlPlane({ kubeBin: built.kubeBin, etcdBin: built.etcd, pki, hostAddress: address, kubeconfigs }, say);

  for (const node of nodes) {
    const paths = await startContainerd(node, say);
    await importImages(node, paths, built.images, join(STATE.logs, `images-${node.name}.log`), say);
    await startKubelet(node, paths, built.kubeBin, pki, address, say);
  }

  say('starting kube-proxy (iptables mode)');
  const proxyConfig = write(join(STATE.config, 'kube-proxy.yaml'), kubeProxyConfig(kubeconfigs.proxy, nodes[0].name));
  const proxy = { name: 'kube-proxy', argv: [join(built.kubeBin, 'kube-proxy'), `--config=${proxyConfig}`, '--v=1'] };
  start(proxy);
  await waitReady(proxy, 'healthy', async () => (await fetch('http://127.0.0.1:10256/healthz')).ok, 60_000);

  say(`waiting for ${nodes.length} node(s) to be Ready`);
  await until(async () => {
    const list = await kubectl.json<{ items: { status: { conditions: { type: string; status: string }[] } }[] }>(['get', 'nodes']);
    const ready = list.items.filter((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === nodes.length ? true : undefined;
  }, 120_000, () => `the nodes did not become Ready; see ${STATE.logs}/kubelet-*.log`);

  say('CoreDNS, the standard StorageClass and local volumes');
  await kubectl.apply(coreDnsManifest());
  await kubectl.apply(storageClassManifest());
  await recycleLocalVolumes(kubectl, nodes.map((n) => n.name));
  await kubectl.run(['-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=180s'], undefined, 200_000);

  say(`up: kubectl --kubeconfig ${PATHS.kubeconfig} get nodes  (logs: ${STATE.logs})`);
  return kubectl;
}

if (require.main === module) {
  clusterUp(upOptionsFromEnv()).then(
    () => process.exit(0),
    (error: Error) => {
      console.error(`\ncluster:up failed\n${error.message}`);
      process.exit(1);
    },
  );
}

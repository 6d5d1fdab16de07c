/**
 * The configuration files of the cluster's components, as text: kubeconfigs, containerd's config.toml,
 * the CNI network of a node, and the kubelet's and kube-proxy's configuration objects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETWORK, type NodePlan, STATE, VERSIONS } from './plan';
import type { Pki } from './pki';

const b64 = (file: string) => readFileSync(file).toString('base64');

/** A kubeconfig with the client certificate embedded, so the file alone is enough (e2e/.work/kubeconfig). */
export function kubeconfig(pki: Pki, identity: string, server: string, user: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'pgha-e2e', cluster: { server, 'certificate-authority-data': b64(pki.caCert) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(pki.cert(identity)), 'client-key-data': b64(pki.key(identity)) } }],
    contexts: [{ name: 'pgha-e2e', context: { cluster: 'pgha-e2e', user, namespace: 'default' } }],
    'current-context': 'pgha-e2e',
  }, null, 2);
}

export interface NodePaths {
  readonly root: string;
  readonly containerdSocket: string;
  readonly containerdConfig: string;
  readonly cniConfDir: string;
  readonly kubeletRoot: string;
  readonly kubeletConfig: string;
  readonly kubeconfig: string;
  readonly resolvConf: string;
}

export function nodePaths(node: NodePlan): NodePaths {
  const root = STATE.node(node.name);
  return {
    root,
    containerdSocket: join(root, 'containerd', 'containerd.sock'),
    containerdConfig: join(root, 'containerd.toml'),
    cniConfDir: join(root, 'cni'),
    kubeletRoot: join(root, 'kubelet'),
    kubeletConfig: join(root, 'kubelet.yaml'),
    kubeconfig: join(root, 'kubelet.kubeconfig'),
    resolvConf: join(root, 'resolv.conf'),
  };
}

/** containerd 1.6 (Debian's), one instance per node with its own root, state and socket. */
export function containerdConfig(paths: NodePaths): string {
  const c = join(paths.root, 'containerd');
  return `version = 2
root = "${c}/root"
state = "${c}/state"
[grpc]
  address = "${paths.containerdSocket}"
[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:${VERSIONS.pause}"
  # This machine's root lacks CAP_SYS_RESOURCE, so no process may lower its oom_score_adj below 0;
  # runc init would fail on the -998 of a sandbox (and -997 of a Guaranteed pod). Clamp to containerd's
  # own score (0), as rootless setups do: the OOM killer's preferences among pods are all that changes.
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${paths.cniConfDir}"
[plugins."io.containerd.internal.v1.opt"]
  path = "${c}/opt"
`;
}

/**
 * The node's pods on a bridge of its own with addresses from its /24; portmap for hostPort. No
 * masquerading: every node's bridge is on this machine, so the host routes between the /24s, and a
 * member must see the others' pod addresses (pg_stat_replication, pg_hba), not a bridge's.
 */
export function cniConfig(node: NodePlan): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'pgha-e2e',
    plugins: [
      {
        type: 'bridge',
        bridge: node.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: node.podSubnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(STATE.node(node.name), 'ipam') },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

export function kubeletConfig(node: NodePlan, paths: NodePaths, pki: Pki): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.caCert } },
    authorization: { mode: 'Webhook' },
    // The machine mounts the cgroup v1 hierarchies and runs no systemd.
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    cgroupRoot: node.cgroupRoot,
    clusterDNS: [NETWORK.dnsServiceAddress],
    clusterDomain: NETWORK.clusterDomain,
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    port: node.kubeletPort,
    healthzPort: node.kubeletHealthzPort,
    healthzBindAddress: '127.0.0.1',
    readOnlyPort: 0,
    tlsCertFile: pki.cert(`kubelet-${node.name}-serving`),
    tlsPrivateKeyFile: pki.key(`kubelet-${node.name}-serving`),
    resolvConf: paths.resolvConf,
    // Per node, not the machine's /var/log/pods: kubelets sharing the machine would rotate and collect
    // each other's container logs.
    podLogsDir: join(paths.root, 'pod-logs'),
    failSwapOn: false,
    // The images are imported, never pulled: keep them whatever the disk usage.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '200Mi', 'nodefs.available': '2%', 'imagefs.available': '2%' },
    // Kubelets share one machine: leave its sysctls alone.
    protectKernelDefaults: false,
    // How fast a changed ConfigMap reaches a pod's volume (the agent's bundle, the TLS reload).
    syncFrequency: '10s',
    nodeStatusUpdateFrequency: '4s',
    serializeImagePulls: false,
  }, null, 2);
}

export function kubeProxyConfig(kubeconfigFile: string, nodeName: string): string {
  return JSON.stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clusterCIDR: NETWORK.podCidr,
    hostnameOverride: nodeName,
    clientConnection: { kubeconfig: kubeconfigFile },
    // Leave the machine's conntrack table size alone (a shared VM: the sysctl may be read-only).
    conntrack: { maxPerCore: 0, min: 0 },
    metricsBindAddress: '127.0.0.1:10249',
    healthzBindAddress: '127.0.0.1:10256',
  }, null, 2);
}

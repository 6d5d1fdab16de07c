/**
 * STAND-IN for a volume provisioner (what sig-storage-local-static-provisioner does on a real cluster):
 * keeps a pool of `local` PersistentVolumes of StorageClass `standard` per node, each a folder under the
 * state folder, and recycles a Released one (its claim deleted) by wiping its folder and creating it
 * anew. No provisioner of Kubernetes' own can serve here: the in-tree hostPath provisioner makes
 * hostPath volumes, to which the kubelet applies no fsGroup, so uid 999 could not write its data. With
 * `local` volumes the real kubelet applies fsGroup as it does to any block-backed volume. How it differs
 * from a cloud disk: the capacity is a label (nothing stops a folder at its size), and nothing expands.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { STORAGE_CLASS } from './addons';
import type { Kubectl } from './kubectl';
import { STATE } from './plan';

const LABEL = 'cdk8s-postgres-ha.e2e/local-volume';
export const VOLUMES_PER_NODE = 8;
// Large enough for every claim the examples make (sync-postgres asks for 5Gi); nothing enforces it.
export const VOLUME_CAPACITY = '8Gi';

interface PersistentVolume {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { local?: { path: string } };
  status?: { phase?: string };
}

function volume(node: string, index: number): object {
  const name = `local-${node}-${String(index).padStart(2, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, labels: { [LABEL]: node } },
    spec: {
      capacity: { storage: VOLUME_CAPACITY },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: STORAGE_CLASS,
      volumeMode: 'Filesystem',
      local: { path: join(STATE.volumes, node, String(index).padStart(2, '0')) },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    },
  };
}

/**
 * Every node's pool complete and every Released volume wiped and offered again; returns how many were
 * recycled. A volume no claim holds (Available, or created here) is emptied too: its folder can keep the
 * data of a cluster whose API state is gone (the cluster's etcd started afresh over the same state folder),
 * and a member given that volume would adopt a stranger's data instead of bootstrapping.
 */
export async function recycleLocalVolumes(kubectl: Kubectl, nodes: readonly string[]): Promise<number> {
  const existing = (await kubectl.json<{ items: PersistentVolume[] }>(['get', 'pv', '-l', LABEL])).items;
  const released = existing.filter((pv) => pv.status?.phase === 'Released' || pv.status?.phase === 'Failed');
  if (released.length > 0) await kubectl.run(['delete', 'pv', ...released.map((pv) => pv.metadata.name), '--wait=true']);
  for (const pv of released) if (pv.spec.local) rmSync(pv.spec.local.path, { recursive: true, force: true });
  for (const pv of existing.filter((v) => v.status?.phase === 'Available' && v.spec.local)) emptyFolder(pv.spec.local!.path);
  const present = new Set(existing.filter((pv) => !released.includes(pv)).map((pv) => pv.metadata.name));
  const wanted = nodes.flatMap((node) => Array.from({ length: VOLUMES_PER_NODE }, (_, i) => volume(node, i + 1)));
  const missing = wanted.filter((pv: any) => !present.has(pv.metadata.name));
  for (const pv of missing as any[]) {
    // A folder without its PersistentVolume (deleted by hand, or by an interrupted run before the wipe)
    // holds a member's old data: offered as is, it would boot a new cluster on another's files.
    rmSync(pv.spec.local.path, { recursive: true, force: true });
    mkdirSync(pv.spec.local.path, { recursive: true, mode: 0o755 });
  }
  if (missing.length > 0) await kubectl.apply(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: missing }));
  return released.length;
}

/** Removes what a folder holds, keeping the folder (its owner and mode, which the kubelet set). */
function emptyFolder(path: string): void {
  if (!existsSync(path)) return;
  for (const entry of readdirSync(path)) rmSync(join(path, entry), { recursive: true, force: true });
}

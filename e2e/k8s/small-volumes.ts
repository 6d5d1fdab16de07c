/**
 * Data volumes that really fill up. The suite's stand-in volumes are host folders whose capacity is a
 * label (e2e/cluster/local-volumes.ts), so nothing ever runs out of space on them. A scenario about a
 * full volume gives each member its own small ext4 filesystem instead: a sparse image file under the
 * cluster's state folder, mounted through a loop device, offered as a `local` PersistentVolume pre-bound
 * (spec.claimRef) to the member's claim `data-<statefulset>-<ordinal>` before the chart is applied.
 * Filling one is done from the host, as another tenant of a shared disk would: a filler file takes every
 * free block, and removing it gives the room back. Never tmpfs: a filler there would be memory.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { STORAGE_CLASS } from '../cluster/addons';
import { STATE } from '../cluster/plan';
import type { KubeCluster } from './kube-cluster';

const ROOT = join(STATE.volumes, 'small');
const LABEL = 'cdk8s-postgres-ha.e2e/small-volume';
const FILLER = 'filler';

export class SmallVolumes {
  constructor(
    private readonly namespace: string,
    private readonly statefulSet: string,
    private readonly members: number,
    /** Each filesystem's size in MiB. */
    readonly sizeMib: number,
  ) {}

  private pv(ordinal: number): string {
    return `small-${this.statefulSet}-${ordinal}`;
  }

  /** Where a member's filesystem is mounted on the host. */
  mountPoint(pod: string): string {
    return join(ROOT, pod);
  }

  /** Creates, formats and mounts every member's filesystem, and offers each as a PersistentVolume bound to its claim. */
  async create(cluster: KubeCluster, nodes: readonly string[]): Promise<void> {
    await this.remove(cluster);
    mkdirSync(ROOT, { recursive: true });
    const items = [];
    for (let ordinal = 0; ordinal < this.members; ordinal++) {
      const pod = `${this.statefulSet}-${ordinal}`;
      const image = `${this.mountPoint(pod)}.img`;
      mkdirSync(this.mountPoint(pod), { recursive: true });
      // -m 0: no blocks reserved for root, so the filler and PostgreSQL meet the same end of the disk.
      await cluster.sh(`truncate -s ${this.sizeMib}M ${image} && mkfs.ext4 -q -m 0 ${image} && mount -o loop ${image} ${this.mountPoint(pod)}`);
      items.push({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: this.pv(ordinal), labels: { [LABEL]: this.statefulSet } },
        spec: {
          capacity: { storage: `${this.sizeMib}Mi` },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: STORAGE_CLASS,
          volumeMode: 'Filesystem',
          claimRef: { namespace: this.namespace, name: `data-${pod}` },
          local: { path: this.mountPoint(pod) },
          // Every node of the suite runs on this host, so each sees the mount.
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [...nodes] }] }] } },
        },
      });
    }
    await cluster.kubectl.apply(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }

  /** Takes every free block of a member's filesystem; returns the bytes the filler holds. */
  async fill(cluster: KubeCluster, pod: string): Promise<number> {
    const dir = this.mountPoint(pod);
    // fallocate takes the bulk at once (leaving room for its own extent blocks); dd then writes until ENOSPC.
    await cluster.sh(`free=$(df -B1 --output=avail ${dir} | tail -1); fallocate -l $((free - 4 * 1024 * 1024)) ${dir}/${FILLER}; dd if=/dev/zero of=${dir}/${FILLER}.tail bs=64k status=none 2>/dev/null; sync -f ${dir}; true`);
    return Number((await cluster.sh(`du -cb ${dir}/${FILLER} ${dir}/${FILLER}.tail | tail -1 | cut -f1`)).trim());
  }

  /** Bytes free on a member's filesystem, as `df` reports them. */
  async available(cluster: KubeCluster, pod: string): Promise<number> {
    return Number((await cluster.sh(`df -B1 --output=avail ${this.mountPoint(pod)} | tail -1`)).trim());
  }

  /** Removes the filler: the filesystem has its room back. */
  async free(cluster: KubeCluster, pod: string): Promise<void> {
    await cluster.sh(`rm -f ${this.mountPoint(pod)}/${FILLER} ${this.mountPoint(pod)}/${FILLER}.tail`);
  }

  /** The PersistentVolumes deleted, every filesystem unmounted and its image removed (whatever a failed run left). */
  async remove(cluster: KubeCluster): Promise<void> {
    await cluster.sh(`kubectl delete pv -l ${LABEL}=${this.statefulSet} --ignore-not-found --wait=true`);
    for (let ordinal = 0; ordinal < this.members; ordinal++) {
      const dir = this.mountPoint(`${this.statefulSet}-${ordinal}`);
      // The loop device was attached by mount -o loop, which detaches it on unmount.
      await cluster.sh(`if mountpoint -q ${dir}; then umount ${dir}; fi`);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      rmSync(`${dir}.img`, { force: true });
    }
  }
}

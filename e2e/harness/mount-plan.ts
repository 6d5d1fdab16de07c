/**
 * Which host folder appears at which path in a container: the rendered volumeMounts, resolved
 * against the folders the kubelet prepared for the pod's volumes.
 */
import { join } from 'node:path';
import type { Container } from './kube';

export interface Mount {
  /** The host folder (or file, with subPath). */
  readonly source: string;
  /** The rendered mountPath, unchanged. */
  readonly target: string;
  readonly readOnly: boolean;
}

/**
 * @param volumeDirs the host folder of each pod volume, by volume name
 * @returns the mounts in an order where none hides what a later one needs: parents before children (as
 *   container runtimes order them), so a mount at `/a/b` is not hidden by a later one at `/a`; and a
 *   mount whose target covers another's host folder after that one, so a checkout under /tmp still
 *   works when the pod mounts an emptyDir at /tmp.
 */
export function mountPlan(container: Container, volumeDirs: ReadonlyMap<string, string>): Mount[] {
  const mounts = (container.volumeMounts ?? []).map((m) => {
    const dir = volumeDirs.get(m.name);
    if (!dir) throw new Error(`container ${container.name} mounts volume "${m.name}", which the pod does not define`);
    if (m.subPathExpr) throw new Error(`container ${container.name}: subPathExpr is not implemented by the e2e harness`);
    return { source: m.subPath ? join(dir, m.subPath) : dir, target: m.mountPath, readOnly: m.readOnly === true };
  });
  return orderMounts(container.name, mounts);
}

/** A topological order of "must come before", shallowest target first among the free ones. */
function orderMounts(containerName: string, mounts: readonly Mount[]): Mount[] {
  // a before b: b is mounted inside a, or b would hide a's host folder.
  const mustPrecede = (a: Mount, b: Mount) => a !== b && ((b.target !== a.target && isUnder(b.target, a.target)) || isUnder(a.source, b.target));
  const left = [...mounts].sort((a, b) => depth(a.target) - depth(b.target));
  const ordered: Mount[] = [];
  while (left.length > 0) {
    const next = left.findIndex((m) => !left.some((other) => mustPrecede(other, m)));
    if (next < 0) {
      throw new Error(`container ${containerName}: the e2e harness cannot order the mounts at ${left.map((m) => m.target).join(', ')}: each hides a folder another one needs (move the work folder, e2e/.work, outside those paths)`);
    }
    ordered.push(...left.splice(next, 1));
  }
  return ordered;
}

/** `path` is `dir` or inside it. */
function isUnder(path: string, dir: string): boolean {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return path === dir || path.startsWith(prefix);
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}

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
 * @returns the mounts, parents before children (as container runtimes order them), so a mount at
 *   `/a/b` is not hidden by a later one at `/a`.
 */
export function mountPlan(container: Container, volumeDirs: ReadonlyMap<string, string>): Mount[] {
  const mounts = (container.volumeMounts ?? []).map((m) => {
    const dir = volumeDirs.get(m.name);
    if (!dir) throw new Error(`container ${container.name} mounts volume "${m.name}", which the pod does not define`);
    if (m.subPathExpr) throw new Error(`container ${container.name}: subPathExpr is not implemented by the e2e harness`);
    return { source: m.subPath ? join(dir, m.subPath) : dir, target: m.mountPath, readOnly: m.readOnly === true };
  });
  return mounts.sort((a, b) => depth(a.target) - depth(b.target));
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}

/**
 * The dynamic provisioner: a PersistentVolumeClaim is bound at once to a folder that looks like a
 * freshly formatted volume (owned by root, mode 0755, with lost+found) and lives until the claim is
 * deleted. The folder survives every pod that mounts it, as a PersistentVolume does.
 */
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkDirs } from './work-dirs';

export class ClaimProvisioner {
  constructor(private readonly dirs: WorkDirs) {}

  /** The bound folder, created on first use. */
  provision(namespace: string, claim: string): string {
    const dir = this.dirs.claim(namespace, claim);
    if (!existsSync(dir)) {
      mkdirSync(join(dir, 'lost+found'), { recursive: true });
      chmodSync(dir, 0o755);
      chmodSync(join(dir, 'lost+found'), 0o700);
    }
    return dir;
  }

  /** The reclaim policy of dynamically provisioned volumes is Delete: the data goes with the claim. */
  release(namespace: string, claim: string): void {
    rmSync(this.dirs.claim(namespace, claim), { recursive: true, force: true });
  }
}

/**
 * Whether kube-controller-manager leads, read from its leader Lease (kube-system/kube-controller-manager).
 * It loses that Lease when it cannot renew it for its renew deadline (10 s): when the API server is
 * frozen (`api-frozen` freezes it for 20 s) or, on these 2 cores, starved by load. It then exits, its
 * restart loop (e2e/cluster) starts a new one, which waits for the old Lease to expire (15 s) and starts
 * its controllers about a second after it acquires it. Until then nothing updates EndpointSlices or
 * re-creates pods: a fault injected meanwhile measures the cluster's recovery, not the product's (a
 * switchover right after a frozen API had write gaps of 7.4 and 15.5 s, against 1.3–1.9 s otherwise).
 * A real control plane does the same after such an outage; the chaos run waits for it between faults
 * and says so.
 */
import type { KubeCluster } from '../../e2e/k8s/kube-cluster';

export interface LeaseJson {
  spec?: { holderIdentity?: string; acquireTime?: string; renewTime?: string };
}

/** kube-controller-manager renews every 2 s (its retry period); older than this, its holder is gone. */
const RENEWED_WITHIN_MS = 5000;
/** From acquiring the Lease to its EndpointSlice controller running: 1.3 s measured here; with margin. */
const CONTROLLERS_START_MS = 3000;

export type ControllerManagerState = 'leading' | 'starting its controllers' | 'without a leader';

export function controllerManagerState(lease: LeaseJson, now: number): ControllerManagerState {
  const renewed = Date.parse(lease.spec?.renewTime ?? '');
  const acquired = Date.parse(lease.spec?.acquireTime ?? '');
  if (Number.isNaN(renewed) || now - renewed > RENEWED_WITHIN_MS) return 'without a leader';
  if (Number.isNaN(acquired) || now - acquired < CONTROLLERS_START_MS) return 'starting its controllers';
  return 'leading';
}

export async function readControllerManagerState(cluster: KubeCluster): Promise<ControllerManagerState> {
  const lease = await cluster.kubectl.json<LeaseJson>(['get', 'lease', '-n', 'kube-system', 'kube-controller-manager']);
  return controllerManagerState(lease, Date.now());
}

/**
 * The member's own PersistentVolumeClaim (`data-<pod>`, from the StatefulSet's claim template): read,
 * and its storage request raised for volume growth. The Role grants `get, patch` on the members' claims
 * by name; whether the volume may grow is the API server's to say (its admission refuses claims whose
 * StorageClass does not allow expansion), so the agent needs no access to StorageClasses.
 */
import type { ClaimView } from '../core/volume';
import { parseQuantity } from '../core/volume';
import type { KubeClient } from './client';

interface ClaimObject {
  spec?: { resources?: { requests?: { storage?: string } } };
  status?: { capacity?: { storage?: string }; conditions?: Array<{ type: string; status: string }> };
}

export class Claims {
  private readonly collection: string;

  constructor(private readonly client: KubeClient, namespace: string) {
    this.collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims`;
  }

  async get(name: string): Promise<ClaimView> {
    const claim = await this.client.request<ClaimObject>('GET', `${this.collection}/${encodeURIComponent(name)}`);
    const capacity = claim.status?.capacity?.storage;
    return {
      requestedBytes: parseQuantity(claim.spec?.resources?.requests?.storage ?? '0') ?? 0n,
      capacityBytes: capacity === undefined ? null : parseQuantity(capacity),
      conditions: (claim.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type),
    };
  }

  /** Raises the storage request; the API server's refusal (KubeApiError) says why it cannot grow. */
  async resize(name: string, storage: string): Promise<void> {
    await this.client.request('PATCH', `${this.collection}/${encodeURIComponent(name)}`, { spec: { resources: { requests: { storage } } } }, 'application/merge-patch+json');
  }
}

/** The cluster's pods as the agent needs them: membership, readiness, roles, and relabelling. */
import { KubeApiError, KubeClient } from './client';

export interface PodInfo {
  name: string;
  uid: string;
  labels: Record<string, string>;
  /** The pod's Ready condition is True. */
  ready: boolean;
  podIP: string | null;
  /** Deletion has begun (deletionTimestamp set): the pod is terminating. */
  deleting: boolean;
  /** The StatefulSet revision the pod runs (controller-revision-hash label). */
  revision: string | null;
}

/** A pod that is gone already counts as evicted; a refusal (PodDisruptionBudget: 429) says why. */
export type EvictionOutcome = { readonly evicted: true } | { readonly evicted: false; readonly reason: string };

interface PodObject {
  metadata: {
    name: string;
    uid?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
  };
  status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

export class Pods {
  private readonly collection: string;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {
    this.collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  }

  async list(labelSelector: string): Promise<PodInfo[]> {
    const list = await this.client.request<{ items: PodObject[] }>(
      'GET',
      `${this.collection}?labelSelector=${encodeURIComponent(labelSelector)}`,
    );
    return list.items.map(toPodInfo);
  }

  /** null when there is no such pod. */
  async get(name: string): Promise<PodInfo | null> {
    try {
      return toPodInfo(await this.client.request<PodObject>('GET', this.podPath(name)));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** Sets labels, and removes those given as null. A pod that is gone has no label left to fix. */
  async patchLabels(name: string, labels: Record<string, string | null>): Promise<void> {
    try {
      await this.client.request('PATCH', this.podPath(name), { metadata: { labels } }, 'application/merge-patch+json');
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return;
      throw error;
    }
  }

  /**
   * Asks the API server to evict a pod (policy/v1 Eviction): a graceful deletion that the
   * PodDisruptionBudget may refuse (429) while another member is unavailable, unlike a bare DELETE.
   */
  async evict(name: string): Promise<EvictionOutcome> {
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: this.namespace } };
    try {
      await this.client.request('POST', `${this.podPath(name)}/eviction`, eviction);
      return { evicted: true };
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return { evicted: true };
      if (error instanceof KubeApiError) return { evicted: false, reason: error.message };
      throw error;
    }
  }

  private podPath(name: string): string {
    return `${this.collection}/${encodeURIComponent(name)}`;
  }
}

function toPodInfo(pod: PodObject): PodInfo {
  const labels = pod.metadata.labels ?? {};
  return {
    name: pod.metadata.name,
    uid: pod.metadata.uid ?? '',
    labels: { ...labels },
    ready: (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    podIP: pod.status?.podIP || null,
    deleting: pod.metadata.deletionTimestamp !== undefined,
    revision: labels['controller-revision-hash'] ?? null,
  };
}

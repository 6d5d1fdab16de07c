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
    namespace: string,
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

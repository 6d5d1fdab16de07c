/**
 * The cluster's StatefulSet, read (never written: it is the user's rendered object) by the primary's
 * agent for the rolling update: which revision the pods should run. The Role grants `get` on this one
 * StatefulSet by name.
 */
import type { KubeClient } from './client';

export interface StatefulSetRevisions {
  /** The revision the StatefulSet controller creates pods from (`status.updateRevision`); null before it set one. */
  readonly updateRevision: string | null;
  /** `spec.replicas`: how many members the StatefulSet keeps now (a `kubectl scale` shows here first). */
  readonly replicas: number;
  /** `spec.updateStrategy.type` (`RollingUpdate` when unset, as the API server defaults it). */
  readonly updateStrategy: string;
}

export class StatefulSets {
  private readonly path: string;

  constructor(private readonly client: KubeClient, namespace: string, name: string) {
    this.path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/statefulsets/${encodeURIComponent(name)}`;
  }

  async revisions(): Promise<StatefulSetRevisions> {
    const set = await this.client.request<{ spec?: { replicas?: number; updateStrategy?: { type?: string } }; status?: { updateRevision?: string } }>('GET', this.path);
    return { updateRevision: set.status?.updateRevision || null, replicas: set.spec?.replicas ?? 1, updateStrategy: set.spec?.updateStrategy?.type ?? 'RollingUpdate' };
  }
}

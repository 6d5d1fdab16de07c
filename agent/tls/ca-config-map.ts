// ConfigMap `<name>-ca-cert`: the CA certificate clients verify the servers with, published by the agents
// (its content exists only at run time). A ConfigMap, like Kubernetes' own kube-root-ca.crt: the
// certificate is public, and applications mount it without any access to the CA's key or other Secrets.
import { KubeApiError, type KubeClient } from '../kube/client';

export const CA_CERT_KEY = 'ca.crt';

interface ConfigMap {
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

export class CaConfigMap {
  private readonly collection: string;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    readonly name: string,
    private readonly labels: Record<string, string>,
  ) {
    this.collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
  }

  /** Makes the ConfigMap hold `pem`. Members publish at once: a write that loses the race (409) looks again, once. */
  async publish(pem: string): Promise<'unchanged' | 'created' | 'updated'> {
    try {
      return await this.publishOnce(pem);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      return this.publishOnce(pem);
    }
  }

  private async publishOnce(pem: string): Promise<'unchanged' | 'created' | 'updated'> {
    const current = await this.get();
    if (current?.data?.[CA_CERT_KEY] === pem) return 'unchanged';
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels, ...(current ? { resourceVersion: current.metadata.resourceVersion } : {}) },
      data: { [CA_CERT_KEY]: pem },
    };
    if (current) {
      await this.client.request('PUT', `${this.collection}/${encodeURIComponent(this.name)}`, body);
      return 'updated';
    }
    await this.client.request('POST', this.collection, body);
    return 'created';
  }

  private async get(): Promise<ConfigMap | null> {
    try {
      return await this.client.request<ConfigMap>('GET', `${this.collection}/${encodeURIComponent(this.name)}`);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return null;
      throw error;
    }
  }
}

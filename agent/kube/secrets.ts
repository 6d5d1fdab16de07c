/** The cluster's credentials Secret: read by every member, created once by the bootstrapping one. */
import { KubeApiError, KubeClient } from './client';

export class Secrets {
  private readonly collection: string;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {
    this.collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  }

  /** The Secret's data, decoded; null when there is no such Secret. */
  async get(name: string): Promise<Record<string, string> | null> {
    try {
      const secret = await this.client.request<{ data?: Record<string, string> }>(
        'GET',
        `${this.collection}/${encodeURIComponent(name)}`,
      );
      return Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * Creates an Opaque Secret unless one of that name exists. The values travel base64-encoded in `data`,
   * the form the API stores and returns, so what we send is what every reader gets back.
   */
  async create(
    name: string,
    data: Record<string, string>,
    labels: Record<string, string>,
  ): Promise<'created' | 'exists'> {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: this.namespace, labels },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, base64(value)])),
    };
    try {
      await this.client.request('POST', this.collection, secret);
      return 'created';
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return 'exists';
      throw error;
    }
  }
}

function base64(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

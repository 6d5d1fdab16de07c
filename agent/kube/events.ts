/**
 * Kubernetes Events about pods (core/v1, what `kubectl get events` and `kubectl describe pod` show), so a
 * promotion or a failover tells its story where operators look. Best effort: an Event that cannot be
 * written must never hold up or fail the decision that caused it.
 */
import { randomInt } from 'node:crypto';
import { KubeClient } from './client';

/** The API server refuses longer messages. */
const MAX_MESSAGE_LENGTH = 1024;

export class EventRecorder {
  /** Disambiguates Events named in the same millisecond; random start so two agents do not collide. */
  private sequence = randomInt(1_000_000);
  private readonly collection: string;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly component: string,
  ) {
    this.collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
  }

  /** true when the Event was written; false when it was not (never throws). */
  async record(
    pod: { name: string; uid?: string },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<boolean> {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: this.uniqueName(pod.name), namespace: this.namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: pod.name,
        namespace: this.namespace,
        ...(pod.uid ? { uid: pod.uid } : {}),
      },
      type,
      reason,
      message: message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : message,
      source: { component: this.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.client.request('POST', this.collection, event);
      return true;
    } catch {
      return false;
    }
  }

  /** `<pod>.<hex>` like client-go's recorder, whose hex is the time in nanoseconds. */
  private uniqueName(podName: string): string {
    this.sequence = (this.sequence + 1) % 1_000_000;
    const stamp = BigInt(Date.now()) * 1_000_000n + BigInt(this.sequence);
    return `${podName}.${stamp.toString(16)}`;
  }
}

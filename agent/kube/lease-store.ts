/**
 * The election Lease (coordination.k8s.io/v1). Every write is conditional: create fails if the Lease
 * exists, update fails unless the base resourceVersion is still current. A write whose outcome is unknown
 * (409, lost answer, server error) is settled by reading the Lease back: if it shows our holder and our
 * renewTime, the write landed. A write that timed out is not settled (counted as not landed). renewTime is only ever compared for equality, never against a
 * clock: the agent judges a holder's silence on its own clock.
 */
import { ApiUnreachableError, KubeApiError, KubeClient } from './client';

export interface Lease {
  resourceVersion: string;
  /**
   * Tells one Lease object from another of the same name. The API server creates a Lease that an
   * update (PUT) finds missing, so a renewal that lands just after `kubectl delete lease` brings the
   * Lease back under a new uid.
   */
  uid: string;
  holder: string | null;
  leaseDurationSeconds: number;
  acquireTime: string | null;
  renewTime: string | null;
  transitions: number;
  annotations: Record<string, string>;
}

export type LeaseWrite = Omit<Lease, 'resourceVersion' | 'uid'>;

export type WriteOutcome =
  | { ok: true; lease: Lease }
  | { ok: false; reason: 'conflict' | 'unreachable'; current: Lease | null };

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits, in UTC. */
export function microTime(date: Date): string {
  // A Date holds milliseconds; the server stores what we send, so pad rather than invent microseconds.
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface LeaseObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export class LeaseStore {
  private readonly collection: string;
  private readonly path: string;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
    this.path = `${this.collection}/${encodeURIComponent(name)}`;
  }

  /** null when there is no Lease yet. */
  async get(): Promise<Lease | null> {
    try {
      return fromObject(await this.client.request<LeaseObject>('GET', this.path));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return null;
      throw error;
    }
  }

  async create(write: LeaseWrite): Promise<WriteOutcome> {
    try {
      const created = await this.client.request<LeaseObject>('POST', this.collection, this.toObject(write));
      return { ok: true, lease: fromObject(created) };
    } catch (error) {
      return this.settleFailedWrite(write, error);
    }
  }

  /** Replaces the Lease (annotations included) if it is still at `base.resourceVersion`. */
  async update(base: Lease, write: LeaseWrite): Promise<WriteOutcome> {
    try {
      const object = this.toObject(write, base.resourceVersion);
      const updated = await this.client.request<LeaseObject>('PUT', this.path, object);
      return { ok: true, lease: fromObject(updated) };
    } catch (error) {
      return this.settleFailedWrite(write, error);
    }
  }

  private async settleFailedWrite(write: LeaseWrite, error: unknown): Promise<WriteOutcome> {
    const reason = settleableReason(error);
    if (!reason) throw error;
    // A server that did not answer the write within the timeout will not answer the read either, and a
    // second timeout would spend the renew deadline the failsafe round needs: not settled, so not renewed.
    if (error instanceof ApiUnreachableError && error.timedOut) return { ok: false, reason, current: null };
    let current: Lease | null;
    try {
      current = await this.get();
    } catch (readError) {
      if (!settleableReason(readError)) throw readError;
      return { ok: false, reason, current: null };
    }
    // Only our write carries our holder with our renewTime: it landed, only its answer was lost.
    if (current && current.holder === write.holder && current.renewTime === write.renewTime) {
      return { ok: true, lease: current };
    }
    return { ok: false, reason, current };
  }

  private toObject(write: LeaseWrite, resourceVersion?: string): LeaseObject {
    const hasAnnotations = Object.keys(write.annotations).length > 0;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...(resourceVersion ? { resourceVersion } : {}),
        ...(hasAnnotations ? { annotations: { ...write.annotations } } : {}),
      },
      spec: {
        ...(write.holder !== null ? { holderIdentity: write.holder } : {}),
        leaseDurationSeconds: write.leaseDurationSeconds,
        ...(write.acquireTime !== null ? { acquireTime: write.acquireTime } : {}),
        ...(write.renewTime !== null ? { renewTime: write.renewTime } : {}),
        leaseTransitions: write.transitions,
      },
    };
  }
}

/**
 * Why a write failed, for the failures that reading the Lease can settle: 409 means someone else wrote
 * first; no answer, a server error (the write may still have gone through, e.g. a 504 from an etcd
 * timeout) or throttling mean the API was not usable. Any other answer (403, 422...) is a bug or a
 * misconfiguration, and undefined here so that it is thrown.
 */
function settleableReason(error: unknown): 'conflict' | 'unreachable' | undefined {
  if (error instanceof ApiUnreachableError) return 'unreachable';
  if (!(error instanceof KubeApiError)) return undefined;
  if (error.status === 409) return 'conflict';
  if (error.status >= 500 || error.status === 429) return 'unreachable';
  return undefined;
}

function fromObject(object: LeaseObject): Lease {
  const spec = object.spec ?? {};
  return {
    resourceVersion: object.metadata.resourceVersion ?? '',
    uid: object.metadata.uid ?? '',
    // An empty holderIdentity means "released" to every leader-election client.
    holder: spec.holderIdentity || null,
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: spec.acquireTime ?? null,
    renewTime: spec.renewTime ?? null,
    transitions: spec.leaseTransitions ?? 0,
    annotations: { ...(object.metadata.annotations ?? {}) },
  };
}

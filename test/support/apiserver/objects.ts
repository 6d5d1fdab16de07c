/** The shape of what the test double stores: any Kubernetes object, typed only as far as the server needs. */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Names a kind the way manifests do. Any object is one, so `store.get(pod, ...)` works too. */
export interface TypeRef {
  readonly apiVersion: string;
  readonly kind: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** The object as written (for DELETED: as it was, with the resourceVersion of its deletion). Do not mutate. */
  readonly object: KubeObject;
}

/** RFC 3339 with whole seconds, as Kubernetes renders metav1.Time. */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A deep copy through JSON: stored objects are exactly what would cross the wire (undefined fields
 * vanish), and the copy belongs to the caller's realm, so `isDeepStrictEqual` compares it by value even
 * under jest's sandbox (structuredClone's objects carry another realm's prototypes).
 */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

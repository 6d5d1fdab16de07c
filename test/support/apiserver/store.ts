/**
 * The object store behind the REST API, also used in-process by tests to set up and inspect state.
 * It keeps Kubernetes' write semantics: one global resourceVersion counter bumped by every write,
 * optimistic concurrency on resourceVersion, create-on-update and unconditional update per type,
 * status subresource rules, graceful pod deletion, no-op updates that write nothing, and watch events
 * delivered synchronously and in order after each write. Objects go in and out as deep copies.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { gracePeriodSeconds } from './deletion';
import { FieldSelector, FieldSelectorError } from './field-selector';
import { LabelSelector, LabelSelectorError } from './label-selector';
import { jsonCopy, KubeObject, kubeTime, TypeRef, WatchEvent, WatchEventType } from './objects';
import { applyPatch, PatchType } from './patch';
import { ResourceType, typeOf } from './resources';
import { normalizeSecret } from './secret-data';
import {
  alreadyExists,
  badRequest,
  conflict,
  internalError,
  invalid,
  notFound,
  OPTIMISTIC_LOCK_MESSAGE,
} from './status';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ObjectList {
  /** The store's resourceVersion when the list was taken. */
  resourceVersion: string;
  items: KubeObject[];
}

export interface WriteOptions {
  /** 'status' writes through the status subresource: only the object's status changes. */
  subresource?: 'status';
}

export interface DeleteOptions {
  /** 0 removes a pod at once (what the kubelet does when its containers are gone). */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type WatchListener = (event: WatchEvent) => void;

const GENERATED_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SYSTEM_FIELDS = [
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'resourceVersion',
] as const;

export class ObjectStore {
  /** type key → `namespace/name` → object */
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private revision = 0;
  private readonly listeners = new Set<WatchListener>();
  private readonly undelivered: WatchEvent[] = [];
  private delivering = false;

  /** The resourceVersion of the latest write. */
  get resourceVersion(): string {
    return String(this.revision);
  }

  get(type: TypeRef, namespace: string, name: string): KubeObject | undefined {
    const stored = this.bucket(type).get(objectKey(typeOf(type), namespace, name));
    return stored && jsonCopy(stored);
  }

  /** Objects sorted by namespace and name, as etcd returns them. An empty namespace lists all of them. */
  list(type: TypeRef, namespace: string, options: ListOptions = {}): ObjectList {
    const resourceType = typeOf(type);
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, resourceType);
    const items = [...this.bucket(type).entries()]
      .filter(([, o]) => !resourceType.namespaced || namespace === '' || o.metadata.namespace === namespace)
      .filter(([, o]) => labels.matches(o.metadata.labels) && fields.matches(o))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => jsonCopy(o));
    return { resourceVersion: this.resourceVersion, items };
  }

  create(object: KubeObject): KubeObject {
    const type = typeOf(object);
    const created = normalize(type, scopedCopy(type, object));
    const meta = created.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    if (!meta.name) throw invalid(type, '', 'metadata.name: Required value: name or generateName is required');
    const namespace = namespaceOf(type, created);
    if (meta.resourceVersion) throw internalError('resourceVersion should not be set on objects to be created');
    const existing = this.bucket(type).get(objectKey(type, namespace, meta.name));
    if (existing) throw alreadyExists(type, meta.name, existing.metadata.deletionTimestamp !== undefined);

    meta.uid = randomUUID();
    meta.creationTimestamp = kubeTime(new Date());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (type.statusSubresource) created.status = jsonCopy(type.statusSubresource.onCreate);
    return this.store(type, created, 'ADDED');
  }

  /**
   * PUT: conditional when the object carries metadata.resourceVersion. A missing object is created when
   * the type allows it (Leases, Services, Events, RBAC) and is otherwise NotFound.
   */
  update(object: KubeObject, options: WriteOptions = {}): KubeObject {
    const type = typeOf(object);
    const name = object.metadata.name ?? '';
    const existing = this.bucket(type).get(objectKey(type, namespaceOf(type, object), name));
    if (!existing) {
      if (!type.createOnUpdate || options.subresource) throw notFound(type, name);
      const { resourceVersion: _ignored, ...metadata } = object.metadata;
      return this.create({ ...object, metadata });
    }
    checkPreconditions(type, existing, object.metadata.uid, undefined);
    const requested = object.metadata.resourceVersion;
    if (requested === undefined || requested === '') {
      if (!type.unconditionalUpdate) {
        throw invalid(type, name, 'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
      }
    } else if (requested !== existing.metadata.resourceVersion) {
      throw conflict(type, name, OPTIMISTIC_LOCK_MESSAGE);
    }

    const updated =
      options.subresource === 'status'
        ? withStatus(jsonCopy(existing), object.status)
        : normalize(type, withStoredStatus(type, scopedCopy(type, object), existing));
    keepSystemFields(updated, existing);
    if (isDeepStrictEqual(updated, existing)) return jsonCopy(existing);
    return this.store(type, updated, 'MODIFIED');
  }

  /** PATCH: applied to the stored object, then written as an update; conditional if it sets resourceVersion. */
  patch(
    type: TypeRef,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const resourceType = typeOf(type);
    const existing = this.get(type, namespace, name);
    if (!existing) throw notFound(resourceType, name);
    const patched = applyPatch(existing, patchType, patch);
    if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) {
      throw badRequest('the patch did not produce an object');
    }
    const object = { ...patched, apiVersion: resourceType.apiVersion, kind: resourceType.kind } as KubeObject;
    checkIdentity(resourceType, object, namespace, name);
    return this.update(object, options);
  }

  /**
   * DELETE: removes the object, except a pod with a grace period, which gets deletionTimestamp and
   * deletionGracePeriodSeconds and stays until deleted again with grace 0 (the kubelet's part). A second
   * graceful delete may only shorten the grace period. Returns the object as it now is or was last.
   */
  delete(type: TypeRef, namespace: string, name: string, options: DeleteOptions = {}): KubeObject {
    const resourceType = typeOf(type);
    const key = objectKey(resourceType, namespace, name);
    const existing = this.bucket(type).get(key);
    if (!existing) throw notFound(resourceType, name);
    checkPreconditions(resourceType, existing, options.preconditions?.uid, options.preconditions?.resourceVersion);

    const grace = gracePeriodSeconds(resourceType, existing, options.gracePeriodSeconds);
    if (grace > 0) {
      const current = existing.metadata.deletionGracePeriodSeconds;
      if (current !== undefined && current <= grace) return jsonCopy(existing);
      const marked = jsonCopy(existing);
      marked.metadata.deletionTimestamp = kubeTime(new Date(Date.now() + grace * 1000));
      marked.metadata.deletionGracePeriodSeconds = grace;
      return this.store(resourceType, marked, 'MODIFIED');
    }

    this.bucket(type).delete(key);
    const removed = jsonCopy(existing);
    removed.metadata.resourceVersion = this.nextResourceVersion();
    this.emit('DELETED', removed);
    return jsonCopy(removed);
  }

  /** Calls the listener after every write, in write order, until the returned function is called. */
  watch(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private store(type: ResourceType, object: KubeObject, event: WatchEventType): KubeObject {
    object.metadata.resourceVersion = this.nextResourceVersion();
    this.bucket(type).set(objectKey(type, object.metadata.namespace ?? '', object.metadata.name ?? ''), object);
    this.emit(event, jsonCopy(object));
    return jsonCopy(object);
  }

  private nextResourceVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }

  /**
   * A listener that writes (the kubelet answering a deletion) must not make others see its write before
   * the one that triggered it: events queue up and drain in order.
   */
  private emit(type: WatchEventType, object: KubeObject): void {
    this.undelivered.push({ type, object });
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let event = this.undelivered.shift(); event; event = this.undelivered.shift()) {
        for (const listener of [...this.listeners]) deliver(listener, event);
      }
    } finally {
      this.delivering = false;
    }
  }

  private bucket(type: TypeRef): Map<string, KubeObject> {
    const key = `${type.apiVersion}/${type.kind}`;
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    return bucket;
  }
}

/** A listener's bug must not fail the write that triggered it, nor starve the other listeners. */
function deliver(listener: WatchListener, event: WatchEvent): void {
  try {
    listener(event);
  } catch (error) {
    const { kind, metadata } = event.object;
    console.error(`apiserver: a watch listener failed on ${event.type} ${kind} ${metadata.name}:`, error);
  }
}

function objectKey(type: ResourceType, namespace: string, name: string): string {
  return `${type.namespaced ? namespace : ''}/${name}`;
}

function namespaceOf(type: ResourceType, object: KubeObject): string {
  if (!type.namespaced) return '';
  if (!object.metadata.namespace) throw badRequest(`a ${object.kind} needs metadata.namespace`);
  return object.metadata.namespace;
}

/** A copy of what a client sent, without the namespace a cluster-scoped object cannot have. */
function scopedCopy(type: ResourceType, object: KubeObject): KubeObject {
  const copy = jsonCopy(object);
  if (!type.namespaced) delete copy.metadata.namespace;
  return copy;
}

function checkIdentity(type: ResourceType, object: KubeObject, namespace: string, name: string): void {
  if (object.metadata.name !== name) {
    throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
  }
  if (type.namespaced && object.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

function checkPreconditions(
  type: ResourceType,
  existing: KubeObject,
  uid: string | undefined,
  resourceVersion: string | undefined,
): void {
  const { name = '', uid: storedUid, resourceVersion: storedVersion } = existing.metadata;
  if (uid && uid !== storedUid) {
    throw conflict(type, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${storedUid}`);
  }
  if (resourceVersion && resourceVersion !== storedVersion) {
    const why = `ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${storedVersion}`;
    throw conflict(type, name, `Precondition failed: ${why}`);
  }
}

/** Writes to an object with a status subresource cannot change its status. */
function withStoredStatus(type: ResourceType, object: KubeObject, existing: KubeObject): KubeObject {
  return type.statusSubresource ? withStatus(object, existing.status) : object;
}

function withStatus(object: KubeObject, status: unknown): KubeObject {
  const { status: _replaced, ...rest } = object;
  return status === undefined ? rest : { ...rest, status: jsonCopy(status) };
}

/** Fields only the server sets: an update keeps the stored ones whatever the client sent. */
function keepSystemFields(updated: KubeObject, existing: KubeObject): void {
  const meta: Record<string, unknown> = updated.metadata;
  for (const field of SYSTEM_FIELDS) {
    if (existing.metadata[field] === undefined) delete meta[field];
    else meta[field] = existing.metadata[field];
  }
}

function normalize(type: ResourceType, object: KubeObject): KubeObject {
  return type.apiVersion === 'v1' && type.kind === 'Secret' ? normalizeSecret(object) : object;
}

function parseLabelSelector(text: string | undefined): LabelSelector {
  try {
    return LabelSelector.parse(text ?? '');
  } catch (error) {
    if (error instanceof LabelSelectorError) throw badRequest(error.message);
    throw error;
  }
}

function parseFieldSelector(text: string | undefined, type: ResourceType): FieldSelector {
  try {
    return FieldSelector.parse(text ?? '', ['metadata.name', 'metadata.namespace', ...type.fieldLabels]);
  } catch (error) {
    if (error instanceof FieldSelectorError) throw badRequest(error.message);
    throw error;
  }
}

function randomSuffix(): string {
  return [...randomBytes(5)].map((byte) => GENERATED_NAME_ALPHABET[byte % GENERATED_NAME_ALPHABET.length]).join('');
}

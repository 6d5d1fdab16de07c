/**
 * Typed reads of the API stand-in's in-process store, for the harness's controllers. The store keeps
 * plain objects; these helpers give them the published Kubernetes types.
 */
import type { TypeRef } from '../apiserver/objects';
import type { ObjectStore } from '../apiserver/store';

export const POD: TypeRef = { apiVersion: 'v1', kind: 'Pod' };
export const SERVICE: TypeRef = { apiVersion: 'v1', kind: 'Service' };
export const CONFIG_MAP: TypeRef = { apiVersion: 'v1', kind: 'ConfigMap' };
export const SECRET: TypeRef = { apiVersion: 'v1', kind: 'Secret' };
export const SERVICE_ACCOUNT: TypeRef = { apiVersion: 'v1', kind: 'ServiceAccount' };
export const PERSISTENT_VOLUME_CLAIM: TypeRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
export const STATEFUL_SET: TypeRef = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

/** Every object of a type, in every namespace unless one is given. */
export function listObjects<T>(store: ObjectStore, type: TypeRef, namespace = ''): T[] {
  return store.list(type, namespace).items as unknown as T[];
}

export function getObject<T>(store: ObjectStore, type: TypeRef, namespace: string, name: string): T | undefined {
  return store.get(type, namespace, name) as unknown as T | undefined;
}

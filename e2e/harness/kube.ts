/**
 * The Kubernetes object shapes the harness reads and writes: type-only imports of the published
 * OpenAPI models, so the stand-ins are checked against the real field names.
 */
export type { IConfigMap as ConfigMap } from 'kubernetes-models/v1/ConfigMap';
export type { IContainer as Container } from 'kubernetes-models/v1/Container';
export type { IContainerStatus as ContainerStatus } from 'kubernetes-models/v1/ContainerStatus';
export type { IPersistentVolumeClaim as PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
export type { IPod as Pod } from 'kubernetes-models/v1/Pod';
export type { IPodSpec as PodSpec } from 'kubernetes-models/v1/PodSpec';
export type { IPodStatus as PodStatus } from 'kubernetes-models/v1/PodStatus';
export type { IProbe as Probe } from 'kubernetes-models/v1/Probe';
export type { ISecret as Secret } from 'kubernetes-models/v1/Secret';
export type { IService as Service } from 'kubernetes-models/v1/Service';
export type { IServiceAccount as ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
export type { IVolume as Volume } from 'kubernetes-models/v1/Volume';
export type { IStatefulSet as StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
export type { KubeObject, WatchEvent } from '../apiserver/objects';


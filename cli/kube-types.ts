// The parts of the Kubernetes objects the CLI reads, as `kubectl get -o json` prints them. Only what is
// read is typed; everything else in kubectl's output is ignored.

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
  readonly resourceVersion?: string;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
}

export interface Container {
  readonly name: string;
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
}

export interface StatefulSetJson {
  readonly metadata: ObjectMeta;
  readonly spec: { readonly replicas?: number; readonly template: { readonly spec: { readonly containers: readonly Container[] } } };
}

export interface PodJson {
  readonly metadata: ObjectMeta;
  readonly spec: { readonly nodeName?: string; readonly containers: readonly Container[] };
  readonly status: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly message?: string }[];
    readonly containerStatuses?: readonly { readonly name: string; readonly ready: boolean; readonly restartCount: number }[];
  };
}

export interface LeaseJson {
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly holderIdentity?: string;
    readonly leaseDurationSeconds?: number;
    readonly acquireTime?: string;
    readonly renewTime?: string;
    readonly leaseTransitions?: number;
  };
}

export interface EventJson {
  readonly metadata: ObjectMeta;
  readonly involvedObject: { readonly kind?: string; readonly name?: string };
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly firstTimestamp?: string | null;
  readonly lastTimestamp?: string | null;
  readonly eventTime?: string | null;
  readonly count?: number;
}

export interface ListJson<T> {
  readonly items: readonly T[];
}

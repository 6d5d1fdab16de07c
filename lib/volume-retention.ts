/**
 * What Kubernetes does with a member's PersistentVolumeClaim (its data).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention
 */
export enum VolumeRetention {
  /** Keep the claim and its data. */
  RETAIN = 'Retain',
  /** Delete the claim, and with the usual reclaim policy its data. */
  DELETE = 'Delete',
}

/**
 * When the members' PersistentVolumeClaims are kept or deleted.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention
 */
export interface VolumeRetentionPolicy {
  /**
   * What happens to the claims when the StatefulSet is deleted.
   *
   * @default VolumeRetention.RETAIN
   */
  readonly whenDeleted?: VolumeRetention;

  /**
   * What happens to the claims of the members removed when `replicas` is lowered.
   *
   * @default VolumeRetention.RETAIN
   */
  readonly whenScaled?: VolumeRetention;
}

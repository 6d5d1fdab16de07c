import { AgentImage } from './agent-image';
import { BackupProps } from './backup';
import { RestoreProps } from './restore';
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ReplicationMode, StandbyMode } from './modes';
import { MonitoringOptions } from './monitoring/options';
import { PostgresTls } from './tls';
import { PostgresVersion } from './version';
import { VolumeRetentionPolicy } from './volume-retention';

/**
 * Properties of a `PostgresCluster`.
 */
export interface PostgresClusterProps {
  /**
   * The cluster's name: the StatefulSet, the Services (`<name>`, `<name>-replicas`, `<name>-pods`),
   * the ConfigMaps, the RBAC objects and the pods (`<name>-0` …) are named after it.
   *
   * A DNS-1035 label of at most 52 characters: StatefulSet pods carry the label
   * `controller-revision-hash: <name>-<10-character hash>`, and label values are limited to 63.
   * Renaming a cluster renames its StatefulSet and orphans its volumes.
   *
   * @default - the construct id
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names
   */
  readonly name?: string;

  /**
   * The PostgreSQL major version.
   *
   * @default PostgresVersion.V17
   */
  readonly version?: PostgresVersion;

  /**
   * How many members (pods) the cluster has: one primary, the rest standbys. A whole number from 1 to 64.
   *
   * @default 3
   */
  readonly replicas?: number;

  /**
   * Whether standbys answer read-only queries (HOT) or accept no connection at all (WARM).
   *
   * @default StandbyMode.WARM
   * @see https://www.postgresql.org/docs/current/hot-standby.html
   */
  readonly standbyMode?: StandbyMode;

  /**
   * Whether a commit waits for standbys (SYNC) or not (ASYNC).
   *
   * @default ReplicationMode.ASYNC
   * @see https://www.postgresql.org/docs/current/warm-standby.html#SYNCHRONOUS-REPLICATION
   */
  readonly replicationMode?: ReplicationMode;

  /**
   * With `ReplicationMode.SYNC`: how many standbys must have flushed a commit before it is
   * acknowledged (`synchronous_standby_names = 'ANY <synchronousReplicas> (...)'`). A whole number from
   * 1 to `replicas - 1`. Only allowed with `ReplicationMode.SYNC`.
   *
   * @default 1
   * @see https://www.postgresql.org/docs/current/runtime-config-replication.html#GUC-SYNCHRONOUS-STANDBY-NAMES
   */
  readonly synchronousReplicas?: number;

  /**
   * With `ReplicationMode.SYNC`: whether the primary may ever acknowledge a commit that fewer than
   * `synchronousReplicas` standbys have flushed. When false, a primary left with fewer streaming
   * standbys waits for the ones that still stream, and with none it commits alone (writes go on; the
   * quorum it records then lets no standby be promoted). When true (like Patroni's
   * `synchronous_mode_strict` and CloudNativePG's `dataDurability: required`), commits wait until
   * `synchronousReplicas` standbys stream and have flushed them: writes stop rather than exist on the
   * primary alone, with a `SynchronousStandbysMissing` Warning Event. Only allowed with
   * `ReplicationMode.SYNC`.
   *
   * @default false
   * @see https://patroni.readthedocs.io/en/latest/replication_modes.html#synchronous-mode
   */
  readonly synchronousStrict?: boolean;

  /**
   * The size of each member's volume (its PersistentVolumeClaim's storage request). At least 16 MiB.
   * A quarter of it (at least 64 MB, four WAL segments) is the most WAL a replication slot may hold
   * back (`max_slot_wal_keep_size`). Raised later (with `initialStorageSize` kept at the first size),
   * each member's agent grows its own claim to it where the StorageClass allows expansion; it never
   * shrinks.
   *
   * @default Size.gibibytes(1)
   */
  readonly storageSize?: Size;

  /**
   * The size in the StatefulSet's volume claim template: what a new member's volume is created with.
   * Kubernetes never lets a StatefulSet's volume claim templates change (Kubernetes 1.37 has no way to),
   * so to grow the volumes keep this at the size the cluster was first rendered with and raise
   * `storageSize`: each member's agent then grows its own PersistentVolumeClaim to `storageSize`, where
   * the StorageClass allows expansion (README, "Volume growth"). At least 16 MiB, at most `storageSize`.
   *
   * @default - storageSize
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#expanding-persistent-volumes-claims
   */
  readonly initialStorageSize?: Size;

  /**
   * The StorageClass of the members' volumes.
   *
   * @default - the cluster's default StorageClass
   * @see https://kubernetes.io/docs/concepts/storage/storage-classes/
   */
  readonly storageClassName?: string;

  /**
   * Whether the members' volumes are kept when the StatefulSet is deleted or scaled down.
   *
   * @default - both kept: `{ whenDeleted: VolumeRetention.RETAIN, whenScaled: VolumeRetention.RETAIN }`
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention
   */
  readonly volumeRetention?: VolumeRetentionPolicy;

  /**
   * Resource requests and limits of the `postgres` container. When given, it replaces the default as a
   * whole.
   *
   * @default - requests cpu 100m and memory 256Mi, no limits
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * The `postgres` container's image. It must be Debian based like the official one (the start
   * script needs bash, and the files belong to uid 999), and its major must match `version`.
   *
   * @default - `postgres:<major>`, the official image
   */
  readonly postgresImage?: string;

  /**
   * The `agent` container's image: a Node.js runtime that runs the agent bundle from the
   * `<name>-agent` ConfigMap (`AgentImage.nodeRuntime(image)`), or an image with the bundle built in
   * (`AgentImage.prebuilt(image)`, from agent/Dockerfile; no ConfigMap then).
   *
   * @default AgentImage.NODE_LTS (node:24-alpine, the official Node.js LTS image, bundle from the ConfigMap)
   */
  readonly agentImage?: AgentImage;

  /**
   * postgresql.conf parameters, by name. Values are written single-quoted and may not contain
   * newlines. They override this library's tuning defaults of the same name (`wal_keep_size`,
   * `max_slot_wal_keep_size`, `wal_receiver_status_interval`, `wal_sender_timeout`,
   * `wal_receiver_timeout`, `hot_standby_feedback`, `recovery_init_sync_method`, `log_line_prefix`).
   *
   * Parameters that replication and failover depend on are owned by the cluster and rejected:
   * `listen_addresses`, `port`, `unix_socket_directories`, `unix_socket_permissions`, `hba_file`,
   * `ident_file`, `config_file`, `data_directory`, `password_encryption`, `wal_level`, `wal_log_hints`,
   * `hot_standby`, `max_wal_senders`, `max_replication_slots`, `primary_conninfo`,
   * `primary_slot_name`, `synchronous_standby_names`, `recovery_target*`, `restore_command`,
   * `promote_trigger_file`, `archive_*`, `ssl*`, and the `include*` directives.
   *
   * @default - none
   * @see https://www.postgresql.org/docs/current/runtime-config.html
   */
  readonly parameters?: { [name: string]: string };

  /**
   * How long the leader Lease stays valid after the primary's last renewal: how long an unplanned
   * failover waits for a silent primary. A whole number of seconds (`Lease.spec.leaseDurationSeconds`
   * is an integer) from 1 to 3600, longer than `renewDeadline`.
   *
   * @default Duration.seconds(10)
   * @see https://kubernetes.io/docs/concepts/architecture/leases/
   */
  readonly leaseDuration?: Duration;

  /**
   * How long a primary keeps trying to renew the Lease before it fences itself (stops PostgreSQL).
   * Shorter than `leaseDuration`, so the old primary has stopped before anyone may take over, and
   * longer than 1.2 × `retryPeriod`.
   *
   * @default Duration.seconds(6)
   */
  readonly renewDeadline?: Duration;

  /**
   * How often each agent runs its decision loop (renews, observes, retries). A whole number of
   * milliseconds.
   *
   * @default Duration.seconds(1)
   */
  readonly retryPeriod?: Duration;

  /**
   * A standby further behind the primary's last published WAL position than this may not be promoted
   * by an unplanned failover.
   *
   * @default Size.mebibytes(16)
   */
  readonly maximumLagOnFailover?: Size;

  /**
   * An existing Secret with the cluster's credentials. It must carry the keys `POSTGRES_PASSWORD` (the
   * `postgres` superuser's password) and `REPLICATION_PASSWORD` (the `replicator` user's password).
   *
   * @default - the agent that bootstraps the cluster generates the Secret `<name>-auth` (keys
   *   `POSTGRES_USER`, `POSTGRES_PASSWORD`, `REPLICATION_USER`, `REPLICATION_PASSWORD`); the rendered
   *   YAML holds no credentials
   */
  readonly authSecret?: kplus.ISecret;

  /**
   * The Kubernetes cluster's DNS domain, used in the members' and the Services' host names.
   *
   * @default 'cluster.local'
   * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
   */
  readonly clusterDomain?: string;

  /**
   * Where the members' TLS server certificates come from. With TLS (every source but
   * `PostgresTls.disabled()`), PostgreSQL accepts network connections over TLS only, and standbys,
   * pg_basebackup and pg_rewind verify the primary's certificate and host name. Clients verify the
   * servers with the CA in `cluster.caConfigMap` (`connectionEnv()` sets it up). README.md ("TLS")
   * compares the sources.
   *
   * @default PostgresTls.generated() - a CA generated in the cluster (Secret `<name>-ca`) signs a
   *   certificate that each member generates for itself; nothing to install
   * @see https://www.postgresql.org/docs/current/ssl-tcp.html
   */
  readonly tls?: PostgresTls;

  /**
   * Whether to render the NetworkPolicy `<name>`, which lets only the members and the peers given to
   * `cluster.connections.allowFrom()` reach PostgreSQL, and only the members reach the agents' API.
   * Egress is not restricted.
   *
   * Turn it off when network access is managed elsewhere (a platform team's policies, Cilium or Calico
   * cluster-wide policies) or must allow what a Kubernetes NetworkPolicy cannot express; the members
   * then accept connections from anywhere the network lets through. A cluster whose CNI does not
   * enforce NetworkPolicies stores it without effect.
   *
   * @default true
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
   */
  readonly networkPolicy?: boolean;

  /**
   * Monitoring with prometheus-operator: a `PodMonitor` that scrapes every member's agent, a
   * `PrometheusRule` with this cluster's alerts, a ConfigMap with a Grafana dashboard, and a
   * NetworkPolicy rule that lets the Prometheus pods reach the agents' port. The two custom resources
   * need prometheus-operator's CRDs in the cluster. `monitoring: {}` turns it all on with the defaults.
   *
   * @default - nothing rendered for monitoring; `/metrics` is served all the same
   * @see https://prometheus-operator.dev/
   */
  readonly monitoring?: MonitoringOptions;

  /**
   * Continuous archiving of the WAL to an S3-compatible object store, done by the agents (no extra
   * image): every completed segment and timeline history file, compressed. README.md ("Backups").
   *
   * @default - no archiving (`archive_mode = off`)
   * @see https://www.postgresql.org/docs/current/continuous-archiving.html
   */
  readonly backup?: BackupProps;

  /**
   * Bootstrap from base backups and WAL in an object store instead of `initdb`: the latest state or a
   * point in time (time, LSN, transaction id, restore point), of this cluster's store or another
   * cluster's (a clone). The restored cluster archives to its own `backup` root on a new timeline.
   * README.md ("Restore and point-in-time recovery").
   *
   * @default - a new, empty cluster (`initdb`)
   */
  readonly restore?: RestoreProps;
}

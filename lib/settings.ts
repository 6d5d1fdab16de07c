import { AgentImage } from './agent-image';
import { BackupBinding } from './backup';
import { RestoreBinding } from './restore';
import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ReplicationMode, StandbyMode } from './modes';
import { MonitoringSettings, resolveMonitoring } from './monitoring/settings';
import { validateParameters } from './postgres-config';
import { PostgresClusterProps } from './props';
import { PostgresTls, TlsBinding } from './tls';
import { PostgresVersion } from './version';
import { VolumeRetention, VolumeRetentionPolicy } from './volume-retention';

/**
 * A cluster's props with every default applied and every value checked: what the rendering modules
 * read. Resolving happens before any child is created, so a bad prop never leaves half a cluster.
 */
export interface ClusterSettings {
  readonly name: string;
  readonly namespace: string;
  readonly version: PostgresVersion;
  readonly replicas: number;
  readonly standbyMode: StandbyMode;
  readonly replicationMode: ReplicationMode;
  readonly synchronousReplicas: number;
  readonly synchronousStrict: boolean;
  readonly storageSize: Size;
  readonly initialStorageSize: Size;
  readonly storageClassName?: string;
  readonly volumeRetention: Required<VolumeRetentionPolicy>;
  readonly resources: kplus.ContainerResources;
  readonly postgresImage: string;
  readonly agentImage: AgentImage;
  /** Lowercase names, sorted. */
  readonly parameters: Map<string, string>;
  readonly leaseDuration: Duration;
  readonly renewDeadline: Duration;
  readonly retryPeriod: Duration;
  readonly maximumLagOnFailover: Size;
  /** The user's Secret, or undefined when the agent generates `<name>-auth`. */
  readonly authSecret?: kplus.ISecret;
  readonly authSecretName: string;
  readonly clusterDomain: string;
  /** The TLS source as given (or the default), and what it renders for this cluster. */
  readonly tlsSource: PostgresTls;
  readonly tls: TlsBinding;
  /** Undefined when `monitoring` is not given. */
  readonly monitoring?: MonitoringSettings;
  /** Undefined when the WAL is not archived. */
  readonly backup?: BackupBinding;
  /** Undefined when the cluster bootstraps with initdb. */
  readonly restore?: RestoreBinding;
}

/** 63 (the limit of a label value) minus the `-<10-character hash>` of `controller-revision-hash`. */
const MAX_NAME_LENGTH = 52;
export const MAX_REPLICAS = 64;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The smallest volume that holds one WAL segment; a real database needs far more. */
const MIN_STORAGE_MEBIBYTES = 16;

export function resolveSettings(id: string, namespace: string, props: PostgresClusterProps): ClusterSettings {
  const name = props.name ?? id;
  if (name.length > MAX_NAME_LENGTH || !DNS_1035_LABEL.test(name)) {
    const source = props.name === undefined ? ' (the construct id, as no name was given)' : '';
    throw new Error(`name${source} must be a DNS-1035 label of at most ${MAX_NAME_LENGTH} characters `
      + '(lowercase letters, digits and \'-\', starting with a letter and ending with a letter or digit; '
      + `at most ${MAX_NAME_LENGTH} because pods are labelled controller-revision-hash=<name>-<10-character hash> `
      + `and label values are limited to 63), got "${name}"`);
  }

  const replicas = props.replicas ?? 3;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new Error(`replicas must be a whole number from 1 to ${MAX_REPLICAS}, got ${replicas}`);
  }

  const replicationMode = props.replicationMode ?? ReplicationMode.ASYNC;
  const synchronousReplicas = resolveSynchronousReplicas(props.synchronousReplicas, replicationMode, replicas);
  const synchronousStrict = props.synchronousStrict ?? false;
  if (synchronousStrict && replicationMode === ReplicationMode.ASYNC) {
    throw new Error('synchronousStrict only applies with replicationMode SYNC, got synchronousStrict true '
      + 'with replicationMode ASYNC; remove it or set replicationMode: ReplicationMode.SYNC');
  }

  const storageSize = props.storageSize ?? Size.gibibytes(1);
  const storageMebibytes = storageSize.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isFinite(storageMebibytes) || storageMebibytes < MIN_STORAGE_MEBIBYTES) {
    throw new Error(`storageSize must be at least ${MIN_STORAGE_MEBIBYTES}Mi (one WAL segment), got ${storageSize.asString()}`);
  }
  const initialStorageSize = props.initialStorageSize ?? storageSize;
  const initialMebibytes = initialStorageSize.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isFinite(initialMebibytes) || initialMebibytes < MIN_STORAGE_MEBIBYTES) {
    throw new Error(`initialStorageSize must be at least ${MIN_STORAGE_MEBIBYTES}Mi (one WAL segment), got ${initialStorageSize.asString()}`);
  }
  if (storageMebibytes < initialMebibytes) {
    throw new Error(`storageSize must be at least initialStorageSize (${initialStorageSize.asString()}): a volume can grow but never shrink, got ${storageSize.asString()}`);
  }
  if (props.storageClassName !== undefined && !isSubdomain(props.storageClassName)) {
    throw new Error('storageClassName must be the name of a StorageClass (a DNS-1123 subdomain: lowercase '
      + `letters, digits, '-' and '.'), got "${props.storageClassName}"`);
  }

  const clusterDomain = props.clusterDomain ?? 'cluster.local';
  if (!isSubdomain(clusterDomain)) {
    throw new Error('clusterDomain must be a DNS domain (lowercase letters, digits, \'-\' and \'.\', '
      + `like cluster.local), got "${clusterDomain}"`);
  }

  const version = props.version ?? PostgresVersion.V17;
  const postgresImage = checkImage('postgresImage', props.postgresImage ?? version.defaultImage);
  const agentImage = props.agentImage ?? AgentImage.NODE_LTS;
  checkImage('agentImage', agentImage.image);

  const timing = resolveTiming(props);
  const maximumLagOnFailover = props.maximumLagOnFailover ?? Size.mebibytes(16);
  if (!Number.isFinite(maximumLagOnFailover.toKibibytes({ rounding: SizeRoundingBehavior.NONE }))) {
    throw new Error(`maximumLagOnFailover must be a finite size, got ${maximumLagOnFailover.asString()}`);
  }
  const parameters = validateParameters(props.parameters ?? {});
  const tlsSource = props.tls ?? PostgresTls.generated();
  const monitoring = resolveMonitoring(props.monitoring);

  const backup = BackupBinding.resolve(props.backup);
  return {
    name,
    namespace,
    version,
    replicas,
    standbyMode: props.standbyMode ?? StandbyMode.WARM,
    replicationMode,
    synchronousReplicas,
    synchronousStrict,
    storageSize,
    initialStorageSize,
    storageClassName: props.storageClassName,
    volumeRetention: {
      whenDeleted: props.volumeRetention?.whenDeleted ?? VolumeRetention.RETAIN,
      whenScaled: props.volumeRetention?.whenScaled ?? VolumeRetention.RETAIN,
    },
    resources: props.resources ?? {
      cpu: { request: kplus.Cpu.millis(100) },
      memory: { request: Size.mebibytes(256) },
    },
    postgresImage,
    agentImage,
    parameters,
    ...timing,
    maximumLagOnFailover,
    authSecret: props.authSecret,
    authSecretName: props.authSecret?.name ?? `${name}-auth`,
    clusterDomain,
    tlsSource,
    tls: tlsSource._bind({ name, namespace, clusterDomain }),
    monitoring,
    backup,
    restore: RestoreBinding.resolve(props.restore, name, backup),
  };
}

function resolveSynchronousReplicas(given: number | undefined, mode: ReplicationMode, replicas: number): number {
  if (mode === ReplicationMode.ASYNC) {
    if (given !== undefined) {
      throw new Error(`synchronousReplicas only applies with replicationMode SYNC, got synchronousReplicas ${given} `
        + 'with replicationMode ASYNC; remove it or set replicationMode: ReplicationMode.SYNC');
    }
    return 1;
  }
  if (replicas < 2) {
    throw new Error('replicationMode SYNC needs at least 2 replicas (a primary and a synchronous standby), '
      + `got replicas ${replicas}`);
  }
  const synchronousReplicas = given ?? 1;
  if (!Number.isInteger(synchronousReplicas) || synchronousReplicas < 1 || synchronousReplicas >= replicas) {
    throw new Error(`synchronousReplicas must be a whole number from 1 to ${replicas - 1} (fewer than the `
      + `${replicas} replicas: the primary is not one of its own standbys), got ${synchronousReplicas}`);
  }
  return synchronousReplicas;
}

type Timing = Pick<ClusterSettings, 'leaseDuration' | 'renewDeadline' | 'retryPeriod'>;

function resolveTiming(props: PostgresClusterProps): Timing {
  const leaseDuration = props.leaseDuration ?? Duration.seconds(10);
  const renewDeadline = props.renewDeadline ?? Duration.seconds(6);
  const retryPeriod = props.retryPeriod ?? Duration.seconds(1);
  const lease = millis(leaseDuration);
  const renew = millis(renewDeadline);
  const retry = millis(retryPeriod);
  // At most an hour: the agent refuses longer (agent/config.ts), and no failover should wait longer.
  if (lease < 1000 || lease > 3_600_000 || lease % 1000 !== 0) {
    throw new Error('leaseDuration must be a whole number of seconds from 1 to 3600 '
      + `(Lease.spec.leaseDurationSeconds is an integer), got ${show(lease)}`);
  }
  if (!Number.isInteger(renew) || !Number.isInteger(retry) || retry < 1) {
    throw new Error('renewDeadline and retryPeriod must be whole numbers of milliseconds, retryPeriod at least 1ms, '
      + `got renewDeadline ${show(renew)} and retryPeriod ${show(retry)}`);
  }
  if (renew >= lease) {
    throw new Error('renewDeadline must be shorter than leaseDuration (a primary that cannot renew must stop '
      + `before another member may take the lease), got renewDeadline ${show(renew)} with leaseDuration ${show(lease)}`);
  }
  // renew > 1.2 × retry, in whole numbers: a primary gets more than one renewal attempt before its deadline.
  if (renew * 5 <= retry * 6) {
    throw new Error('renewDeadline must be longer than 1.2 × retryPeriod (a primary must get more than one '
      + `renewal attempt before its deadline), got renewDeadline ${show(renew)} with retryPeriod ${show(retry)}`);
  }
  return { leaseDuration, renewDeadline, retryPeriod };
}

function millis(duration: Duration): number {
  return duration.toMilliseconds({ integral: false });
}

function show(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function isSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_1123_SUBDOMAIN.test(value);
}

function checkImage(prop: string, image: string): string {
  if (image === '' || /\s/.test(image)) {
    throw new Error(`${prop} must be a container image reference without spaces, got "${image}"`);
  }
  return image;
}

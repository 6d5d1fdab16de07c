import { AgentImage } from './agent-image';
import { Chart, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { createConfigMaps } from './config-maps';
import { createDisruptionBudget } from './disruption-budget';
import { ReplicationMode, StandbyMode } from './modes';
import { ClusterMonitoring } from './monitoring/cluster-monitoring';
import { ClusterConnections, createNetworkPolicy } from './network-policy';
import { POSTGRES_PORT } from './pod-layout';
import { PostgresClusterProps } from './props';
import { createRbac } from './rbac';
import { createServices } from './services';
import { resolveSettings } from './settings';
import { createStatefulSet } from './stateful-set';
import { PostgresVersion } from './version';
import { Certificate } from '../imports/cert-manager-certificates-cert-manager.io';
import { CA_CERT_KEY, PostgresTls } from './tls';
import { VolumeRetentionPolicy } from './volume-retention';

/** Options of `PostgresCluster.connectionEnv()`. */
export interface ConnectionEnvOptions {
  /**
   * Connect through the `<name>-replicas` Service instead of the primary's. With warm standbys that
   * Service points at the primary as well.
   *
   * @default false
   */
  readonly readOnly?: boolean;

  /**
   * The database to connect to.
   *
   * @default 'postgres'
   */
  readonly database?: string;

  /**
   * Where the application's container mounts `cluster.caVolume`: with TLS, PGSSLROOTCERT is
   * `<caDirectory>/ca.crt` and PGSSLMODE `verify-full`. Unused when TLS is disabled.
   *
   * @default PostgresCluster.CA_DIRECTORY ('/etc/postgres-ca')
   */
  readonly caDirectory?: string;
}

/**
 * A highly available PostgreSQL cluster: a StatefulSet of members, each running PostgreSQL beside a
 * failover agent that elects the primary through a Kubernetes Lease, Services for the primary, the
 * readers and the members, and the ConfigMaps, RBAC and disruption budget they need. No operator and
 * no CRDs: the rendered YAML is all there is.
 *
 * Escape hatch: every rendered object is a plain cdk8s ApiObject and can be patched, e.g.
 * `ApiObject.of(cluster.statefulSet).addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'db'))`.
 */
export class PostgresCluster extends Construct {
  /** The auth Secret's key holding the superuser's name (`postgres`). */
  public static readonly USER_KEY = 'POSTGRES_USER';
  /** The auth Secret's key holding the superuser's password. */
  public static readonly PASSWORD_KEY = 'POSTGRES_PASSWORD';
  /** The auth Secret's key holding the replication user's name (`replicator`). */
  public static readonly REPLICATION_USER_KEY = 'REPLICATION_USER';
  /** The auth Secret's key holding the replication user's password. */
  public static readonly REPLICATION_PASSWORD_KEY = 'REPLICATION_PASSWORD';
  /** The superuser the cluster is initialised with. */
  public static readonly SUPERUSER = 'postgres';
  /** The key of the CA certificate in `caConfigMap`. */
  public static readonly CA_CERT_KEY = CA_CERT_KEY;
  /** Where `connectionEnv()` expects an application to mount `caVolume`, unless told otherwise. */
  public static readonly CA_DIRECTORY = '/etc/postgres-ca';

  /** The cluster's name: the prefix of every object's name. */
  public readonly name: string;
  /** The namespace the objects are rendered into: the chart's, or `default`. */
  public readonly namespace: string;
  /** The PostgreSQL major version. */
  public readonly version: PostgresVersion;
  /** How many members: one primary, the rest standbys. */
  public readonly replicas: number;
  /** Whether standbys answer read-only queries. */
  public readonly standbyMode: StandbyMode;
  /** Whether commits wait for standbys. */
  public readonly replicationMode: ReplicationMode;
  /** How many standbys acknowledge each commit with `ReplicationMode.SYNC` (1 with ASYNC, where it is unused). */
  public readonly synchronousReplicas: number;
  /** Whether commits wait rather than go on with fewer than `synchronousReplicas` standbys (false with ASYNC). */
  public readonly synchronousStrict: boolean;
  /** The size of each member's volume. */
  public readonly storageSize: Size;
  public readonly initialStorageSize: Size;
  /** Undefined when the cluster's default StorageClass is used. */
  public readonly storageClassName?: string;
  /** What happens to the volumes on deletion and scale-down (both fields set). */
  public readonly volumeRetention: VolumeRetentionPolicy;
  /** The `postgres` container's resource requests and limits. */
  public readonly resources: kplus.ContainerResources;
  /** The `postgres` container's image. */
  public readonly postgresImage: string;
  /** The `agent` container's image. */
  public readonly agentImage: AgentImage;
  /** How long the leader Lease outlives the primary's last renewal. */
  public readonly leaseDuration: Duration;
  /** How long a primary tries to renew before it fences itself. */
  public readonly renewDeadline: Duration;
  /** How often each agent runs its decision loop. */
  public readonly retryPeriod: Duration;
  /** The most a standby may lag and still be promoted by an unplanned failover. */
  public readonly maximumLagOnFailover: Size;
  /** The Kubernetes cluster's DNS domain. */
  public readonly clusterDomain: string;
  /** The PostgreSQL port of every Service and member. */
  public readonly port: number = POSTGRES_PORT;

  /**
   * The Secret with the credentials: the user's, or `<name>-auth`, which the agent creates when it
   * bootstraps the cluster (so it does not exist until the cluster first runs).
   */
  public readonly authSecret: kplus.ISecret;
  /** The name of `authSecret`. */
  public readonly authSecretName: string;

  /** Service `<name>`: the primary, read-write. */
  public readonly primaryService: k8s.KubeService;
  /** Service `<name>-replicas`: the hot standbys, read-only; the primary when standbys are warm. */
  public readonly replicasService: k8s.KubeService;
  /** Headless Service `<name>-pods`: one DNS name per member, `<name>-<i>.<name>-pods`. */
  public readonly podsService: k8s.KubeService;
  /** The members' StatefulSet; patch it through `ApiObject.of(cluster.statefulSet)`. */
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** Where the servers' TLS certificates come from. */
  public readonly tls: PostgresTls;
  /**
   * ConfigMap `<name>-ca-cert`, key `ca.crt`: the CA certificate clients verify the servers with. The
   * agents create it at run time (so it does not exist until the cluster first runs); undefined when
   * TLS is disabled.
   */
  public readonly caConfigMap?: kplus.IConfigMap;
  /** A pod volume of `caConfigMap` for applications; mount it at `PostgresCluster.CA_DIRECTORY`. */
  public readonly caVolume?: kplus.Volume;
  /** The cert-manager Certificate `<name>-tls`, with `PostgresTls.certManager()`. */
  public readonly certificate?: Certificate;
  /**
   * NetworkPolicy `<name>`: the members' ingress (undefined with `networkPolicy: false`). Prefer
   * `connections.allowFrom()`; `addIngressRule()` here can open other ports, such as the agents'
   * metrics on 8008 to a Prometheus.
   */
  public readonly networkPolicy?: kplus.NetworkPolicy;
  /** Who may connect to PostgreSQL besides the members: `cluster.connections.allowFrom(app)`. */
  public readonly connections: ClusterConnections;
  /** The PodMonitor, PrometheusRule and dashboard ConfigMap; undefined without the `monitoring` prop. */
  public readonly monitoring?: ClusterMonitoring;

  private readonly _parameters: Map<string, string>;

  public constructor(scope: Construct, id: string, props: PostgresClusterProps = {}) {
    // Checked before the construct joins the tree: a bad prop leaves nothing behind in the chart.
    const settings = resolveSettings(id, Chart.of(scope).namespace ?? 'default', props);
    super(scope, id);

    this.name = settings.name;
    this.namespace = settings.namespace;
    this.version = settings.version;
    this.replicas = settings.replicas;
    this.standbyMode = settings.standbyMode;
    this.replicationMode = settings.replicationMode;
    this.synchronousReplicas = settings.synchronousReplicas;
    this.synchronousStrict = settings.synchronousStrict;
    this.storageSize = settings.storageSize;
    this.initialStorageSize = settings.initialStorageSize;
    this.storageClassName = settings.storageClassName;
    this.volumeRetention = settings.volumeRetention;
    this.resources = settings.resources;
    this.postgresImage = settings.postgresImage;
    this.agentImage = settings.agentImage;
    this._parameters = settings.parameters;
    this.leaseDuration = settings.leaseDuration;
    this.renewDeadline = settings.renewDeadline;
    this.retryPeriod = settings.retryPeriod;
    this.maximumLagOnFailover = settings.maximumLagOnFailover;
    this.clusterDomain = settings.clusterDomain;
    this.authSecretName = settings.authSecretName;
    this.authSecret = settings.authSecret ?? kplus.Secret.fromSecretName(this, 'AuthSecret', settings.authSecretName);
    this.tls = settings.tlsSource;
    if (settings.tls.caConfigMapName) {
      this.caConfigMap = kplus.ConfigMap.fromConfigMapName(this, 'CaConfigMap', settings.tls.caConfigMapName);
      this.caVolume = kplus.Volume.fromConfigMap(this, 'CaVolume', this.caConfigMap, { name: `${this.name}-ca` });
    }
    // Before the StatefulSet: applied in order, the Secret the members mount is on its way when they start.
    this.certificate = settings.tls.createCertificate(this);

    const configMaps = createConfigMaps(this, settings);
    const serviceAccount = createRbac(this, settings);
    const services = createServices(this, settings);
    this.primaryService = services.primary;
    this.replicasService = services.replicas;
    this.podsService = services.pods;
    // Before the StatefulSet, so that applied in order the members never run unprotected.
    this.networkPolicy = props.networkPolicy === false ? undefined : createNetworkPolicy(this, settings);
    this.connections = ClusterConnections._of(this.networkPolicy);
    this.statefulSet = createStatefulSet(this, settings, {
      configMapName: configMaps.config.name,
      agentConfigMapName: configMaps.agent?.name,
      configHash: configMaps.hash,
      serviceAccountName: serviceAccount.name,
      podsServiceName: services.pods.name,
    });
    createDisruptionBudget(this, settings);
    if (settings.monitoring) {
      this.monitoring = ClusterMonitoring._of(this, {
        name: this.name,
        namespace: this.namespace,
        replicas: this.replicas,
        maximumLagOnFailoverBytes: this.maximumLagOnFailover.toKibibytes({ rounding: SizeRoundingBehavior.FLOOR }) * 1024,
        settings: settings.monitoring,
      }, this.networkPolicy);
    }
  }

  /** The postgresql.conf parameters given in props (lowercase names, sorted); a copy. */
  public get parameters(): { [name: string]: string } {
    return Object.fromEntries(this._parameters);
  }

  /**
   * Environment variables that connect a libpq client (psql, most drivers) to the cluster as the
   * superuser: PGHOST (the primary's Service, or the replicas' with `readOnly`), PGPORT, PGUSER,
   * PGPASSWORD (from the auth Secret) and PGDATABASE; with TLS, PGSSLMODE `verify-full` and
   * PGSSLROOTCERT, the CA certificate in `caVolume`, which the container must mount.
   *
   * @example
   * const app = deployment.addContainer({ image: 'my-app', envVariables: cluster.connectionEnv({ database: 'app' }) });
   * app.mount(PostgresCluster.CA_DIRECTORY, cluster.caVolume!);
   * @see https://www.postgresql.org/docs/current/libpq-envars.html
   */
  public connectionEnv(options: ConnectionEnvOptions = {}): Record<string, kplus.EnvValue> {
    const service = options.readOnly ? this.replicasService : this.primaryService;
    return {
      PGHOST: kplus.EnvValue.fromValue(`${service.name}.${this.namespace}.svc.${this.clusterDomain}`),
      PGPORT: kplus.EnvValue.fromValue(String(this.port)),
      PGUSER: kplus.EnvValue.fromValue(PostgresCluster.SUPERUSER),
      PGPASSWORD: kplus.EnvValue.fromSecretValue({ secret: this.authSecret, key: PostgresCluster.PASSWORD_KEY }),
      PGDATABASE: kplus.EnvValue.fromValue(options.database ?? 'postgres'),
      ...(this.tls.enabled ? {
        PGSSLMODE: kplus.EnvValue.fromValue('verify-full'),
        PGSSLROOTCERT: kplus.EnvValue.fromValue(`${options.caDirectory ?? PostgresCluster.CA_DIRECTORY}/${CA_CERT_KEY}`),
      } : {}),
    };
  }

  /**
   * Wires one container of a workload to the cluster in one call: its connection environment
   * (`connectionEnv(options)`), the CA certificate mounted where PGSSLROOTCERT points (with TLS), and an
   * ingress rule admitting the workload's pods through the cluster's NetworkPolicy.
   *
   * @example
   * const api = new kplus.Deployment(chart, 'api');
   * cluster.connect(api, api.addContainer({ image: 'my-app' }), { database: 'app' });
   */
  public connect(workload: kplus.AbstractPod, container: kplus.Container, options: ConnectionEnvOptions = {}): void {
    for (const [name, value] of Object.entries(this.connectionEnv(options))) container.env.addVariable(name, value);
    if (this.caVolume) container.mount(options.caDirectory ?? PostgresCluster.CA_DIRECTORY, this.caVolume);
    this.connections.allowFrom(workload);
  }
}

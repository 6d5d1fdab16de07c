import { Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { clusterLabels, objectMetadata, selectorLabels } from './labels';
import { AGENT_API_PORT, AGENT_MEMBER_PORT, CONFIG_DIR, POSTGRES_PORT, RUN_DIR } from './pod-layout';
import { leaseName } from './rbac';
import { ClusterSettings } from './settings';

/** The pod template annotation that rolls the pods when a ConfigMap changes. */
export const CONFIG_HASH_ANNOTATION = 'cdk8s-postgres-ha/config-hash';

const DATA_DIR = '/var/lib/postgresql/data';
/** A subfolder, because a fresh volume's root may hold lost+found, and initdb wants an empty folder. */
const PGDATA = `${DATA_DIR}/pgdata`;
/** The official postgres image's postgres user; the agent runs as the same uid to read PGDATA (mode 0700). */
const POSTGRES_UID = 999;

/** What the StatefulSet refers to by name. */
export interface StatefulSetReferences {
  readonly configMapName: string;
  /** Absent when the agent image carries the bundle. */
  readonly agentConfigMapName?: string;
  readonly configHash: string;
  readonly serviceAccountName: string;
  readonly podsServiceName: string;
}

/**
 * The members: built on the generated KubeStatefulSet because cdk8s-plus' StatefulSet has no volume
 * claim templates and adds resource limits of its own. agent/README.md ("Pod layout", "Environment")
 * is the contract for the pod template.
 */
export function createStatefulSet(scope: Construct, settings: ClusterSettings, refs: StatefulSetReferences): k8s.KubeStatefulSet {
  const { name } = settings;
  return new k8s.KubeStatefulSet(scope, 'Resource', {
    metadata: objectMetadata(settings, name),
    spec: {
      serviceName: refs.podsServiceName,
      replicas: settings.replicas,
      // Members start together: a standby must not wait for a lower ordinal, since the primary can be
      // any member, and a member that waits for the primary only becomes ready once it streams.
      podManagementPolicy: 'Parallel',
      // The controller never replaces a pod for a changed template; the primary's agent evicts them in
      // the order that moves the primary once (standbys first, then one switchover, then the old primary;
      // agent/core/rollout.ts). RollingUpdate replaces the highest ordinal first whatever its role, and a
      // partition would have to be edited on this rendered object, which a GitOps tool would revert.
      updateStrategy: { type: 'OnDelete' },
      persistentVolumeClaimRetentionPolicy: settings.volumeRetention,
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: {
          labels: clusterLabels(name),
          annotations: { [CONFIG_HASH_ANNOTATION]: refs.configHash },
        },
        spec: podSpec(settings, refs),
      },
      volumeClaimTemplates: [{
        metadata: { name: 'data', labels: clusterLabels(name) },
        spec: {
          accessModes: ['ReadWriteOnce'],
          // Immutable once the StatefulSet exists: the agents grow each claim to storageSize instead.
          resources: { requests: { storage: quantity(settings.initialStorageSize) } },
          storageClassName: settings.storageClassName,
        },
      }],
    },
  });
}

function podSpec(settings: ClusterSettings, refs: StatefulSetReferences): k8s.PodSpec {
  return {
    serviceAccountName: refs.serviceAccountName,
    // The agent talks to the Kubernetes API with this pod's token.
    automountServiceAccountToken: true,
    // Members find each other through the headless Service's DNS names, not through env variables.
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 30,
    // The restricted Pod Security Standard; both containers run as the postgres image's user.
    securityContext: {
      runAsNonRoot: true,
      runAsUser: POSTGRES_UID,
      runAsGroup: POSTGRES_UID,
      fsGroup: POSTGRES_UID,
      // Large volumes are not walked through on every start once their ownership is right.
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    // Members on different nodes, so losing a node costs one member; preferred, so a small cluster
    // with fewer nodes than members still schedules.
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: selectorLabels(settings.name) },
          },
        }],
      },
    },
    containers: [postgresContainer(settings), agentContainer(settings, refs)],
    volumes: [
      { name: 'config', configMap: { name: refs.configMapName } },
      ...(refs.agentConfigMapName ? [{ name: 'agent', configMap: { name: refs.agentConfigMapName } }] : []),
      // The supervisor protocol and the Unix socket: shared by both containers, never on disk.
      { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
      // Root filesystems are read-only; temporary files (pg_rewind, sorts) go here.
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      ...settings.tls.volumes(),
      ...(settings.backup?.volumes() ?? []),
      ...(settings.restore?.volumes() ?? []),
    ],
  };
}

/**
 * No probes: the supervisor never exits and restarts PostgreSQL itself, so a failing liveness probe
 * could only restart a healthy supervisor; readiness is the agent's, which knows the member's role.
 */
function postgresContainer(settings: ClusterSettings): k8s.Container {
  return {
    name: 'postgres',
    image: settings.postgresImage,
    command: ['bash', `${CONFIG_DIR}/supervisor.sh`],
    ports: [{ name: 'postgres', containerPort: POSTGRES_PORT }],
    env: [
      { name: 'PGDATA', value: PGDATA },
      { name: 'PGHA_RUN_DIR', value: RUN_DIR },
      // So `kubectl exec … -c postgres -- psql` (or pg_dumpall) finds the server: it listens on a socket in
      // the run folder, not in the image's default /var/run/postgresql.
      { name: 'PGHOST', value: `${RUN_DIR}/socket` },
      { name: 'PGHA_CONFIG_FILE', value: `${CONFIG_DIR}/postgresql.conf` },
      ...settings.tls.postgresEnv(),
    ],
    resources: resourceRequirements(settings.resources),
    securityContext: containerSecurityContext(),
    volumeMounts: [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'run', mountPath: RUN_DIR },
      { name: 'data', mountPath: DATA_DIR },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

function agentContainer(settings: ClusterSettings, refs: StatefulSetReferences): k8s.Container {
  const apiPort = k8s.IntOrString.fromString('agent-api');
  const value = (envName: string, envValue: string | number | boolean) => ({ name: envName, value: String(envValue) });
  return {
    name: 'agent',
    image: settings.agentImage.image,
    command: ['node', '/opt/pgha/agent.js'],
    ports: [{ name: 'agent-api', containerPort: AGENT_API_PORT }, { name: 'agent-members', containerPort: AGENT_MEMBER_PORT }],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      value('PGDATA', PGDATA),
      value('PGHA_RUN_DIR', RUN_DIR),
      value('PGHA_CLUSTER_NAME', settings.name),
      value('PGHA_REPLICAS', settings.replicas),
      value('PGHA_PODS_SERVICE', refs.podsServiceName),
      value('PGHA_CLUSTER_DOMAIN', settings.clusterDomain),
      value('PGHA_POSTGRES_PORT', POSTGRES_PORT),
      value('PGHA_API_PORT', AGENT_API_PORT),
      value('PGHA_MEMBER_PORT', AGENT_MEMBER_PORT),
      value('PGHA_MEMBER_CA_SECRET', settings.tls.memberCaSecretName),
      value('PGHA_LEASE_NAME', leaseName(settings.name)),
      value('PGHA_LEASE_DURATION_MS', settings.leaseDuration.toMilliseconds()),
      value('PGHA_RENEW_DEADLINE_MS', settings.renewDeadline.toMilliseconds()),
      value('PGHA_RETRY_PERIOD_MS', settings.retryPeriod.toMilliseconds()),
      value('PGHA_STANDBY_MODE', settings.standbyMode),
      value('PGHA_REPLICATION_MODE', settings.replicationMode),
      value('PGHA_SYNCHRONOUS_REPLICAS', settings.synchronousReplicas),
      // Only when set: a pod template that gained a variable on a library upgrade would roll every cluster.
      ...(settings.synchronousStrict ? [value('PGHA_SYNCHRONOUS_STRICT', true)] : []),
      value('PGHA_MAX_LAG_ON_FAILOVER_BYTES', bytes(settings.maximumLagOnFailover)),
      value('PGHA_AUTH_SECRET', settings.authSecretName),
      value('PGHA_STORAGE_SIZE', settings.storageSize.asString()),
      value('PGHA_AUTH_SECRET_MANAGED', settings.authSecret === undefined),
      ...settings.tls.agentEnv(),
      ...(settings.backup?.agentEnv() ?? []),
      ...(settings.restore?.agentEnv() ?? []),
    ],
    // Enough for the scheduler to account for the agent; no limit, because an agent killed for memory
    // fences its primary.
    resources: { requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') } },
    // Readiness is checked every second: the Services follow a failover as fast as the agents decide it.
    readinessProbe: {
      httpGet: { path: '/readiness', port: apiPort },
      periodSeconds: 1,
      timeoutSeconds: 1,
      failureThreshold: 2,
      successThreshold: 1,
    },
    // Restarts an agent whose decision loop is wedged, after 30 s of failures.
    livenessProbe: {
      httpGet: { path: '/liveness', port: apiPort },
      initialDelaySeconds: 10,
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 6,
    },
    securityContext: containerSecurityContext(),
    volumeMounts: [
      ...(refs.agentConfigMapName ? [{ name: 'agent', mountPath: '/opt/pgha', readOnly: true }] : []),
      { name: 'run', mountPath: RUN_DIR },
      // The agent reads pg_control and the WAL of a warm standby, which accepts no connection.
      { name: 'data', mountPath: DATA_DIR, readOnly: true },
      ...settings.tls.agentVolumeMounts(),
      ...(settings.backup?.agentVolumeMounts() ?? []),
      ...(settings.restore?.agentVolumeMounts() ?? []),
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

function containerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
  };
}

function resourceRequirements(resources: kplus.ContainerResources): k8s.ResourceRequirements {
  const amounts = (cpu?: kplus.Cpu, memory?: Size, ephemeralStorage?: Size) => {
    const entries = Object.entries({ 'cpu': cpu?.amount, 'memory': memory?.asString(), 'ephemeral-storage': ephemeralStorage?.asString() })
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([resource, amount]) => [resource, k8s.Quantity.fromString(amount)]);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  };
  return {
    limits: amounts(resources.cpu?.limit, resources.memory?.limit, resources.ephemeralStorage?.limit),
    requests: amounts(resources.cpu?.request, resources.memory?.request, resources.ephemeralStorage?.request),
  };
}

function quantity(size: Size): k8s.Quantity {
  return k8s.Quantity.fromString(size.asString());
}

function bytes(size: Size): number {
  return Math.floor(size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024);
}

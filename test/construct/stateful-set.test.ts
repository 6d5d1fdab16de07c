import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AgentImage, ReplicationMode, StandbyMode, VolumeRetention } from '../../lib';
import { container, envOf, find, render } from './helpers';

const SELECTOR = { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'pg' };

function statefulSet(props: Parameters<typeof render>[0] = {}) {
  return find(render(props).manifests, 'StatefulSet', 'pg');
}

describe('StatefulSet', () => {
  test('selects its pods by the two selector labels, which the pod template carries', () => {
    const sts = statefulSet();
    expect(sts.spec.selector).toEqual({ matchLabels: SELECTOR });
    expect(sts.spec.template.metadata.labels).toEqual({
      ...SELECTOR,
      'app.kubernetes.io/component': 'database',
      'app.kubernetes.io/managed-by': 'cdk8s-postgres-ha',
    });
  });

  test('starts all members at once, is governed by the headless Service and leaves updates to the agents (OnDelete)', () => {
    const { spec } = statefulSet();
    expect(spec).toMatchObject({
      serviceName: 'pg-pods',
      replicas: 3,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
    });
  });

  test('keeps the volumes by default', () => {
    expect(statefulSet().spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('deletes the volumes as volumeRetention says', () => {
    const sts = statefulSet({ volumeRetention: { whenDeleted: VolumeRetention.DELETE, whenScaled: VolumeRetention.DELETE } });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Delete' });
  });

  test('claims one ReadWriteOnce volume per member, of the default StorageClass unless one is named', () => {
    expect(statefulSet().spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data', labels: expect.objectContaining(SELECTOR) },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    }]);
    const named = statefulSet({ storageClassName: 'standard', storageSize: Size.mebibytes(50) });
    expect(named.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '50Mi' } },
      storageClassName: 'standard',
    });
  });

  test('keeps the claim template at initialStorageSize, and asks the agents for storageSize', () => {
    const grown = statefulSet({ storageSize: Size.gibibytes(20), initialStorageSize: Size.gibibytes(10) });
    expect(grown.spec.volumeClaimTemplates[0].spec.resources).toEqual({ requests: { storage: '10Gi' } });
    const agent = grown.spec.template.spec.containers.find((c: any) => c.name === 'agent');
    expect(agent.env).toContainEqual({ name: 'PGHA_STORAGE_SIZE', value: '20Gi' });
  });

  describe('pod', () => {
    test('runs under its own service account with a token, and without service links', () => {
      expect(statefulSet().spec.template.spec).toMatchObject({
        serviceAccountName: 'pg',
        automountServiceAccountToken: true,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 30,
      });
    });

    test('satisfies the restricted Pod Security Standard', () => {
      const pod = statefulSet().spec.template.spec;
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 999,
        runAsGroup: 999,
        fsGroup: 999,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          runAsNonRoot: true,
        });
      }
    });

    test('prefers to spread members over nodes', () => {
      expect(statefulSet().spec.template.spec.affinity).toEqual({
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 100,
            podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: SELECTOR } },
          }],
        },
      });
    });

    test('mounts the ConfigMaps, a memory-backed run folder and a bounded tmp folder', () => {
      expect(statefulSet().spec.template.spec.volumes).toEqual([
        { name: 'config', configMap: { name: 'pg-config' } },
        { name: 'agent', configMap: { name: 'pg-agent' } },
        { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
      ]);
    });
  });

  describe('postgres container', () => {
    test('runs the supervisor script from the config ConfigMap on the official image', () => {
      const postgres = container(render().manifests, 'pg', 'postgres');
      expect(postgres).toMatchObject({
        image: 'postgres:17',
        command: ['bash', '/etc/pgha/supervisor.sh'],
        ports: [{ name: 'postgres', containerPort: 5432 }],
      });
      expect(envOf(postgres)).toEqual({
        PGDATA: '/var/lib/postgresql/data/pgdata',
        PGHA_RUN_DIR: '/run/pgha',
        PGHA_CONFIG_FILE: '/etc/pgha/postgresql.conf',
        PGHA_TLS_CA_FILE: '/run/pgha/tls/ca.crt',
        PGHOST: '/run/pgha/socket',
      });
    });

    test('points psql in the container at the server\'s socket (PGHOST is the unix_socket_directories it renders)', () => {
      const { manifests } = render();
      const postgres = container(manifests, 'pg', 'postgres');
      const conf = find(manifests, 'ConfigMap', 'pg-config').data['postgresql.conf'];
      expect(conf).toContain(`unix_socket_directories = '${envOf(postgres).PGHOST}'`);
    });

    test('mounts the data volume read-write', () => {
      expect(container(render().manifests, 'pg', 'postgres').volumeMounts).toEqual([
        { name: 'config', mountPath: '/etc/pgha', readOnly: true },
        { name: 'run', mountPath: '/run/pgha' },
        { name: 'data', mountPath: '/var/lib/postgresql/data' },
        { name: 'tmp', mountPath: '/tmp' },
      ]);
    });

    test('has no probes: the agent reports readiness, and the supervisor never exits', () => {
      const postgres = container(render().manifests, 'pg', 'postgres');
      expect(postgres.readinessProbe).toBeUndefined();
      expect(postgres.livenessProbe).toBeUndefined();
      expect(postgres.startupProbe).toBeUndefined();
    });

    test('requests 100m CPU and 256Mi memory by default, without limits', () => {
      expect(container(render().manifests, 'pg', 'postgres').resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' } });
    });

    test('renders the given resources instead', () => {
      const { manifests } = render({
        resources: {
          cpu: { request: kplus.Cpu.units(1), limit: kplus.Cpu.units(2) },
          memory: { request: Size.gibibytes(2), limit: Size.gibibytes(2) },
          ephemeralStorage: { limit: Size.gibibytes(1) },
        },
      });
      expect(container(manifests, 'pg', 'postgres').resources).toEqual({
        requests: { cpu: '1', memory: '2Gi' },
        limits: { 'cpu': '2', 'memory': '2Gi', 'ephemeral-storage': '1Gi' },
      });
    });
  });

  describe('agent container', () => {
    test('runs the bundle from the agent ConfigMap on the Node.js image', () => {
      expect(container(render().manifests, 'pg', 'agent')).toMatchObject({
        image: 'node:24-alpine',
        command: ['node', '/opt/pgha/agent.js'],
        ports: [{ name: 'agent-api', containerPort: 8008 }, { name: 'agent-members', containerPort: 8009 }],
      });
      expect(container(render({ agentImage: AgentImage.nodeRuntime('node:22-alpine') }).manifests, 'pg', 'agent').image)
        .toBe('node:22-alpine');
    });

    test('runs a prebuilt agent image without the agent ConfigMap, its volume or its mount', () => {
      const { manifests } = render({ agentImage: AgentImage.prebuilt('registry.example.com/pgha-agent:1') });
      const agent = container(manifests, 'pg', 'agent');
      expect(agent.image).toBe('registry.example.com/pgha-agent:1');
      expect(agent.command).toEqual(['node', '/opt/pgha/agent.js']);
      expect(agent.volumeMounts.map((m: { name: string }) => m.name)).not.toContain('agent');
      const pod = find(manifests, 'StatefulSet', 'pg').spec.template.spec;
      expect(pod.volumes.map((v: { name: string }) => v.name)).not.toContain('agent');
      expect(manifests.filter((m) => m.kind === 'ConfigMap').map((m) => m.metadata.name)).not.toContain('pg-agent');
    });

    test('mounts the data volume read-only', () => {
      expect(container(render().manifests, 'pg', 'agent').volumeMounts).toEqual([
        { name: 'agent', mountPath: '/opt/pgha', readOnly: true },
        { name: 'run', mountPath: '/run/pgha' },
        { name: 'data', mountPath: '/var/lib/postgresql/data', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ]);
    });

    test('probes the agent API: readiness every second, liveness after 30 s of failures', () => {
      const agent = container(render().manifests, 'pg', 'agent');
      expect(agent.readinessProbe).toEqual({
        httpGet: { path: '/readiness', port: 'agent-api' },
        periodSeconds: 1,
        timeoutSeconds: 1,
        failureThreshold: 2,
        successThreshold: 1,
      });
      expect(agent.livenessProbe).toEqual({
        httpGet: { path: '/liveness', port: 'agent-api' },
        initialDelaySeconds: 10,
        periodSeconds: 5,
        timeoutSeconds: 2,
        failureThreshold: 6,
      });
    });

    test('requests a little CPU and memory, without limits', () => {
      expect(container(render().manifests, 'pg', 'agent').resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' } });
    });

    test('gets the environment of agent/README.md from the default props', () => {
      expect(envOf(container(render().manifests, 'pg', 'agent'))).toEqual({
        POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
        POD_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
        PGDATA: '/var/lib/postgresql/data/pgdata',
        PGHA_RUN_DIR: '/run/pgha',
        PGHA_CLUSTER_NAME: 'pg',
        PGHA_REPLICAS: '3',
        PGHA_PODS_SERVICE: 'pg-pods',
        PGHA_CLUSTER_DOMAIN: 'cluster.local',
        PGHA_POSTGRES_PORT: '5432',
        PGHA_API_PORT: '8008',
        PGHA_MEMBER_PORT: '8009',
        PGHA_MEMBER_CA_SECRET: 'pg-ca',
        PGHA_LEASE_NAME: 'pg-leader',
        PGHA_LEASE_DURATION_MS: '10000',
        PGHA_RENEW_DEADLINE_MS: '6000',
        PGHA_RETRY_PERIOD_MS: '1000',
        PGHA_STANDBY_MODE: 'warm',
        PGHA_REPLICATION_MODE: 'async',
        PGHA_SYNCHRONOUS_REPLICAS: '1',
        PGHA_MAX_LAG_ON_FAILOVER_BYTES: '16777216',
        PGHA_AUTH_SECRET: 'pg-auth',
        PGHA_AUTH_SECRET_MANAGED: 'true',
        PGHA_STORAGE_SIZE: '1Gi',
        PGHA_TLS_SOURCE: 'generated',
        PGHA_TLS_CA_SECRET: 'pg-ca',
        PGHA_TLS_CA_CONFIG_MAP: 'pg-ca-cert',
      });
    });

    test('gets the environment from the given props', () => {
      const env = envOf(container(render({
        replicas: 5,
        standbyMode: StandbyMode.HOT,
        replicationMode: ReplicationMode.SYNC,
        synchronousReplicas: 2,
        synchronousStrict: true,
        leaseDuration: Duration.seconds(15),
        renewDeadline: Duration.millis(7500),
        retryPeriod: Duration.millis(500),
        maximumLagOnFailover: Size.mebibytes(1),
        clusterDomain: 'corp.internal',
      }).manifests, 'pg', 'agent'));
      expect(env).toMatchObject({
        PGHA_REPLICAS: '5',
        PGHA_CLUSTER_DOMAIN: 'corp.internal',
        PGHA_LEASE_DURATION_MS: '15000',
        PGHA_RENEW_DEADLINE_MS: '7500',
        PGHA_RETRY_PERIOD_MS: '500',
        PGHA_STANDBY_MODE: 'hot',
        PGHA_REPLICATION_MODE: 'sync',
        PGHA_SYNCHRONOUS_REPLICAS: '2',
        PGHA_SYNCHRONOUS_STRICT: 'true',
        PGHA_MAX_LAG_ON_FAILOVER_BYTES: '1048576',
      });
    });

    test('renders no PGHA_SYNCHRONOUS_STRICT unless synchronousStrict is set, so upgrading the library rolls no cluster', () => {
      const env = envOf(container(render({ replicationMode: ReplicationMode.SYNC }).manifests, 'pg', 'agent'));
      expect(env.PGHA_REPLICATION_MODE).toBe('sync');
      expect(env).not.toHaveProperty('PGHA_SYNCHRONOUS_STRICT');
    });
  });

  describe('config hash', () => {
    const hashOf = (props: Parameters<typeof render>[0] = {}) =>
      statefulSet(props).spec.template.metadata.annotations['cdk8s-postgres-ha/config-hash'];

    test('annotates the pod template with a hash of the ConfigMaps', () => {
      expect(hashOf()).toMatch(/^[0-9a-f]{16}$/);
    });

    test('stays the same when nothing changes', () => {
      expect(hashOf({ parameters: { work_mem: '8MB' } })).toBe(hashOf({ parameters: { work_mem: '8MB' } }));
    });

    test('changes when a parameter changes, so the pods roll', () => {
      expect(hashOf({ parameters: { work_mem: '8MB' } })).not.toBe(hashOf({ parameters: { work_mem: '16MB' } }));
      expect(hashOf()).not.toBe(hashOf({ standbyMode: StandbyMode.HOT }));
    });
  });
});

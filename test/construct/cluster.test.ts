import { ApiObject, App, Chart, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AgentImage,
  PostgresCluster,
  PostgresVersion,
  ReplicationMode,
  StandbyMode,
  VolumeRetention,
} from '../../lib';
import { container, envOf, find, maskedYaml, render } from './helpers';

const LABELS = {
  'app.kubernetes.io/name': 'postgres',
  'app.kubernetes.io/instance': 'pg',
  'app.kubernetes.io/component': 'database',
  'app.kubernetes.io/managed-by': 'cdk8s-postgres-ha',
};

describe('PostgresCluster', () => {
  test('defaults', () => {
    const { manifests } = render();
    expect(maskedYaml(manifests)).toMatchSnapshot();
  });

  test('renders exactly the objects of a cluster, in apply order, and no Secret', () => {
    const { manifests } = render();
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ConfigMap/pg-config',
      'ConfigMap/pg-agent',
      'ServiceAccount/pg',
      'Role/pg',
      'RoleBinding/pg',
      'Service/pg',
      'Service/pg-replicas',
      'Service/pg-pods',
      'NetworkPolicy/pg',
      'StatefulSet/pg',
      'PodDisruptionBudget/pg',
    ]);
  });

  test('names every object explicitly and labels it as part of the cluster', () => {
    const { manifests } = render();
    for (const manifest of manifests) {
      expect(manifest.metadata.name).toMatch(/^pg(-[a-z]+)?$/);
      expect(manifest.metadata.namespace).toBe('demo');
      expect(manifest.metadata.labels).toEqual(LABELS);
    }
  });

  test('renders into the namespace default when the chart has none', () => {
    const { cluster, manifests } = render({}, { namespace: null });
    expect(cluster.namespace).toBe('default');
    for (const manifest of manifests) {
      expect(manifest.metadata.namespace).toBe('default');
    }
    expect(find(manifests, 'RoleBinding', 'pg').subjects).toEqual([{ kind: 'ServiceAccount', name: 'pg', namespace: 'default' }]);
  });

  test('is named after the construct id unless name is given', () => {
    expect(render({}, { id: 'ha-postgres' }).cluster.name).toBe('ha-postgres');
    const { cluster, manifests } = render({ name: 'orders' }, { id: 'Database' });
    expect(cluster.name).toBe('orders');
    expect(find(manifests, 'StatefulSet', 'orders').spec.serviceName).toBe('orders-pods');
  });

  test('keeps the resolved defaults as public fields', () => {
    const { cluster } = render();
    expect(cluster).toMatchObject({
      name: 'pg',
      namespace: 'demo',
      version: PostgresVersion.V17,
      replicas: 3,
      standbyMode: StandbyMode.WARM,
      replicationMode: ReplicationMode.ASYNC,
      synchronousReplicas: 1,
      storageClassName: undefined,
      volumeRetention: { whenDeleted: VolumeRetention.RETAIN, whenScaled: VolumeRetention.RETAIN },
      postgresImage: 'postgres:17',
      agentImage: AgentImage.NODE_LTS,
      clusterDomain: 'cluster.local',
      authSecretName: 'pg-auth',
      port: 5432,
    });
    expect(cluster.storageSize.toMebibytes()).toBe(1024);
    expect(cluster.initialStorageSize.toMebibytes()).toBe(1024);
    expect(cluster.leaseDuration.toMilliseconds()).toBe(10_000);
    expect(cluster.renewDeadline.toMilliseconds()).toBe(6_000);
    expect(cluster.retryPeriod.toMilliseconds()).toBe(1_000);
    expect(cluster.maximumLagOnFailover.toMebibytes()).toBe(16);
    expect(cluster.resources.cpu?.request?.amount).toBe('100m');
    expect(cluster.resources.memory?.request?.toMebibytes()).toBe(256);
    expect(cluster.parameters).toEqual({});
  });

  test('keeps the given props as public fields', () => {
    const { cluster } = render({
      version: PostgresVersion.V15,
      replicas: 5,
      standbyMode: StandbyMode.HOT,
      replicationMode: ReplicationMode.SYNC,
      synchronousReplicas: 2,
      storageSize: Size.gibibytes(20),
      storageClassName: 'fast',
      volumeRetention: { whenScaled: VolumeRetention.DELETE },
      postgresImage: 'registry.example.com/postgres:15.8',
      leaseDuration: Duration.seconds(15),
      parameters: { Work_Mem: '8MB' },
      clusterDomain: 'corp.internal',
    });
    expect(cluster).toMatchObject({
      version: PostgresVersion.V15,
      replicas: 5,
      standbyMode: StandbyMode.HOT,
      replicationMode: ReplicationMode.SYNC,
      synchronousReplicas: 2,
      storageClassName: 'fast',
      volumeRetention: { whenDeleted: VolumeRetention.RETAIN, whenScaled: VolumeRetention.DELETE },
      postgresImage: 'registry.example.com/postgres:15.8',
      clusterDomain: 'corp.internal',
    });
    expect(cluster.leaseDuration.toSeconds()).toBe(15);
    expect(cluster.parameters).toEqual({ work_mem: '8MB' });
  });

  test('returns a copy of its parameters', () => {
    const { cluster } = render({ parameters: { work_mem: '8MB' } });
    cluster.parameters.work_mem = '1GB';
    expect(cluster.parameters).toEqual({ work_mem: '8MB' });
  });

  test('exposes its Services and StatefulSet as the rendered objects', () => {
    const { cluster } = render();
    expect(cluster.primaryService.name).toBe('pg');
    expect(cluster.replicasService.name).toBe('pg-replicas');
    expect(cluster.podsService.name).toBe('pg-pods');
    expect(cluster.statefulSet.name).toBe('pg');
    expect(cluster.statefulSet.kind).toBe('StatefulSet');
  });

  test('exposes the auth Secret and its keys', () => {
    expect(PostgresCluster.USER_KEY).toBe('POSTGRES_USER');
    expect(PostgresCluster.PASSWORD_KEY).toBe('POSTGRES_PASSWORD');
    expect(PostgresCluster.REPLICATION_USER_KEY).toBe('REPLICATION_USER');
    expect(PostgresCluster.REPLICATION_PASSWORD_KEY).toBe('REPLICATION_PASSWORD');
    expect(render().cluster.authSecret.name).toBe('pg-auth');
  });

  test('uses a given auth Secret instead of generating one, and still renders no Secret', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test', { namespace: 'demo' });
    const secret = kplus.Secret.fromSecretName(chart, 'Credentials', 'corp-postgres-credentials');
    const cluster = new PostgresCluster(chart, 'pg', { authSecret: secret });
    const manifests = Testing.synth(chart);
    expect(cluster.authSecret).toBe(secret);
    expect(cluster.authSecretName).toBe('corp-postgres-credentials');
    expect(envOf(container(manifests, 'pg', 'agent'))).toMatchObject({
      PGHA_AUTH_SECRET: 'corp-postgres-credentials',
      PGHA_AUTH_SECRET_MANAGED: 'false',
    });
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  test('renders no Secret carrying data, whichever credentials are used', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test', { namespace: 'demo' });
    new PostgresCluster(chart, 'generated');
    new PostgresCluster(chart, 'given', { authSecret: kplus.Secret.fromSecretName(chart, 'S', 'given-credentials') });
    const secrets = Testing.synth(chart).filter((m) => m.kind === 'Secret');
    expect(secrets.filter((s) => s.data !== undefined || s.stringData !== undefined)).toEqual([]);
  });

  test('renders the same bytes twice', () => {
    const once = () => {
      const app = Testing.app();
      const chart = new Chart(app, 'test', { namespace: 'demo' });
      new PostgresCluster(chart, 'pg', {
        standbyMode: StandbyMode.HOT,
        parameters: { work_mem: '8MB', shared_buffers: '128MB' },
      });
      return app.synthYaml();
    };
    expect(once()).toBe(once());
  });

  test('renders the same bytes whatever order parameters are given in', () => {
    const yaml = (parameters: { [name: string]: string }) => maskedYaml(render({ parameters }).manifests);
    expect(yaml({ a_param: '1', b_param: '2' })).toBe(yaml({ b_param: '2', a_param: '1' }));
  });

  test('keeps the escape hatch: a JSON patch on the StatefulSet reaches the rendered YAML', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test', { namespace: 'demo' });
    const cluster = new PostgresCluster(chart, 'pg');
    ApiObject.of(cluster.statefulSet).addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'database'));
    expect(find(Testing.synth(chart), 'StatefulSet', 'pg').spec.template.spec.priorityClassName).toBe('database');
  });

  test('two clusters in one chart do not collide', () => {
    const app = new App();
    const chart = new Chart(app, 'test', { namespace: 'demo' });
    new PostgresCluster(chart, 'orders');
    new PostgresCluster(chart, 'billing');
    const names = Testing.synth(chart).map((m) => `${m.kind}/${m.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  describe('connectionEnv', () => {
    const envOfApp = (cluster: PostgresCluster, options?: Parameters<PostgresCluster['connectionEnv']>[0]) => {
      const deployment = new kplus.Deployment(Chart.of(cluster), 'App', { metadata: { name: 'app' } });
      deployment.addContainer({ image: 'app', envVariables: cluster.connectionEnv(options) });
      return envOf(find(Testing.synth(Chart.of(cluster)), 'Deployment', 'app').spec.template.spec.containers[0]);
    };

    test('connects to the primary Service as the superuser, with the password from the auth Secret, verifying the server', () => {
      expect(envOfApp(render().cluster)).toEqual({
        PGHOST: 'pg.demo.svc.cluster.local',
        PGPORT: '5432',
        PGUSER: 'postgres',
        PGPASSWORD: { secretKeyRef: { name: 'pg-auth', key: 'POSTGRES_PASSWORD' } },
        PGDATABASE: 'postgres',
        PGSSLMODE: 'verify-full',
        PGSSLROOTCERT: '/etc/postgres-ca/ca.crt',
      });
    });

    test('connects to the replicas Service when readOnly, in the given database and cluster domain', () => {
      const { cluster } = render({ standbyMode: StandbyMode.HOT, clusterDomain: 'corp.internal' });
      expect(envOfApp(cluster, { readOnly: true, database: 'orders' })).toMatchObject({
        PGHOST: 'pg-replicas.demo.svc.corp.internal',
        PGDATABASE: 'orders',
      });
    });

    test('reads the password from a given auth Secret', () => {
      const app = Testing.app();
      const chart = new Chart(app, 'test', { namespace: 'demo' });
      const cluster = new PostgresCluster(chart, 'pg', { authSecret: kplus.Secret.fromSecretName(chart, 'S', 'mine') });
      expect(envOfApp(cluster).PGPASSWORD).toEqual({ secretKeyRef: { name: 'mine', key: 'POSTGRES_PASSWORD' } });
    });
  });


  describe('connect', () => {
    test('gives the container its connection env and the CA at PGSSLROOTCERT, and admits the workload', () => {
      const { cluster } = render();
      const chart = Chart.of(cluster);
      const api = new kplus.Deployment(chart, 'Api', { metadata: { name: 'api' } });
      cluster.connect(api, api.addContainer({ image: 'api' }), { database: 'orders' });
      const manifests = Testing.synth(chart);
      const spec = find(manifests, 'Deployment', 'api').spec.template.spec;
      expect(envOf(spec.containers[0])).toMatchObject({ PGHOST: 'pg.demo.svc.cluster.local', PGDATABASE: 'orders', PGSSLROOTCERT: '/etc/postgres-ca/ca.crt' });
      const caVolume = spec.volumes.find((v: { configMap?: { name: string } }) => v.configMap?.name === 'pg-ca-cert');
      expect(spec.containers[0].volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/etc/postgres-ca', name: caVolume.name }));
      const policy = find(manifests, 'NetworkPolicy', 'pg');
      const appLabels = find(manifests, 'Deployment', 'api').spec.template.metadata.labels;
      expect(policy.spec.ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'demo' } }, podSelector: { matchLabels: appLabels } }],
        ports: [{ port: 5432, protocol: 'TCP' }],
      });
    });
  });
});

import { readFileSync } from 'fs';
import { join } from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { CertManagerIssuerKind, PostgresCluster, PostgresClusterProps, PostgresTls } from '../../lib';
import { container, envOf, find, Manifest, render } from './helpers';

/** Renders with a TLS source that may need a construct of the chart (a Secret reference). */
function renderWith(tls: (chart: Chart) => PostgresTls, props: PostgresClusterProps = {}): { cluster: PostgresCluster; chart: Chart; manifests: Manifest[] } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
  const cluster = new PostgresCluster(chart, 'pg', { ...props, tls: tls(chart) });
  return { cluster, chart, manifests: Testing.synth(chart) };
}

const config = (manifests: Manifest[]) => find(manifests, 'ConfigMap', 'pg-config').data;
const settingLines = (manifests: Manifest[]) => config(manifests)['postgresql.conf'].split('\n').filter((l: string) => /^ssl/.test(l));
const hbaRules = (manifests: Manifest[]) => config(manifests)['pg_hba.conf'].split('\n').filter((l: string) => l !== '' && !l.startsWith('#')).map((l: string) => l.split(/\s+/)[0]);
const rules = (manifests: Manifest[]) => find(manifests, 'Role', 'pg').rules;
const podSpec = (manifests: Manifest[]) => find(manifests, 'StatefulSet', 'pg').spec.template.spec;

/** kubernetes-models for built-in kinds; the imported CRD's own schema for cert-manager's Certificate (vendored, third-party/crds/). */
function validate(manifest: Manifest): void {
  if (manifest.apiVersion === 'cert-manager.io/v1') {
    const crd = parse(readFileSync(join(__dirname, '../../third-party/crds/cert-manager-certificates.yaml'), 'utf8'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = require('ajv');
    const check = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(crd.spec.versions[0].schema.openAPIV3Schema);
    if (!check(manifest)) throw new Error(`Certificate does not match the CRD: ${JSON.stringify(check.errors)}`);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Model = require(`kubernetes-models/${manifest.apiVersion}/${manifest.kind}`)[manifest.kind];
  new Model(manifest).validate();
}

describe('PostgresTls', () => {
  describe('generated (the default)', () => {
    const { cluster, manifests } = render();

    test('turns TLS on with the files the agent writes into the memory emptyDir, TLS 1.2 at least', () => {
      expect(settingLines(manifests)).toEqual([
        'ssl = on',
        'ssl_cert_file = \'/run/pgha/tls/server.crt\'',
        'ssl_key_file = \'/run/pgha/tls/server.key\'',
        'ssl_min_protocol_version = \'TLSv1.2\'',
      ]);
      expect(cluster.tls.enabled).toBe(true);
    });

    test('accepts network connections over TLS only (hostssl), the Unix socket unchanged', () => {
      expect(hbaRules(manifests)).toEqual(['local', 'hostssl', 'hostssl']);
    });

    test('tells the agent to keep the CA in Secret pg-ca and publish it in ConfigMap pg-ca-cert, and the supervisor where the CA is', () => {
      expect(envOf(container(manifests, 'pg', 'agent'))).toMatchObject({ PGHA_TLS_SOURCE: 'generated', PGHA_TLS_CA_SECRET: 'pg-ca', PGHA_TLS_CA_CONFIG_MAP: 'pg-ca-cert' });
      expect(envOf(container(manifests, 'pg', 'postgres'))).toMatchObject({ PGHA_TLS_CA_FILE: '/run/pgha/tls/ca.crt' });
      expect(podSpec(manifests).volumes.map((v: any) => v.name)).toEqual(['config', 'agent', 'run', 'tmp']);
    });

    test('lets the agent read and create the CA Secret, and publish only its ConfigMap', () => {
      expect(rules(manifests).filter((r: any) => ['secrets', 'configmaps'].includes(r.resources[0]))).toEqual([
        { apiGroups: [''], resources: ['secrets'], resourceNames: ['pg-auth', 'pg-ca'], verbs: ['get'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['pg-ca-cert'], verbs: ['get', 'update'] },
      ]);
    });

    test('still creates the CA Secret when the user gave the auth Secret', () => {
      const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
      new PostgresCluster(chart, 'pg', { authSecret: kplus.Secret.fromSecretName(chart, 'S', 'mine') });
      expect(rules(Testing.synth(chart)).filter((r: any) => r.resources[0] === 'secrets')).toEqual([
        { apiGroups: [''], resources: ['secrets'], resourceNames: ['mine', 'pg-ca'], verbs: ['get'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ]);
    });

    test('renders no Secret and no Certificate: the CA is made in the cluster', () => {
      expect(manifests.filter((m) => m.kind === 'Secret' || m.kind === 'Certificate')).toEqual([]);
      expect(cluster.certificate).toBeUndefined();
    });
  });

  describe('for applications', () => {
    test('connectionEnv() verifies the server with the CA mounted from caVolume (ConfigMap pg-ca-cert)', () => {
      const { cluster, chart } = renderWith(() => PostgresTls.generated());
      const deployment = new kplus.Deployment(chart, 'App', { metadata: { name: 'app' } });
      const app = deployment.addContainer({ image: 'app', envVariables: cluster.connectionEnv() });
      app.mount(PostgresCluster.CA_DIRECTORY, cluster.caVolume!);
      const spec = find(Testing.synth(chart), 'Deployment', 'app').spec.template.spec;
      expect(envOf(spec.containers[0])).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/postgres-ca/ca.crt' });
      expect(spec.volumes).toEqual([{ name: 'pg-ca', configMap: { name: 'pg-ca-cert' } }]);
      expect(spec.containers[0].volumeMounts).toEqual([{ name: 'pg-ca', mountPath: '/etc/postgres-ca' }]);
      expect(cluster.caConfigMap?.name).toBe('pg-ca-cert');
      expect(PostgresCluster.CA_CERT_KEY).toBe('ca.crt');
    });

    test('connectionEnv() points PGSSLROOTCERT into another directory when told', () => {
      const { cluster, chart } = renderWith(() => PostgresTls.generated());
      const deployment = new kplus.Deployment(chart, 'App', { metadata: { name: 'app' } });
      deployment.addContainer({ image: 'app', envVariables: cluster.connectionEnv({ caDirectory: '/certs/pg' }) });
      const env = envOf(find(Testing.synth(chart), 'Deployment', 'app').spec.template.spec.containers[0]);
      expect(env.PGSSLROOTCERT).toBe('/certs/pg/ca.crt');
    });
  });

  describe('fromSecret', () => {
    const { cluster, manifests } = renderWith((chart) => PostgresTls.fromSecret(kplus.Secret.fromSecretName(chart, 'Tls', 'my-tls')));

    test('mounts the Secret read-only into the agent container only, which installs a 0600 copy for PostgreSQL', () => {
      const spec = podSpec(manifests);
      expect(spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'my-tls', defaultMode: 0o440 } });
      expect(container(manifests, 'pg', 'agent').volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/pgha-tls', readOnly: true });
      expect(container(manifests, 'pg', 'postgres').volumeMounts.map((m: any) => m.name)).not.toContain('tls');
      expect(envOf(container(manifests, 'pg', 'agent'))).toMatchObject({
        PGHA_TLS_SOURCE: 'secret', PGHA_TLS_SECRET: 'my-tls', PGHA_TLS_SECRET_DIR: '/etc/pgha-tls', PGHA_TLS_CA_CONFIG_MAP: 'pg-ca-cert',
      });
      expect(envOf(container(manifests, 'pg', 'agent'))).not.toHaveProperty('PGHA_TLS_CA_SECRET');
    });

    test('serves the same PostgreSQL settings as the generated source', () => {
      expect(settingLines(manifests)).toEqual(settingLines(render().manifests));
      expect(hbaRules(manifests)).toEqual(['local', 'hostssl', 'hostssl']);
      expect(cluster.caConfigMap?.name).toBe('pg-ca-cert');
    });

    test('needs no access to the TLS Secret through the API (the kubelet mounts it)', () => {
      const secretNames = rules(manifests).filter((r: any) => r.resources[0] === 'secrets' && r.resourceNames).flatMap((r: any) => r.resourceNames);
      // The members' CA is the agents' own (their API's client certificates), never the user's TLS Secret.
      expect(secretNames).toEqual(['pg-auth', 'pg-members-ca']);
      expect(envOf(container(manifests, 'pg', 'agent'))).toMatchObject({ PGHA_MEMBER_CA_SECRET: 'pg-members-ca' });
    });
  });

  describe('certManager', () => {
    const { cluster, manifests } = renderWith(() => PostgresTls.certManager({
      issuer: { name: 'internal-ca', kind: CertManagerIssuerKind.CLUSTER_ISSUER },
      duration: Duration.days(90),
      renewBefore: Duration.days(15),
    }));

    test('renders a Certificate pg-tls into Secret pg-tls for every member and Service name, with a rotated ECDSA key', () => {
      const certificate = find(manifests, 'Certificate', 'pg-tls');
      expect(certificate.apiVersion).toBe('cert-manager.io/v1');
      expect(certificate.metadata.namespace).toBe('demo');
      expect(certificate.spec).toEqual({
        secretName: 'pg-tls',
        secretTemplate: { labels: expect.objectContaining({ 'app.kubernetes.io/instance': 'pg' }) },
        issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        dnsNames: [
          'pg', 'pg.demo', 'pg.demo.svc', 'pg.demo.svc.cluster.local',
          'pg-replicas', 'pg-replicas.demo', 'pg-replicas.demo.svc', 'pg-replicas.demo.svc.cluster.local',
          '*.pg-pods', '*.pg-pods.demo', '*.pg-pods.demo.svc', '*.pg-pods.demo.svc.cluster.local',
        ],
        duration: '2160h',
        renewBefore: '360h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['digital signature', 'server auth'],
      });
      expect(cluster.certificate?.name).toBe('pg-tls');
    });

    test('uses the cluster domain in the DNS names, and an Issuer of cert-manager.io by default', () => {
      const rendered = renderWith(() => PostgresTls.certManager({ issuer: { name: 'ca' } }), { clusterDomain: 'corp.internal' }).manifests;
      const spec = find(rendered, 'Certificate', 'pg-tls').spec;
      expect(spec.issuerRef).toEqual({ name: 'ca', kind: 'Issuer', group: 'cert-manager.io' });
      expect(spec.dnsNames).toContain('*.pg-pods.demo.svc.corp.internal');
      expect(spec).not.toHaveProperty('duration');
    });

    test('mounts the Secret cert-manager writes, like fromSecret', () => {
      expect(podSpec(manifests).volumes).toContainEqual({ name: 'tls', secret: { secretName: 'pg-tls', defaultMode: 0o440 } });
      expect(envOf(container(manifests, 'pg', 'agent'))).toMatchObject({ PGHA_TLS_SOURCE: 'secret', PGHA_TLS_SECRET: 'pg-tls' });
    });

    test('renders the Certificate before the StatefulSet', () => {
      const kinds = manifests.map((m) => m.kind);
      expect(kinds.indexOf('Certificate')).toBeLessThan(kinds.indexOf('StatefulSet'));
    });
  });

  describe('disabled', () => {
    const { cluster, manifests } = renderWith(() => PostgresTls.disabled());

    test('turns ssl off and accepts plaintext network connections (host)', () => {
      expect(settingLines(manifests)).toEqual(['ssl = off']);
      expect(hbaRules(manifests)).toEqual(['local', 'host', 'host']);
      expect(cluster.tls.enabled).toBe(false);
    });

    test('gives the pods no TLS files, the agent no CA, and applications no TLS settings', () => {
      expect(envOf(container(manifests, 'pg', 'postgres'))).not.toHaveProperty('PGHA_TLS_CA_FILE');
      expect(envOf(container(manifests, 'pg', 'agent'))).toMatchObject({ PGHA_TLS_SOURCE: 'disabled' });
      expect(rules(manifests).filter((r: any) => r.resources[0] === 'configmaps')).toEqual([]);
      expect(rules(manifests).find((r: any) => r.resources[0] === 'secrets' && r.resourceNames).resourceNames).toEqual(['pg-auth', 'pg-members-ca']);
      expect(envOf(container(manifests, 'pg', 'agent'))).toMatchObject({ PGHA_MEMBER_CA_SECRET: 'pg-members-ca' });
      expect(cluster.caConfigMap).toBeUndefined();
      expect(cluster.caVolume).toBeUndefined();
      const deployment = new kplus.Deployment(Chart.of(cluster), 'App', { metadata: { name: 'app' } });
      deployment.addContainer({ image: 'app', envVariables: cluster.connectionEnv() });
      expect(Object.keys(envOf(find(Testing.synth(Chart.of(cluster)), 'Deployment', 'app').spec.template.spec.containers[0]))).not.toContain('PGSSLMODE');
    });
  });

  test.each([
    ['generated', () => PostgresTls.generated()],
    ['fromSecret', (chart: Chart) => PostgresTls.fromSecret(kplus.Secret.fromSecretName(chart, 'Tls', 'my-tls'))],
    ['certManager', () => PostgresTls.certManager({ issuer: { name: 'ca', group: 'cert-manager.io' }, duration: Duration.hours(1), renewBefore: Duration.minutes(5) })],
    ['disabled', () => PostgresTls.disabled()],
  ])('%s: every object validates (kubernetes-models; the Certificate against the imported CRD)', (_, tls) => {
    const { manifests } = renderWith(tls);
    for (const manifest of manifests) expect(() => validate(manifest)).not.toThrow();
  });

  describe('fails', () => {
    test('fails for an issuer name that cannot name an Issuer', () => {
      expect(() => PostgresTls.certManager({ issuer: { name: 'My_CA' } })).toThrow(
        'tls: PostgresTls.certManager() issuer.name must be the name of an Issuer or ClusterIssuer (a DNS-1123 subdomain: lowercase letters, digits, \'-\' and \'.\'), got "My_CA"');
      expect(() => PostgresTls.certManager({ issuer: { name: '' } })).toThrow('got ""');
    });

    test('fails for an issuer group that is not an API group', () => {
      expect(() => PostgresTls.certManager({ issuer: { name: 'ca', group: 'Cert Manager' } })).toThrow(
        'tls: PostgresTls.certManager() issuer.group must be an API group like cert-manager.io, got "Cert Manager"');
    });

    test('fails for durations cert-manager would reject', () => {
      expect(() => PostgresTls.certManager({ issuer: { name: 'ca' }, duration: Duration.minutes(30) })).toThrow(
        'tls: PostgresTls.certManager() duration must be at least 1 hour (cert-manager\'s minimum), got 1800s');
      expect(() => PostgresTls.certManager({ issuer: { name: 'ca' }, renewBefore: Duration.minutes(1) })).toThrow(
        'tls: PostgresTls.certManager() renewBefore must be at least 5 minutes (cert-manager\'s minimum), got 60s');
      expect(() => PostgresTls.certManager({ issuer: { name: 'ca' }, duration: Duration.hours(2), renewBefore: Duration.hours(2) })).toThrow(
        'tls: PostgresTls.certManager() renewBefore must be shorter than duration (7200s), got 7200s');
      expect(() => PostgresTls.certManager({ issuer: { name: 'ca' }, renewBefore: Duration.days(91) })).toThrow(
        'tls: PostgresTls.certManager() renewBefore must be shorter than duration (by default 90 days), got 7862400s');
      expect(() => PostgresTls.certManager({ issuer: { name: 'ca' }, duration: Duration.millis(3_600_500) })).toThrow(
        'tls: PostgresTls.certManager() duration must be a whole number of seconds, got 3600.5s');
    });

    test('fails for ssl parameters, which the TLS source owns', () => {
      expect(() => render({ parameters: { ssl_ciphers: 'HIGH' } })).toThrow('parameters: "ssl_ciphers" is set by cdk8s-postgres-ha');
    });
  });
});

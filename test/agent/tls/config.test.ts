import { readTlsConfig } from '../../../agent/tls/config';
import { serverNames } from '../../../agent/tls/names';

describe('readTlsConfig', () => {
  it('reads each source from the environment the construct renders', () => {
    expect(readTlsConfig({ PGHA_TLS_SOURCE: 'generated', PGHA_TLS_CA_SECRET: 'pg-ca', PGHA_TLS_CA_CONFIG_MAP: 'pg-ca-cert' }, '/run/pgha')).toEqual({
      source: 'generated', caSecret: 'pg-ca', secret: null, secretDir: null, caConfigMap: 'pg-ca-cert', dir: '/run/pgha/tls',
    });
    expect(readTlsConfig({ PGHA_TLS_SOURCE: 'secret', PGHA_TLS_SECRET: 'pg-tls', PGHA_TLS_SECRET_DIR: '/etc/pgha-tls', PGHA_TLS_CA_CONFIG_MAP: 'pg-ca-cert' }, '/run/pgha')).toEqual({
      source: 'secret', caSecret: null, secret: 'pg-tls', secretDir: '/etc/pgha-tls', caConfigMap: 'pg-ca-cert', dir: '/run/pgha/tls',
    });
    expect(readTlsConfig({ PGHA_TLS_SOURCE: 'disabled' }, '/run/pgha')).toMatchObject({ source: 'disabled', caConfigMap: null });
  });

  it('fails at start-up, naming the variable, when the environment is incomplete or unknown', () => {
    expect(() => readTlsConfig({}, '/run/pgha')).toThrow("environment variable PGHA_TLS_SOURCE must be one of generated, secret, disabled, got ''");
    expect(() => readTlsConfig({ PGHA_TLS_SOURCE: 'generated', PGHA_TLS_CA_CONFIG_MAP: 'x' }, '/run/pgha'))
      .toThrow('environment variable PGHA_TLS_CA_SECRET is required with PGHA_TLS_SOURCE=generated');
    expect(() => readTlsConfig({ PGHA_TLS_SOURCE: 'secret', PGHA_TLS_SECRET: 'pg-tls', PGHA_TLS_CA_CONFIG_MAP: 'x' }, '/run/pgha'))
      .toThrow('environment variable PGHA_TLS_SECRET_DIR is required with PGHA_TLS_SOURCE=secret');
  });
});

describe('serverNames', () => {
  it('names the member under the headless Service and both client Services, in every short form', () => {
    const names = serverNames({ podName: 'db-12', namespace: 'orders', clusterName: 'db', podsService: 'db-pods', clusterDomain: 'corp.internal' });
    expect(names.commonName).toBe('db-12');
    expect(names.caCommonName).toBe('db CA');
    expect(names.dnsNames).toEqual([
      'db-12.db-pods', 'db-12.db-pods.orders', 'db-12.db-pods.orders.svc', 'db-12.db-pods.orders.svc.corp.internal',
      'db', 'db.orders', 'db.orders.svc', 'db.orders.svc.corp.internal',
      'db-replicas', 'db-replicas.orders', 'db-replicas.orders.svc', 'db-replicas.orders.svc.corp.internal',
    ]);
    expect(names.required).toEqual(['db-12.db-pods.orders.svc.corp.internal', 'db.orders.svc.corp.internal', 'db-replicas.orders.svc.corp.internal']);
  });
});

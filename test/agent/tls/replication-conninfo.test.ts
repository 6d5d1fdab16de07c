import { parseDynamicConf, renderDynamicConf } from '../../../agent/postgres/dynamic-conf';

describe('primary_conninfo with TLS', () => {
  const standby = {
    upstreamHost: 'pg-0.pg-pods.demo.svc.cluster.local',
    upstreamPort: 5432,
    applicationName: 'pg-1',
    passfile: '/run/pgha/pgpass',
    sync: { k: 0, members: [] },
  };

  it('makes the walreceiver verify the primary\'s certificate and host name against the cluster\'s CA', () => {
    const text = renderDynamicConf({ ...standby, tls: ['sslmode=verify-full', 'sslrootcert=/run/pgha/tls/ca.crt'] });
    expect(text).toContain("primary_conninfo = 'host=pg-0.pg-pods.demo.svc.cluster.local port=5432 user=replicator passfile=/run/pgha/pgpass "
      + 'sslmode=verify-full sslrootcert=/run/pgha/tls/ca.crt application_name=pg-1 ');
    expect(parseDynamicConf(text).upstreamHost).toBe('pg-0.pg-pods.demo.svc.cluster.local');
  });

  it('adds nothing to a primary, which has no upstream', () => {
    expect(renderDynamicConf({ ...standby, upstreamHost: null, tls: ['sslmode=verify-full'] })).toContain("primary_conninfo = ''");
  });
});

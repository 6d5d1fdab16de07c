import { parseDynamicConf, renderDynamicConf, slotName } from '../../../agent/postgres/dynamic-conf';

describe('dynamic.conf', () => {
  const standby = {
    upstreamHost: 'pg-0.pg-pods.demo.svc.cluster.local',
    upstreamPort: 5432,
    applicationName: 'pg-1',
    passfile: '/run/pgha/pgpass',
    sync: { k: 0, members: [] },
  };

  it('points a standby at its upstream with its own slot and application name', () => {
    const text = renderDynamicConf(standby);
    expect(text).toContain("primary_conninfo = 'host=pg-0.pg-pods.demo.svc.cluster.local port=5432 user=replicator passfile=/run/pgha/pgpass application_name=pg-1 ");
    expect(text).toContain("primary_slot_name = 'pg_1'");
    expect(text).toContain("synchronous_standby_names = ''");
  });

  it('gives a primary no upstream and its synchronous quorum', () => {
    const text = renderDynamicConf({ ...standby, upstreamHost: null, sync: { k: 1, members: ['pg-1', 'pg-2'] } });
    expect(text).toContain("primary_conninfo = ''");
    expect(text).toContain("primary_slot_name = ''");
    expect(text).toContain(`synchronous_standby_names = 'ANY 1 ("pg-1", "pg-2")'`);
  });

  it('carries the recovery settings of a restore only when given them, quoted', () => {
    const recovery = [['restore_command', '/bin/bash /etc/pgha/wal.sh restore %p %f'], ['recovery_target_name', "it's"]] as const;
    const text = renderDynamicConf({ ...standby, upstreamHost: null, recovery });
    expect(text).toContain("restore_command = '/bin/bash /etc/pgha/wal.sh restore %p %f'\nrecovery_target_name = 'it''s'\n");
    expect(renderDynamicConf({ ...standby, upstreamHost: null })).not.toContain('restore_command');
  });

  it('reads back what it wrote', () => {
    expect(parseDynamicConf(renderDynamicConf({ ...standby, sync: { k: 2, members: ['pg-0', 'pg-2'] } }))).toEqual({
      upstreamHost: 'pg-0.pg-pods.demo.svc.cluster.local',
      sync: { k: 2, members: ['pg-0', 'pg-2'] },
    });
    expect(parseDynamicConf(renderDynamicConf({ ...standby, upstreamHost: null }))).toEqual({ upstreamHost: null, sync: { k: 0, members: [] } });
  });

  it('names slots as PostgreSQL allows (lower case, digits, underscores)', () => {
    expect(slotName('ha-postgres-12')).toBe('ha_postgres_12');
  });

  describe('with TLS', () => {
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
});

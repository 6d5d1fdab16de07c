import { Chart, Duration, Size, Testing } from 'cdk8s';
import { AgentImage, PostgresCluster, PostgresClusterProps, ReplicationMode } from '../../lib';

/** The message a cluster with these props fails with. */
function failure(props: PostgresClusterProps, id = 'pg'): string {
  const chart = new Chart(Testing.app(), 'test');
  try {
    new PostgresCluster(chart, id, props);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the cluster was created');
}

describe('props validation', () => {
  test('leaves nothing in the chart when a prop is wrong', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new PostgresCluster(chart, 'pg', { replicas: 0 })).toThrow();
    expect(chart.node.children).toEqual([]);
    expect(() => new PostgresCluster(chart, 'pg')).not.toThrow();
  });

  test('accepts a 52-character name and the edges of every range', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new PostgresCluster(chart, 'a'.repeat(52), { replicas: 64 })).not.toThrow();
    expect(() => new PostgresCluster(chart, 'one', { replicas: 1 })).not.toThrow();
    expect(() => new PostgresCluster(chart, 'two', {
      replicas: 2,
      replicationMode: ReplicationMode.SYNC,
      synchronousReplicas: 1,
      storageSize: Size.mebibytes(16),
      leaseDuration: Duration.seconds(1),
      renewDeadline: Duration.millis(999),
      retryPeriod: Duration.millis(832),
    })).not.toThrow();
  });

  describe('name', () => {
    const rule = 'must be a DNS-1035 label of at most 52 characters (lowercase letters, digits and \'-\', '
      + 'starting with a letter and ending with a letter or digit; at most 52 because pods are labelled '
      + 'controller-revision-hash=<name>-<10-character hash> and label values are limited to 63)';

    test('fails when the construct id is not a DNS-1035 label', () => {
      expect(failure({}, 'HaPostgres')).toBe(`name (the construct id, as no name was given) ${rule}, got "HaPostgres"`);
    });

    test('fails when name starts with a digit', () => {
      expect(failure({ name: '1pg' })).toBe(`name ${rule}, got "1pg"`);
    });

    test('fails when name ends with a dash', () => {
      expect(failure({ name: 'pg-' })).toBe(`name ${rule}, got "pg-"`);
    });

    test('fails when name is longer than 52 characters', () => {
      expect(failure({ name: 'a'.repeat(53) })).toBe(`name ${rule}, got "${'a'.repeat(53)}"`);
    });
  });

  describe('replicas', () => {
    test.each([0, 65, 2.5, -1])('fails when replicas is %p', (replicas) => {
      expect(failure({ replicas })).toBe(`replicas must be a whole number from 1 to 64, got ${replicas}`);
    });
  });

  describe('synchronousReplicas', () => {
    test('fails when synchronousReplicas is given with ASYNC replication', () => {
      expect(failure({ synchronousReplicas: 2 })).toBe('synchronousReplicas only applies with replicationMode SYNC, '
        + 'got synchronousReplicas 2 with replicationMode ASYNC; remove it or set replicationMode: ReplicationMode.SYNC');
    });

    test('fails when SYNC replication has a single replica', () => {
      expect(failure({ replicas: 1, replicationMode: ReplicationMode.SYNC })).toBe('replicationMode SYNC needs at '
        + 'least 2 replicas (a primary and a synchronous standby), got replicas 1');
    });

    test.each([0, 3, 1.5])('fails when synchronousReplicas is %p with 3 replicas', (synchronousReplicas) => {
      expect(failure({ replicationMode: ReplicationMode.SYNC, synchronousReplicas })).toBe('synchronousReplicas must be '
        + 'a whole number from 1 to 2 (fewer than the 3 replicas: the primary is not one of its own standbys), '
        + `got ${synchronousReplicas}`);
    });
  });

  describe('synchronousStrict', () => {
    test('fails when synchronousStrict is set with ASYNC replication', () => {
      expect(failure({ synchronousStrict: true })).toBe('synchronousStrict only applies with replicationMode SYNC, '
        + 'got synchronousStrict true with replicationMode ASYNC; remove it or set replicationMode: ReplicationMode.SYNC');
    });

    test('resolves to false by default and keeps true with SYNC replication', () => {
      const chart = new Chart(Testing.app(), 'test');
      expect(new PostgresCluster(chart, 'plain').synchronousStrict).toBe(false);
      expect(new PostgresCluster(chart, 'strict', { replicationMode: ReplicationMode.SYNC, synchronousStrict: true }).synchronousStrict).toBe(true);
    });
  });

  describe('storage', () => {
    test('fails when storageSize is below one WAL segment', () => {
      expect(failure({ storageSize: Size.mebibytes(8) })).toBe('storageSize must be at least 16Mi (one WAL segment), got 8Mi');
    });

    test('fails when storageSize is below initialStorageSize, since a volume never shrinks', () => {
      expect(failure({ storageSize: Size.gibibytes(10), initialStorageSize: Size.gibibytes(20) }))
        .toBe('storageSize must be at least initialStorageSize (20Gi): a volume can grow but never shrink, got 10Gi');
    });

    test('fails when initialStorageSize is below one WAL segment', () => {
      expect(failure({ initialStorageSize: Size.mebibytes(8) })).toBe('initialStorageSize must be at least 16Mi (one WAL segment), got 8Mi');
    });

    test('fails when maximumLagOnFailover is not a number', () => {
      expect(failure({ maximumLagOnFailover: Size.mebibytes(Infinity) })).toBe('maximumLagOnFailover must be a finite size, got InfinityMi');
    });

    test('fails when storageSize is not a number', () => {
      expect(failure({ storageSize: Size.mebibytes(NaN) })).toBe('storageSize must be at least 16Mi (one WAL segment), got NaNMi');
    });

    test('fails when storageClassName is not a StorageClass name', () => {
      expect(failure({ storageClassName: 'Fast SSD' })).toBe('storageClassName must be the name of a StorageClass '
        + '(a DNS-1123 subdomain: lowercase letters, digits, \'-\' and \'.\'), got "Fast SSD"');
    });
  });

  describe('images and domain', () => {
    test('fails when postgresImage is empty', () => {
      expect(failure({ postgresImage: '' })).toBe('postgresImage must be a container image reference without spaces, got ""');
    });

    test('fails when agentImage contains a space', () => {
      expect(failure({ agentImage: AgentImage.nodeRuntime('node 24') })).toBe('agentImage must be a container image reference without spaces, got "node 24"');
    });

    test('fails when clusterDomain is not a DNS domain', () => {
      expect(failure({ clusterDomain: 'cluster.local.' })).toBe('clusterDomain must be a DNS domain (lowercase letters, '
        + 'digits, \'-\' and \'.\', like cluster.local), got "cluster.local."');
    });
  });

  describe('failover timing', () => {
    test('fails when leaseDuration is not a whole number of seconds', () => {
      expect(failure({ leaseDuration: Duration.millis(1500) })).toBe('leaseDuration must be a whole number of seconds '
        + 'from 1 to 3600 (Lease.spec.leaseDurationSeconds is an integer), got 1500ms');
    });

    test('fails when leaseDuration is zero', () => {
      expect(failure({ leaseDuration: Duration.seconds(0) })).toBe('leaseDuration must be a whole number of seconds '
        + 'from 1 to 3600 (Lease.spec.leaseDurationSeconds is an integer), got 0s');
    });

    test('fails when leaseDuration is longer than an hour, which the agent refuses', () => {
      expect(failure({ leaseDuration: Duration.hours(2), renewDeadline: Duration.minutes(1) })).toBe('leaseDuration must be a whole number '
        + 'of seconds from 1 to 3600 (Lease.spec.leaseDurationSeconds is an integer), got 7200s');
    });

    test('fails when retryPeriod is zero', () => {
      expect(failure({ retryPeriod: Duration.millis(0) })).toBe('renewDeadline and retryPeriod must be whole numbers of '
        + 'milliseconds, retryPeriod at least 1ms, got renewDeadline 6s and retryPeriod 0s');
    });

    test('fails when renewDeadline is a fraction of a millisecond', () => {
      expect(failure({ renewDeadline: Duration.millis(5000.5) })).toBe('renewDeadline and retryPeriod must be whole '
        + 'numbers of milliseconds, retryPeriod at least 1ms, got renewDeadline 5000.5ms and retryPeriod 1s');
    });

    test('fails when renewDeadline is not shorter than leaseDuration', () => {
      expect(failure({ renewDeadline: Duration.seconds(10) })).toBe('renewDeadline must be shorter than leaseDuration '
        + '(a primary that cannot renew must stop before another member may take the lease), '
        + 'got renewDeadline 10s with leaseDuration 10s');
    });

    test('fails when renewDeadline is not longer than 1.2 × retryPeriod', () => {
      expect(failure({ renewDeadline: Duration.millis(1200) })).toBe('renewDeadline must be longer than 1.2 × retryPeriod '
        + '(a primary must get more than one renewal attempt before its deadline), '
        + 'got renewDeadline 1200ms with retryPeriod 1s');
    });
  });

  describe('parameters', () => {
    test('fails when a parameter is owned by the cluster', () => {
      expect(failure({ parameters: { wal_level: 'logical' } })).toBe('parameters: "wal_level" is set by '
        + 'cdk8s-postgres-ha (replication and failover depend on it) and cannot be overridden');
    });

    test.each([
      'hot_standby', 'HOT_STANDBY', 'primary_conninfo', 'primary_slot_name', 'synchronous_standby_names', 'port',
      'listen_addresses', 'unix_socket_directories', 'unix_socket_permissions', 'hba_file', 'ident_file',
      'config_file', 'data_directory', 'password_encryption', 'wal_log_hints', 'max_wal_senders',
      'max_replication_slots', 'recovery_target_time', 'recovery_target', 'restore_command', 'promote_trigger_file',
      'archive_mode', 'archive_command', 'include', 'include_dir', 'include_if_exists', 'ssl', 'ssl_cert_file',
    ])('fails when the owned parameter %s is given', (name) => {
      expect(failure({ parameters: { [name]: 'x' } })).toBe(`parameters: "${name}" is set by cdk8s-postgres-ha `
        + '(replication and failover depend on it) and cannot be overridden');
    });

    test.each(['work-mem', '1param', 'a.b.c', 'name with space', ''])('fails when the parameter name %p is invalid', (name) => {
      expect(failure({ parameters: { [name]: '1' } })).toBe(`parameters: "${name}" is not a valid PostgreSQL parameter `
        + 'name (letters, digits and \'_\', starting with a letter or \'_\'; extension parameters take one \'.\', '
        + 'as in auto_explain.log_min_duration)');
    });

    test.each(['a\nb', 'a\r\nb'])('fails when a value contains a line break (%p)', (value) => {
      expect(failure({ parameters: { application_name: value } })).toBe('parameters: the value of "application_name" '
        + 'contains a line break; a postgresql.conf value must fit on one line');
    });

    test('fails when a parameter is given twice in different case', () => {
      expect(failure({ parameters: { work_mem: '4MB', WORK_MEM: '8MB' } })).toBe('parameters: "work_mem" and '
        + '"WORK_MEM" name the same parameter (PostgreSQL parameter names are case-insensitive); give it once');
    });
  });
});
